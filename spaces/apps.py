from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpacesConfig(AppConfig):
    name = "spaces"
    verbose_name = _("服务阵地")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed, post_save

        from .messages import forget_staff_deciders

        def forget(**kwargs):
            forget_staff_deciders()

        # Who hears of new requests is cached for a minute; an account or permission edited
        # in this process takes effect at once.
        user_model = get_user_model()
        post_save.connect(forget, sender=user_model, dispatch_uid="spaces_forget_deciders")
        m2m_changed.connect(
            forget, sender=user_model.user_permissions.through, dispatch_uid="spaces_forget_p"
        )
        m2m_changed.connect(forget, sender=user_model.groups.through, dispatch_uid="spaces_fg")
