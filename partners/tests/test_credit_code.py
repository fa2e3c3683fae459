"""统一社会信用代码 (GB 32100-2015): its check character, and what a person is told."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from partners.credit_code import ALPHABET, check_character, validate_credit_code

# Codes printed on real business licences.
VALID = ["91350100M000100Y43", "911100007109288314"]


@pytest.mark.parametrize("code", VALID)
def test_a_real_code_passes(code):
    validate_credit_code(code)


def test_a_code_typed_with_spaces_and_small_letters_passes():
    validate_credit_code(" 91350100m000100y43 ")


@pytest.mark.parametrize("code", VALID)
def test_every_one_character_change_of_a_real_code_is_refused(code):
    refused = 0
    for position in range(18):
        for char in ALPHABET:
            if char == code[position]:
                continue
            changed = code[:position] + char + code[position + 1 :]
            with pytest.raises(ValidationError):
                validate_credit_code(changed)
            refused += 1
    assert refused == 18 * 30


def test_the_check_character_follows_the_standards_weights():
    # 1*9+3*1+9*3+27*5+19*0+26*1+16*0+17*0+20*M(21)+... computed by the standard's rule.
    assert check_character("91350100M000100Y4") == "3"
    assert check_character("91110000710928831") == "4"


@pytest.mark.parametrize(
    ("code", "zh", "en"),
    [
        ("9135010", "应为 18 位", "18 characters"),
        ("91350100I000100Y43", "不能有“I”", "cannot contain"),
        ("91350100M000100Y44", "校验位不对", "check character"),
    ],
)
def test_each_refusal_says_what_is_wrong_in_the_persons_language(code, zh, en):
    for language, words in (("zh-hans", zh), ("en", en)):
        with translation.override(language):
            with pytest.raises(ValidationError) as error:
                validate_credit_code(code)
            assert words in error.value.messages[0]
