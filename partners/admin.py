"""The staff admin of the partners app. Each helper's part is under its own header."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.db.models import F
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from lixiong.validators import OneLineTextareaField

from . import services

# --- compliance and public pages ---
from .models import (
    Agreement,
    Application,
    ComplianceResult,
    FundEntry,
    Investment,
    Partner,
    RevenueReport,
)
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


VERDICTS = [
    ("", pgettext_lazy("screening", "未评")),
    ("True", pgettext_lazy("screening", "通过")),
    ("False", pgettext_lazy("screening", "不通过")),
]


APPLICATION_FIELDS = (
    "applicant",
    "company_name",
    "credit_code",
    "legal_representative",
    "contact_name",
    "contact_phone",
    "compound",
    "business_scope",
    "licence_link",
    "social_responsibility",
    "welfare_commitment",
    "welfare_per_month",
    "proposed_classes",
    "wanted_rooms",
    "created_at",
)


SCREENING_FIELDS = (
    "qualification_passed",
    "qualification_notes",
    "responsibility_passed",
    "responsibility_notes",
    "commitment_passed",
    "commitment_notes",
)


DECISION_FIELDS = ("status", "decision_reason", "decided_by", "decided_at", "partner")


class ApplicationScreeningForm(forms.ModelForm):
    """Each of the three dimensions as pass / fail / not yet judged, big enough to tap."""

    qualification_passed = forms.NullBooleanField(
        label=gettext_lazy("企业资质"), required=False, widget=forms.RadioSelect(choices=VERDICTS)
    )
    responsibility_passed = forms.NullBooleanField(
        label=gettext_lazy("社会责任"), required=False, widget=forms.RadioSelect(choices=VERDICTS)
    )
    commitment_passed = forms.NullBooleanField(
        label=gettext_lazy("公益承诺"), required=False, widget=forms.RadioSelect(choices=VERDICTS)
    )

    class Meta:
        model = Application
        fields = [*SCREENING_FIELDS, "decision_reason"]
        widgets = {
            "qualification_notes": forms.Textarea(attrs={"rows": 2}),
            "responsibility_notes": forms.Textarea(attrs={"rows": 2}),
            "commitment_notes": forms.Textarea(attrs={"rows": 2}),
            "decision_reason": forms.Textarea(attrs={"rows": 3}),
        }


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Staff screen the three dimensions (三维筛选) here, then approve or reject; both buttons
    save the screening first and then call the same services as everywhere else."""

    form = ApplicationScreeningForm
    change_form_template = "admin/partners/application/change_form.html"
    list_display = (
        "company_name",
        "credit_code",
        "contact_name",
        "qualification_passed",
        "responsibility_passed",
        "commitment_passed",
        "status",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("company_name", "credit_code", "contact_name")
    list_select_related = ("applicant",)
    fieldsets = (
        (gettext_lazy("申请内容"), {"fields": APPLICATION_FIELDS}),
        (gettext_lazy("三维筛选"), {"fields": SCREENING_FIELDS}),
        (gettext_lazy("审核结果"), {"fields": DECISION_FIELDS}),
    )

    def has_add_permission(self, request):
        return False  # applications come from the public form

    def has_delete_permission(self, request, obj=None):
        return False  # a decision stays on record

    def get_readonly_fields(self, request, obj=None):
        readonly = list(APPLICATION_FIELDS) + ["status", "decided_by", "decided_at", "partner"]
        if obj is not None and obj.status != Application.Status.SUBMITTED:
            readonly += list(SCREENING_FIELDS) + ["decision_reason"]
        return readonly

    @admin.display(description=gettext_lazy("营业执照"))
    def licence_link(self, obj):
        if not obj.licence:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("partner_application_licence", args=[obj.pk]),
            _("打开上传的文件"),
        )

    def save_model(self, request, obj, form, change):
        if obj.status != Application.Status.SUBMITTED:
            return
        try:
            services.application_screen(
                application=obj,
                by=request.user,
                **{name: form.cleaned_data.get(name) for name in SCREENING_FIELDS},
                decision_reason=form.cleaned_data.get("decision_reason", ""),
            )
        except services.ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)

    def response_change(self, request, obj):
        if "_approve" not in request.POST and "_reject" not in request.POST:
            return super().response_change(request, obj)
        try:
            if "_approve" in request.POST:
                services.application_approve(
                    application=obj, by=request.user, reason=obj.decision_reason
                )
                self.log_change(request, obj, "approved")
                self.message_user(
                    request,
                    _("已批准“%(name)s”进驻：已建立组织方和《公益服务协议》，并通知了申请人。")
                    % {"name": obj.company_name},
                    messages.SUCCESS,
                )
            else:
                services.application_reject(
                    application=obj, by=request.user, reason=obj.decision_reason
                )
                self.log_change(request, obj, f"rejected: {obj.decision_reason}")
                self.message_user(
                    request,
                    _("已驳回“%(name)s”的申请，申请人会看到原因。") % {"name": obj.company_name},
                    messages.SUCCESS,
                )
        except services.ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
        return HttpResponseRedirect(request.path)


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "compound", "contact_name", "contact_phone"]
    list_filter = ["compound"]
    search_fields = ["name", "credit_code", "contact_name"]
    list_select_related = ["compound"]
    # The organiser (and so who may post its classes) is set when the application is
    # approved; its members are managed on the organiser.
    readonly_fields = ["organiser", "created_at"]


class AgreementAdminForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = [
            "partner",
            "signed_on",
            "valid_from",
            "valid_to",
            "price_cap",
            "fund_share",
            "welfare_minimum",
            "rooms",
            "windows",
        ]

    def clean(self):
        cleaned = super().clean()
        rooms, windows = cleaned.get("rooms"), cleaned.get("windows")
        if rooms is not None and windows:
            room_ids = {room.pk for room in rooms}
            stray = [w for w in windows if w.space_id not in room_ids]
            if stray:
                self.add_error(
                    "windows",
                    _("这些时段所在的场地没有分配给机构：%(windows)s")
                    % {"windows": ", ".join(f"{w.space} {w}" for w in stray)},
                )
        return cleaned


class SuspendReasonForm(forms.Form):
    reason = OneLineTextareaField(
        label=gettext_lazy("暂停原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


@admin.action(description=gettext_lazy("暂停所选协议（需填写原因）"), permissions=["change"])
def suspend_agreements(modeladmin, request, queryset):
    form = SuspendReasonForm(request.POST if "apply" in request.POST else None)
    if not (form.is_bound and form.is_valid()):
        return render(
            request,
            "admin/partners/suspend_reason.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": _("暂停协议"),
                "objects": queryset,
                "form": form,
                "action": "suspend_agreements",
                "opts": modeladmin.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
    for agreement in queryset:
        services.agreement_suspend(
            agreement=agreement, by=request.user, reason=form.cleaned_data["reason"]
        )
    modeladmin.message_user(
        request,
        _("已暂停 %(n)s 份协议；机构在恢复前不能发布新课程。") % {"n": queryset.count()},
        messages.SUCCESS,
    )
    return None


@admin.action(description=gettext_lazy("恢复所选协议"), permissions=["change"])
def reactivate_agreements(modeladmin, request, queryset):
    for agreement in queryset:
        services.agreement_reactivate(agreement=agreement, by=request.user)
    modeladmin.message_user(
        request, _("已恢复 %(n)s 份协议。") % {"n": queryset.count()}, messages.SUCCESS
    )


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    form = AgreementAdminForm
    list_display = [
        "partner",
        "status",
        "status_reason",
        "valid_from",
        "valid_to",
        "price_cap",
        "fund_share",
        "welfare_minimum",
    ]
    list_filter = ["status"]
    search_fields = ["partner__name"]
    list_select_related = ["partner"]
    filter_horizontal = ["rooms", "windows"]
    actions = [suspend_agreements, reactivate_agreements]
    # Suspending takes a reason the partner is shown: through the actions, not by a edit.
    readonly_fields = ["status", "status_reason", "created_at"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "windows":
            kwargs["queryset"] = db_field.related_model.objects.select_related("space__compound")
        elif db_field.name == "rooms":
            kwargs["queryset"] = db_field.related_model.objects.select_related("compound")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class InvestmentAdminForm(forms.ModelForm):
    """Staff type yuan (500000); the ledger keeps fen (50000000), exactly."""

    amount_yuan = forms.DecimalField(
        label=gettext_lazy("投入金额（元）"),
        min_value=Decimal("0.01"),
        max_value=Decimal("1000000000"),
        max_digits=12,
        decimal_places=2,
    )

    class Meta:
        model = Investment
        fields = ["partner", "space", "area_m2", "made_on", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["amount_yuan"] = (Decimal(self.instance.amount_fen) / 100).quantize(
                Decimal("0.01")
            )

    def save(self, commit=True):
        self.instance.amount_fen = int(self.cleaned_data["amount_yuan"] * 100)
        return super().save(commit=commit)


@admin.register(Investment)
class InvestmentAdmin(admin.ModelAdmin):
    form = InvestmentAdminForm
    list_display = ["partner", "space", "amount_shown", "area_m2", "made_on", "description"]
    list_select_related = ["partner", "space__compound"]
    search_fields = ["partner__name", "description"]
    fields = ["partner", "space", "amount_yuan", "area_m2", "made_on", "description"]

    @admin.display(description=gettext_lazy("投入金额（元）"), ordering="amount_fen")
    def amount_shown(self, investment):
        return f"¥{Decimal(investment.amount_fen) / 100:,.2f}"
