"""Forms of the partners app. Each helper's part is under its own header."""

# --- revenue and fund ---------------------------------------------------------------------

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from lixiong.timeutil import local_today

from .models import Partner
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
