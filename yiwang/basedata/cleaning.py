"""Field-by-field checks of base data, shared by the services (API) and the .xlsx import.

Each `clean_*` returns the normalised value or raises `FieldError(field, message)`; the
service turns it into a 400 naming the field, the import into a rejected row naming the column.
Messages never repeat the personal data they reject.
"""

from __future__ import annotations

import datetime as dt
import re

from yiwang.basedata.geo import check_point
from yiwang.basedata.models import House, LegalEntity, Person
from yiwang.core.validators import (
    check_id_number,
    check_phone,
    check_uscc,
    normalize_id_number,
    normalize_phone,
)


class FieldError(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def text(value) -> str:
    """A cell or JSON value as stripped text ('' for empty). Integers stay integers in text."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def clean_text(field: str, value, *, label: str, max_length: int, required=False) -> str:
    value = text(value)
    if required and not value:
        raise FieldError(field, f"{label}不能为空。")
    if len(value) > max_length:
        raise FieldError(field, f"{label}过长（最多{max_length}个字符）。")
    return value


def clean_name(value, field="name") -> str:
    value = clean_text(field, value, label="姓名", max_length=50, required=True)
    if re.search(r"[\d@#$%^&*<>{}\[\]]", value):
        raise FieldError(field, "姓名含有不允许的字符（数字或符号）。")
    return value


def clean_id_number(value, field="id_number") -> str:
    value = normalize_id_number(text(value))
    if not value:
        raise FieldError(field, "身份证号不能为空。")
    if "*" in value:
        raise FieldError(field, "身份证号是脱敏值（含*），不能导入；请使用明文导出或原始数据。")
    message = check_id_number(value)
    if message:
        raise FieldError(field, message)
    birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    if birth > dt.date.today():
        raise FieldError(field, "身份证号中的出生日期晚于今天。")
    if birth.year < 1890:
        raise FieldError(field, "身份证号中的出生日期早于1890年。")
    return value


def clean_phone(value, field="phone", *, label="手机号") -> str:
    value = text(value)
    if not value:
        return ""
    if "*" in value:
        raise FieldError(field, f"{label}是脱敏值（含*），不能导入。")
    value = normalize_phone(value)
    message = check_phone(value)
    if message:
        raise FieldError(field, message)
    return value


def clean_uscc(value, field="uscc") -> str:
    value = text(value).upper()
    if not value:
        raise FieldError(field, "统一社会信用代码不能为空。")
    message = check_uscc(value)
    if message:
        raise FieldError(field, message)
    return value


def _choice(field, value, choices, *, label, aliases=None, blank_ok=True):
    """Accept a choice's code or its Chinese label (or an alias)."""
    value = text(value)
    if not value:
        if blank_ok:
            return ""
        raise FieldError(field, f"{label}不能为空。")
    by_label = {str(lbl): code for code, lbl in choices}
    codes = {code for code, _ in choices}
    aliases = aliases or {}
    if value in codes:
        return value
    if value in by_label:
        return by_label[value]
    if value in aliases:
        return aliases[value]
    allowed = "、".join(str(lbl) for code, lbl in choices if code)
    raise FieldError(field, f"{label}“{value}”无效，应为：{allowed}。")


def clean_relation(value, field="relation") -> str:
    return _choice(
        field,
        value,
        Person.Relation.choices,
        label="与户主关系",
        aliases={"本人": "head", "妻": "spouse", "夫": "spouse", "子": "child", "女": "child"},
    )


COLOUR_ALIASES = {
    "红色": "red",
    "黄色": "yellow",
    "绿色": "green",
    "红码": "red",
    "黄码": "yellow",
    "绿码": "green",
    "无色": "",
}


def clean_colour(value, field="colour") -> str | None:
    """'' clears, None means not given."""
    raw = text(value)
    if not raw:
        return None
    if raw in COLOUR_ALIASES:
        return COLOUR_ALIASES[raw]
    if raw in ("无", "none"):
        return ""
    return _choice(field, raw, Person.Colour.choices, label="颜色标记")


TAG_SPLIT = re.compile(r"[,，、;；/\s]+")


def clean_tags(value, vocabulary: dict, field="tags") -> list | None:
    """Tag names (text split on 、，; or a list) → PersonTag rows; None when not given."""
    if value is None:
        return None
    names = value if isinstance(value, list | tuple) else TAG_SPLIT.split(text(value))
    names = [text(n) for n in names if text(n)]
    unknown = [n for n in names if n not in vocabulary]
    if unknown:
        allowed = "、".join(vocabulary)
        raise FieldError(field, f"未知的标签：{'、'.join(unknown)}（可用：{allowed}）。")
    seen = []
    for n in names:
        if vocabulary[n] not in seen:
            seen.append(vocabulary[n])
    return seen


def clean_house_kind(value, field="kind") -> str:
    return _choice(
        field, value, House.Kind.choices, label="房屋类型", aliases={"住房": "residential"}
    ) or str(House.Kind.RESIDENTIAL)


def clean_entity_kind(value, uscc: str, field="kind") -> str:
    """Given kind, or derived from the credit code's first two characters (GB 32100)."""
    kind = _choice(
        field,
        value,
        LegalEntity.Kind.choices,
        label="法人类型",
        aliases={
            "机关": "public",
            "事业单位": "public",
            "个体": "individual",
            "公司": "enterprise",
        },
    )
    if kind:
        return kind
    if uscc.startswith("92"):
        return str(LegalEntity.Kind.INDIVIDUAL)
    if uscc[:1] == "5":
        return str(LegalEntity.Kind.SOCIAL)
    if uscc[:1] in ("1", "3"):
        return str(LegalEntity.Kind.PUBLIC)
    return str(LegalEntity.Kind.ENTERPRISE)


def _number(field, value, label):
    raw = text(value)
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise FieldError(field, f"{label}必须是数字。")


def clean_point(lon, lat, *, lon_field="lon", lat_field="lat") -> tuple:
    """(lon, lat) floats, or (None, None) when both are empty."""
    lon_v = _number(lon_field, lon, "经度")
    lat_v = _number(lat_field, lat, "纬度")
    if lon_v is None and lat_v is None:
        return None, None
    if lon_v is None or lat_v is None:
        missing = lon_field if lon_v is None else lat_field
        raise FieldError(missing, "经度和纬度须同时填写。")
    problem = check_point(lon_v, lat_v)
    if problem:
        name, message = problem
        raise FieldError(lon_field if name == "经度" else lat_field, message)
    return lon_v, lat_v
