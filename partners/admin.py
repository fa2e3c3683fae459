from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# --- compliance and public pages ---
from .models import ComplianceResult


@admin.register(ComplianceResult)
class ComplianceResultAdmin(admin.ModelAdmin):
    """The monthly job's results: read, never edited (the job stores them once)."""

    list_display = (
        "month_label",
        "partner",
        "welfare",
        "report_submitted",
        "contribution_paid",
        "classes_above_cap",
        "compliant",
    )
    list_filter = ("agreement__partner",)
    list_select_related = ("agreement__partner",)
    date_hierarchy = "month"

    @admin.display(description=_("月份"), ordering="month")
    def month_label(self, result):
        return f"{result.month:%Y-%m}"

    @admin.display(description=_("进驻机构"), ordering="agreement__partner__name")
    def partner(self, result):
        return result.agreement.partner

    @admin.display(description=_("公益活动（已开展/应开展）"))
    def welfare(self, result):
        return f"{result.welfare_held}/{result.welfare_required}"

    @admin.display(boolean=True, description=_("达标"))
    def compliant(self, result):
        return result.is_compliant

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
