import pytest
from hypothesis import given
from hypothesis import strategies as st

from yiwang.core import pii
from yiwang.core.validators import (
    check_id_number,
    check_phone,
    check_uscc,
    id_check_digit,
    uscc_check_char,
)


def test_reference_id_number_is_valid():
    assert check_id_number("11010519491231002X") is None
    assert check_id_number("11010519491231002x") is None


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("110105194912310021", "校验位"),
        ("1101051949123100", "18位"),
        ("110105194913310029", "出生日期"),
        ("11010519491231002Y", "最后一位"),
    ],
)
def test_bad_id_numbers(value, fragment):
    assert fragment in check_id_number(value)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000802100433B", "91440300708461136T"])
def test_reference_credit_codes_are_valid(code):
    assert check_uscc(code) is None


def test_bad_credit_codes():
    assert "校验位" in check_uscc("91350100M000100Y44")
    assert "不允许的字符" in check_uscc("91350100M0001O0Y43")


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_any_single_digit_change_breaks_the_id_check(first17):
    valid = first17 + id_check_digit(first17)
    for pos in range(17):
        changed = valid[:pos] + str((int(valid[pos]) + 1) % 10) + valid[pos + 1 :]
        assert id_check_digit(changed[:17]) != changed[17]


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17))
def test_generated_credit_codes_validate(first17):
    assert check_uscc(first17 + uscc_check_char(first17)) is None


def test_phone_numbers():
    assert check_phone("13812345678") is None
    assert check_phone("0512-67891234") is None
    assert check_phone("12812345678") is not None
    assert check_phone("1381234567") is not None


def test_masking_hides_birth_date_and_middle_digits():
    assert pii.mask_id_number("11010519491231002X") == "110105********002X"
    assert pii.mask_phone("13812345678") == "138****5678"
    assert pii.mask_name("欧阳娜娜") == "欧***"
    assert pii.mask_id_number("") == ""


def test_encryption_round_trip_and_not_plain():
    token = pii.encrypt("11010519491231002X")
    assert "11010519491231002X" not in token
    assert pii.decrypt(token) == "11010519491231002X"
    assert pii.lookup_hash("11010519491231002x") == pii.lookup_hash("11010519491231002X")


def test_key_rotation(settings):
    old = settings.YIWANG_FIELD_KEY
    token = pii.encrypt("13812345678")
    from cryptography.fernet import Fernet

    settings.YIWANG_FIELD_KEY = Fernet.generate_key().decode() + "," + old
    assert pii.decrypt(token) == "13812345678"
    settings.YIWANG_FIELD_KEY = Fernet.generate_key().decode()
    with pytest.raises(ValueError):
        pii.decrypt(token)
