"""Checksums of Chinese identifiers (see ../shared/domain/reference.md §7.3).

- 公民身份号码 GB 11643-1999, check digit ISO 7064 MOD 11-2;
- 统一社会信用代码 GB 32100-2015, check character MOD 31;
- mobile numbers: 11 digits starting 1[3-9] (no prefix list: ranges change).

`check_*` functions return an error message in Chinese or None; `validate_*` raise Django's
ValidationError, for model and form fields.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def normalize_id_number(value: str) -> str:
    return (value or "").strip().upper()


def id_check_digit(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def check_id_number(value: str) -> str | None:
    value = normalize_id_number(value)
    if len(value) != 18:
        return "身份证号应为18位。"
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return "身份证号前17位应为数字，最后一位为数字或X。"
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "身份证号中的出生日期无效。"
    if id_check_digit(value[:17]) != value[17]:
        return "身份证号校验位错误。"
    return None


def id_number_birth_date(value: str) -> dt.date:
    value = normalize_id_number(value)
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def id_number_gender(value: str) -> str:
    """'M' or 'F' from the sequence digit (odd = male)."""
    return "M" if int(normalize_id_number(value)[16]) % 2 else "F"


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def check_uscc(value: str) -> str | None:
    value = (value or "").strip().upper()
    if len(value) != 18:
        return "统一社会信用代码应为18位。"
    bad = [c for c in value if c not in USCC_CHARSET]
    if bad:
        chars = "".join(sorted(set(bad)))
        return f"统一社会信用代码含有不允许的字符：{chars}（不使用I、O、S、V、Z）。"
    if uscc_check_char(value[:17]) != value[17]:
        return "统一社会信用代码校验位错误。"
    return None


def normalize_phone(value: str) -> str:
    return re.sub(r"[\s+]", "", (value or "")).removeprefix("86") if value else ""


def check_phone(value: str) -> str | None:
    value = normalize_phone(value)
    if PHONE_RE.match(value) or LANDLINE_RE.match(value):
        return None
    return "电话号码格式不正确（手机号为1开头的11位数字，固话如0512-12345678）。"


def _raiser(check):
    def validate(value: str) -> None:
        message = check(value)
        if message:
            raise ValidationError(message)

    validate.__name__ = check.__name__.replace("check_", "validate_")
    return validate


validate_id_number = _raiser(check_id_number)
validate_uscc = _raiser(check_uscc)
validate_phone = _raiser(check_phone)


# A month as the API takes it (YYYY-MM), years 1900–2100: a wider year names no period this
# platform holds, and 9999-12 would overflow the date of the month's end.
MONTH_PATTERN = r"^(19[0-9]{2}|20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"
