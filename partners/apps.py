from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "partners"
    verbose_name = _("进驻机构")

    def ready(self):
        # A partner's class keeps its agreement whichever door it is posted by (the portal,
        # the organiser area, the API): programs calls the checks registered here.
        from programs import rules

        from .services import partner_activity_check

        rules.register(partner_activity_check)
