"""The spreadsheet layouts (表格格式) of base data: one data sheet per kind, Chinese headers.

Shared by import, export and the template, so an unmasked export can be imported back.

Rules of a workbook (documented in the template's 说明 sheet):
- the data sheet is the one named 人口 / 房屋 / 法人, or the only sheet; a sheet named 说明 is
  always ignored; any other sheet that holds data is an error (its rows would be silently
  dropped otherwise); an empty extra sheet is ignored with a warning;
- row 1 is the header; required columns must be present, unknown columns are an error (a typo
  would silently drop a column), read-only columns of an export (性别, 出生日期 …) are accepted
  and ignored;
- row numbers in reports are Excel row numbers (the header is row 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = False  # the column must be present (and the cell filled)
    readonly: bool = False  # written by exports, ignored by imports
    help: str = ""
    example: str = ""
    width: int = 16
    aliases: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Layout:
    kind: str
    sheet: str
    title: str
    key_header: str  # the natural key (duplicates in a file are rejected)
    columns: tuple[Column, ...]

    def by_header(self) -> dict[str, Column]:
        out = {}
        for col in self.columns:
            out[normalize_header(col.header)] = col
            for alias in col.aliases:
                out[normalize_header(alias)] = col
        return out

    @property
    def writable(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.readonly)


def normalize_header(value) -> str:
    """'* 身份证号（必填）' → '身份证号': strip markers, spaces and a trailing note."""
    text = "" if value is None else str(value)
    text = re.sub(r"[\s*＊]", "", text)
    text = re.sub(r"[（(](必填|选填|可选)[）)]$", "", text)
    return text


PEOPLE = Layout(
    kind="people",
    sheet="人口",
    title="人口",
    key_header="身份证号",
    columns=(
        Column("姓名", "name", required=True, example="张三", width=10),
        Column(
            "身份证号",
            "id_number",
            required=True,
            help="18位，校验位须正确；请设为文本格式",
            example="11010519491231002X",
            width=22,
            aliases=("身份证号码", "公民身份号码"),
        ),
        Column(
            "网格编码",
            "grid",
            required=True,
            help="15位网格编码",
            example="320576052001001",
            width=18,
            aliases=("网格代码",),
        ),
        Column(
            "手机号", "phone", example="13812345678", width=14, aliases=("手机号码", "联系电话")
        ),
        Column(
            "住址", "address", example="唯亭街道青苑路1号3幢201室", width=30, aliases=("居住地址",)
        ),
        Column("户编号", "household", help="同一户填相同编号；不存在则新建", width=22),
        Column(
            "与户主关系",
            "relation",
            help="户主/本人、配偶、子女、父母、孙子女、祖父母、兄弟姐妹、其他",
            example="户主",
            width=10,
        ),
        Column("标签", "tags", help="多个用、分隔，须为标签库中的标签", example="独居老人、低保"),
        Column(
            "颜色标记",
            "colour",
            help="红、黄、绿或无；红、黄须填标记原因",
            width=10,
            aliases=("颜色",),
        ),
        Column("标记原因", "colour_reason", width=24),
        Column("性别", "gender", readonly=True, width=6),
        Column("出生日期", "birth_date", readonly=True, width=12, aliases=("年龄段",)),
        Column("网格名称", "grid_name", readonly=True, width=14),
    ),
)

HOUSES = Layout(
    kind="houses",
    sheet="房屋",
    title="房屋",
    key_header="地址",
    columns=(
        Column("地址", "address", required=True, example="唯亭街道青苑路1号3幢201室", width=34),
        Column(
            "房屋类型", "kind", help="住宅、商铺、厂房、其他（默认住宅）", example="住宅", width=10
        ),
        Column("经度", "lon", help="如 120.7812；与纬度同时填写", example="120.7812", width=12),
        Column("纬度", "lat", help="如 31.3704", example="31.3704", width=12),
        Column(
            "网格编码",
            "grid",
            help="不填时按经纬度自动定位网格",
            example="320576052001001",
            width=18,
            aliases=("网格代码",),
        ),
        Column("备注", "note", width=20),
        Column("网格名称", "grid_name", readonly=True, width=14),
        Column("户数", "households", readonly=True, width=6),
    ),
)

ENTITIES = Layout(
    kind="entities",
    sheet="法人",
    title="法人",
    key_header="统一社会信用代码",
    columns=(
        Column("名称", "name", required=True, example="苏州某某科技有限公司", width=28),
        Column(
            "统一社会信用代码",
            "uscc",
            required=True,
            help="18位，校验位须正确（GB 32100）",
            example="91350100M000100Y43",
            width=22,
            aliases=("信用代码",),
        ),
        Column(
            "类型",
            "kind",
            help="企业、个体工商户、社会组织、机关事业单位；不填按信用代码推断",
            example="企业",
            width=12,
            aliases=("法人类型",),
        ),
        Column("法定代表人", "legal_rep", example="李四", width=10, aliases=("负责人",)),
        Column("联系电话", "phone", example="0512-62345678", width=14),
        Column("地址", "address", example="唯亭街道金陵东路88号", width=30),
        Column("经度", "lon", example="120.7812", width=12),
        Column("纬度", "lat", example="31.3704", width=12),
        Column(
            "网格编码",
            "grid",
            help="不填时按经纬度自动定位网格",
            example="320576052001001",
            width=18,
            aliases=("网格代码",),
        ),
        Column("行业", "industry", example="制造业", width=14),
        Column("网格名称", "grid_name", readonly=True, width=14),
    ),
)

HOUSEHOLDS = Layout(
    kind="households",
    sheet="户",
    title="户",
    key_header="户编号",
    columns=(
        Column("户编号", "code", required=True, width=22),
        Column("住址", "address", width=30),
        Column("网格编码", "grid", width=18),
        Column("网格名称", "grid_name", readonly=True, width=14),
        Column("户主", "head", readonly=True, width=10),
        Column("人数", "members", readonly=True, width=6),
        Column("房屋地址", "house", readonly=True, width=30),
    ),
)

LAYOUTS = {layout.kind: layout for layout in (PEOPLE, HOUSES, ENTITIES, HOUSEHOLDS)}
IMPORTABLE = ("people", "houses", "entities")
INSTRUCTIONS_SHEET = "说明"
# Columns the error report adds; ignored when the report is imported again.
REPORT_HEADERS = ("原行号", "错误原因")
