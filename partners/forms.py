"""Forms of the partners app. Each helper's part is under its own header."""

import re
import secrets
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from lixiong.timeutil import local_today
from lixiong.validators import contact_number, validate_contact_number
from programs.officer_forms import ActivityForm, SeriesForm

from .credit_code import normalise as normalise_credit_code
from .models import Application, Partner
from .services import MAX_AMOUNT_FEN

_YUAN = re.compile(r"^\d{1,11}(\.\d{1,2})?$")


class YuanField(forms.Field):
    """Yuan typed by a person (up to two decimals) -> integer fen, exactly (no float)."""

    widget = forms.TextInput

    def __init__(self, *, allow_zero: bool = True, **kwargs):
        self.allow_zero = allow_zero
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off", "maxlength": 20})

    def to_python(self, value):
        value = str(value or "").strip()
        if not value:
            return None
        if len(value) > 20 or "\x00" in value:
            raise forms.ValidationError(
                _("请输入金额数字，例如 1234.50（单位：元）。"), code="invalid"
            )
        value = value.replace(",", "").replace("，", "").replace("¥", "").replace("元", "").strip()
        if value.startswith("-"):
            raise forms.ValidationError(_("金额不能为负数。"), code="negative")
        if "." in value and len(value.split(".", 1)[1]) > 2 and value.split(".", 1)[1].isdigit():
            raise forms.ValidationError(_("金额最多精确到分（小数点后两位）。"), code="precision")
        if not _YUAN.match(value):
            raise forms.ValidationError(
                _("请输入金额数字，例如 1234.50（单位：元）。"), code="invalid"
            )
        fen = int(Decimal(value) * 100)
        if fen > MAX_AMOUNT_FEN:
            raise forms.ValidationError(_("金额过大。"), code="too_large")
        if fen == 0 and not self.allow_zero:
            raise forms.ValidationError(_("金额须大于 0。"), code="zero")
        return fen


class RevenueReportForm(forms.Form):
    month = forms.ChoiceField(label=_("月份"))
    revenue = YuanField(
        label=_("本月营业总收入（元）"),
        help_text=_("该月全部课程的营业收入，精确到分。提交后不能自行修改。"),
    )

    def __init__(self, *args, months=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [(f"{m:%Y-%m}", f"{m:%Y-%m}") for m in months]


class ReceiveForm(forms.Form):
    partner = forms.ModelChoiceField(label=_("进驻机构"), queryset=Partner.objects.all())
    amount = YuanField(label=_("收到金额（元）"), allow_zero=False)
    entry_date = forms.DateField(label=_("日期"), initial=local_today)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class SpendForm(forms.Form):
    amount = YuanField(label=_("支出金额（元）"), allow_zero=False)
    purpose = forms.CharField(label=_("用途"), max_length=300)
    approved_by = forms.CharField(label=_("批准人"), max_length=100)
    entry_date = forms.DateField(label=_("日期"), initial=local_today)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("冲销原因"), max_length=300)


class CorrectReportForm(forms.Form):
    revenue = YuanField(label=_("更正后的营业总收入（元）"))
    reason = forms.CharField(label=_("更正原因"), max_length=200)


# What a licence may be, told by its first bytes (a renamed .exe says "MZ", whatever its name
# or the browser's content type claim): the extension the stored file gets, and its type.
LICENCE_SIGNATURES = (
    (b"%PDF-", ".pdf", "application/pdf"),
    (b"\xff\xd8\xff", ".jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", ".png", "image/png"),
)


def document_kind(head: bytes) -> tuple[str, str] | None:
    """(extension, content type) of a PDF, JPEG or PNG starting with `head`, else None."""
    for magic, extension, content_type in LICENCE_SIGNATURES:
        if head.startswith(magic):
            return extension, content_type
    return None


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


