"""Staff's side of the partners app. Each part of issue 8 keeps its own section."""

# --- partner portal ---------------------------------------------------------------------------

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lixiong.validators import OneLineTextareaField

from . import services
from .models import Agreement, Investment, Partner


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
