from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from . import services
from .models import Application

# --- admission ---

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