class ApplicationForm(forms.ModelForm):
    """The public application form of an enterprise that wants to be admitted."""

    # Longer than the 18 characters it stores: people copy the code with spaces ("9144 0606
    # ..."), and the browser would silently cut it at 18. It is normalised, then checked.
    credit_code = forms.CharField(
        label=Application._meta.get_field("credit_code").verbose_name,
        max_length=40,
        help_text=_("18 位数字和大写字母，印在营业执照上。"),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )

    class Meta:
        model = Application
        fields = [
            "company_name",
            "credit_code",
            "legal_representative",
            "contact_name",
            "contact_phone",
            "compound",
            "business_scope",
            "licence",
            "social_responsibility",
            "welfare_commitment",
            "welfare_per_month",
            "proposed_classes",
            "wanted_rooms",
        ]
        widgets = {
            "contact_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "business_scope": forms.Textarea(attrs={"rows": 3}),
            "licence": forms.ClearableFileInput(
                attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
            ),
            "social_responsibility": forms.Textarea(attrs={"rows": 3}),
            "welfare_commitment": forms.Textarea(attrs={"rows": 3}),
            "welfare_per_month": forms.NumberInput(attrs={"min": 0, "max": 100}),
            "proposed_classes": forms.Textarea(attrs={"rows": 4}),
            "wanted_rooms": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "licence": {
                "required": _("请上传营业执照（PDF、JPG 或 PNG）。"),
                "empty": _("上传的文件是空的，请重新选择。"),
            },
        }
        help_texts = {
            "licence": _("PDF、JPG 或 PNG，不超过 %(mb)s MB。只有社区工作人员和您能看到。"),
            "social_responsibility": _("过去参与的公益、志愿服务、获得的表彰等。"),
            "welfare_commitment": _("每月开展哪些免费公益活动，面向哪些居民。"),
            "proposed_classes": _("每行一门课程及其市场价，例如：少儿书法 每节 80 元。"),
            "wanted_rooms": _("例如：绿地香颂公馆 书画室，周六上午。"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["licence"].help_text = self.fields["licence"].help_text % {
            "mb": _megabytes(settings.PARTNER_UPLOAD_MAX_BYTES)
        }
        self.fields["compound"].empty_label = _("（还没有想好）")
        self.fields["welfare_per_month"].min_value = 0

    def clean_credit_code(self) -> str:
        # The model field's validator runs on the normalised value (after this method).
        return normalise_credit_code(self.cleaned_data["credit_code"])

    def clean_contact_phone(self) -> str:
        phone = self.cleaned_data["contact_phone"]
        validate_contact_number(phone)
        return contact_number(phone)

    def clean_licence(self):
        licence = self.cleaned_data.get("licence")
        if not licence:
            return licence
        limit = settings.PARTNER_UPLOAD_MAX_BYTES
        if licence.size == 0:
            raise forms.ValidationError(_("上传的文件是空的，请重新选择。"), code="empty")
        if licence.size > limit:
            raise forms.ValidationError(
                _("文件太大（%(size)s MB），最大 %(limit)s MB。请压缩或拍得小一些再上传。"),
                code="too_large",
                params={"size": _megabytes(licence.size), "limit": _megabytes(limit)},
            )
        licence.seek(0)
        kind = document_kind(licence.read(16))
        licence.seek(0)
        if kind is None:
            raise forms.ValidationError(
                _("营业执照只能是 PDF、JPG 或 PNG 文件，这个文件不是。"), code="file_type"
            )
        # A random name: the applicant's own file name never reaches the disk or a URL.
        licence.name = secrets.token_hex(16) + kind[0]
        return licence


class PortalFormMixin:
    """The organiser area's activity and series forms, for one partner: its organiser fixed,
    no government program, the rooms of its agreement. A class (`welfare=False`) has a price
    and a market price; a public-welfare activity is free. The agreement's rules themselves
    are checked by the service (partners.services.partner_activity_check via programs.rules)."""

    def setup_for_partner(self, partner: Partner, rooms, *, welfare: bool) -> None:
        self.partner, self.welfare = partner, welfare
        for name in ("organiser", "program", "is_public_welfare"):
            self.fields.pop(name, None)
        if welfare:
            self.fields.pop("price_yuan")
            self.fields.pop("market_price_yuan")
        else:
            for name in ("price_yuan", "market_price_yuan"):
                self.fields[name].required = True
                self.fields[name].help_text = ""
        space = self.fields["space"]
        space.queryset = space.queryset.filter(pk__in=[room.pk for room in rooms])
        space.group()

    def fill_fixed(self, cleaned: dict) -> None:
        cleaned["organiser"] = self.partner.organiser
        cleaned["program"] = None
        cleaned["is_public_welfare"] = self.welfare
        if self.welfare:
            cleaned["price_yuan"] = cleaned["market_price_yuan"] = Decimal(0)


class PortalActivityForm(PortalFormMixin, ActivityForm):
    def __init__(self, *args, user, partner: Partner, rooms, welfare: bool = False, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.setup_for_partner(partner, rooms, welfare=welfare)

    def clean(self):
        self.fill_fixed(self.cleaned_data)
        return super().clean()


class PortalSeriesForm(PortalFormMixin, SeriesForm):
    def __init__(self, *args, user, partner: Partner, rooms, welfare: bool = False, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.setup_for_partner(partner, rooms, welfare=welfare)

    def clean(self):
        self.fill_fixed(self.cleaned_data)
        return super().clean()


class PaidForm(forms.Form):
    paid = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")
