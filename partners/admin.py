"""The staff admin of the partners app. Each helper's part is under its own header."""

from django.contrib import admin
from django.db.models import F
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

# --- compliance and public pages ---
from .models import ComplianceResult, FundEntry, RevenueReport
from .templatetags.fund import yuan


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


class UnderDeclaredFilter(admin.SimpleListFilter):
    title = _("申报与已付款报名")
    parameter_name = "under_declared"

    def lookups(self, request, model_admin):
        return [("yes", _("申报低于已付款报名")), ("no", _("不低于"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(revenue_fen__lt=F("implied_revenue_fen"))
        if self.value() == "no":
            return queryset.filter(revenue_fen__gte=F("implied_revenue_fen"))
        return queryset


@admin.register(RevenueReport)
class RevenueReportAdmin(admin.ModelAdmin):
    list_display = [
        "partner",
        "month_shown",
        "revenue_shown",
        "implied_shown",
        "under_declared_flag",
        "contribution_shown",
        "correct_link",
    ]
    list_filter = [UnderDeclaredFilter, "partner"]
    list_select_related = ["partner"]
    readonly_fields = [
        "partner",
        "month",
        "revenue_fen",
        "implied_revenue_fen",
        "contribution_fen",
        "submitted_by",
        "submitted_at",
    ]

    # Reports come from partners (portal or API); their figures feed the ledger, so staff
    # read them here and correct them only through revenue_report_correct.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("月份"), ordering="month")
    def month_shown(self, obj):
        return f"{obj.month:%Y-%m}"

    @admin.display(description=_("申报（元）"), ordering="revenue_fen")
    def revenue_shown(self, obj):
        return yuan(obj.revenue_fen)

    @admin.display(description=_("已付款对应（元）"), ordering="implied_revenue_fen")
    def implied_shown(self, obj):
        return yuan(obj.implied_revenue_fen)

    @admin.display(description=_("低报"))
    def under_declared_flag(self, obj):
        # Only the exceptions are marked: a red cross on every honest report would drown them.
        if not obj.under_declared:
            return "—"
        return format_html(
            '<strong class="fund-under">⚠ {}</strong>',
            _("低 %(amount)s 元") % {"amount": yuan(obj.implied_revenue_fen - obj.revenue_fen)},
        )

    @admin.display(description=_("应缴（元）"), ordering="contribution_fen")
    def contribution_shown(self, obj):
        return yuan(obj.contribution_fen)

    @admin.display(description=_("更正"))
    def correct_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("staff_report_correct", args=[obj.pk]), _("更正")
        )


@admin.register(FundEntry)
class FundEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are recorded and reversed on the fund page (/staff/fund/), whose
    forms call the services; here staff search and filter the ledger."""

    list_display = [
        "pk",
        "entry_date",
        "kind",
        "partner",
        "amount_shown",
        "purpose",
        "approved_by",
        "reverses",
    ]
    list_filter = ["kind", "partner", "entry_date"]
    list_select_related = ["partner", "reverses"]
    search_fields = ["purpose", "approved_by", "partner__name"]
    readonly_fields = [f.name for f in FundEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("金额（元）"), ordering="amount_fen")
    def amount_shown(self, obj):
        return yuan(obj.amount_fen)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["title"] = format_html(
            '{} · <a href="{}">{}</a>',
            _("社区基金"),
            reverse("staff_fund"),
            _("记账、冲销与导出"),
        )
        return super().changelist_view(request, extra_context)
