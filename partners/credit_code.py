"""The unified social credit code (统一社会信用代码) of GB 32100-2015: 18 characters from a
31-character alphabet (digits and capitals without I, O, Z, S, V), the last a check character
computed from the first 17 with the standard's weights, modulo 31."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """The check character for the first 17 characters (all in ALPHABET)."""
    total = sum(
        ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True)
    )
    return ALPHABET[(31 - total % 31) % 31]


def normalise(code: str) -> str:
    """As typed on a form: spaces dropped, letters in capitals."""
    return "".join(code.split()).upper()


def validate_credit_code(value: str) -> None:
    code = normalise(value or "")
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为 18 位，现在是 %(n)s 位。"),
            code="credit_code_length",
            params={"n": len(code)},
        )
    wrong = [char for char in code if char not in ALPHABET]
    if wrong:
        raise ValidationError(
            _("统一社会信用代码里不能有“%(char)s”（只用数字和除 I、O、Z、S、V 以外的大写字母）。"),
            code="credit_code_character",
            params={"char": wrong[0]},
        )
    if check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("统一社会信用代码的校验位不对，请核对营业执照上的代码。"), code="credit_code_check"
        )
