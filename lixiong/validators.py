"""What typed-in values may look like, shared by the models, the forms and the API.

Model fields carry these validators, so model forms, the admin and DRF ModelSerializers apply
them without being told; plain forms and serializers that take the same values name them too.
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Everything str.splitlines() breaks on. A title, a name or a purpose ends up in mail headers
# (subjects), where a line break makes Django refuse the whole mail (BadHeaderError), and in
# one-line places such as the admin's lists and CSV exports.
LINE_BREAKS = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def validate_single_line(value: str) -> None:
    if LINE_BREAKS.search(value):
        raise ValidationError(_("只能填写一行，不能包含换行。"), code="line_break")


class OneLineTextareaField(forms.CharField):
    """A one-line value (a reason) typed into a textarea: the box invites the Enter key, so
    line breaks become spaces instead of an error. The model field still refuses them."""

    widget = forms.Textarea(attrs={"rows": 2})

    def to_python(self, value):
        value = super().to_python(value)
        return " ".join(part.strip() for part in LINE_BREAKS.split(value) if part.strip())


# --- phone numbers -------------------------------------------------------------------------

# People type numbers as they read them out: "138 0013 8000", "+86 138-0013-8000", in full-width
# digits from a Chinese keyboard. Spaces, dashes, brackets and the country code are dropped.
SEPARATORS = re.compile(r"[\s\-‐‑‒–—()]")
COUNTRY_CODE = re.compile(r"^(\+|00)86")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
# A mainland landline with its area code: 010 and 02x are three digits, the rest four (0757 is
# Foshan); then a local number of 7 or 8 digits that never starts with 0 or 1.
LANDLINE = re.compile(r"^(0(?:10|2\d|[3-9]\d\d))([2-9]\d{6,7})$")

MOBILE_MESSAGE = _("请填写 11 位手机号，例如 138 0013 8000。")
CONTACT_MESSAGE = _("请填写手机号或带区号的固定电话，例如 138 0013 8000 或 0757-8612 3456。")


def _bare_digits(value: str) -> str:
    value = SEPARATORS.sub("", unicodedata.normalize("NFKC", value))
    international = COUNTRY_CODE.match(value)
    if international:
        value = value[international.end() :]
        # From abroad a landline is dialled without its leading 0: +86 757 8612 3456.
        if value and value[0] in "23456789":
            value = "0" + value
    return value


def mobile_number(value: str) -> str | None:
    """The 11 digits of a mainland mobile number, or None if `value` is not one."""
    digits = _bare_digits(value)
    return digits if MOBILE.match(digits) else None


def contact_number(value: str) -> str | None:
    """A mobile number as 11 digits or a landline as "0757-86123456", or None."""
    digits = _bare_digits(value)
    if MOBILE.match(digits):
        return digits
    landline = LANDLINE.match(digits)
    return f"{landline[1]}-{landline[2]}" if landline else None


def validate_mobile_number(value: str) -> None:
    if mobile_number(value) is None:
        raise ValidationError(MOBILE_MESSAGE, code="invalid_phone")


def validate_contact_number(value: str) -> None:
    if contact_number(value) is None:
        raise ValidationError(CONTACT_MESSAGE, code="invalid_phone")


def parse_id(raw) -> int | None:
    """A database id from a query string or form value, else None: ASCII digits only (str's
    isdigit() also takes "²", which int() refuses) and small enough for a bigint column."""
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return None
    return int(raw)
