from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# --- compliance and public pages ---
from .models import ComplianceResult


@admin.register(ComplianceResult)
class ComplianceResultAdmin(admin.ModelAdmin):
    """The monthly job's results: read, never edited (the job stores them once)."""

    list_display = (
        "agreement",
        "month",
        "welfare_held",
        "welfare_required",
        "report_submitted",
        "contribution_paid",
        "classes_above_cap",
        "compliant",
    )
    list_filter = ("month", "agreement__partner")
    list_select_related = ("agreement__partner",)
    date_hierarchy = "month"

    @admin.display(boolean=True, description=_("达标"))
    def compliant(self, result):
        return result.is_compliant

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
