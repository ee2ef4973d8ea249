"""12345 hotline import (12345热线工单导入): one .xlsx sheet, one order per row.

Columns are found by header name, Chinese or English (case, spaces and underscores ignored):

| column | accepted headers | |
|---|---|---|
| hotline id | 工单编号, 热线工单编号, 工单号, 编号, 留言编号, hotline_id, id | required |
| time | 来电时间, 受理时间, 登记时间, 留言时间, 时间, time, reported_at | required |
| text | 诉求内容, 内容, 留言详情, 问题描述, 描述, text, description, content | required |
| title | 留言主题, 标题, 主题, title, subject | optional, put before the text |
| address | 地址, 诉求地址, 事发地址, 事发地点, address | optional (without a place: triage) |
| lon / lat | 经度 / 纬度, lon / lat, lng, longitude / latitude | optional |
| category | 分类, 类别, 诉求分类, 事项分类, category | optional: a code (09009) or a name |
| caller | 来电人, 联系人, 姓名, name | optional, stored encrypted |
| phone | 来电号码, 联系电话, 电话, phone | optional, stored encrypted |

Each row goes through `work_order_create` (channel hotline_12345, `reported_at` from the file,
so deadlines count from the call), each in its own transaction: a bad row is reported with its
row number and the good rows are kept. Ids already imported (or repeated in the file) are
skipped. An unknown category does not lose the row: it is imported without one (triage) and
listed as a warning, unless `unknown_category="error"`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

from yiwang.core.errors import Conflict, ServiceError
from yiwang.workorders.models import Category, WorkOrder

HEADERS = {
    "external_id": ["工单编号", "热线工单编号", "工单号", "编号", "留言编号", "热线编号",
                    "hotlineid", "externalid", "id", "ticketid"],
    "reported_at": ["来电时间", "受理时间", "登记时间", "留言时间", "时间", "time", "reportedat",
                    "datetime", "createdat"],
    "description": ["诉求内容", "内容", "留言详情", "问题描述", "描述", "诉求", "text",
                    "description", "content"],
    "title": ["留言主题", "标题", "主题", "title", "subject"],
    "address": ["地址", "诉求地址", "事发地址", "事发地点", "address"],
    "lon": ["经度", "lon", "lng", "longitude"],
    "lat": ["纬度", "lat", "latitude"],
    "category": ["分类", "类别", "诉求分类", "事项分类", "分类编码", "category", "categorycode"],
    "reporter_name": ["来电人", "联系人", "姓名", "name", "caller"],
    "reporter_phone": ["来电号码", "联系电话", "电话", "phone"],
}  # fmt: skip
REQUIRED = ("external_id", "reported_at", "description")
LABELS = {"external_id": "工单编号", "reported_at": "来电时间", "description": "诉求内容"}
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y年%m月%d日",
)


class ImportFileError(Exception):
    """The file as a whole cannot be read (not an .xlsx, required columns missing)."""


@dataclass
class ImportResult:
    created: int = 0
    dispatched: int = 0
    triage: int = 0
    skipped: int = 0
    errors: list = field(default_factory=list)  # [(row number, message)]
    warnings: list = field(default_factory=list)  # [(row number, message)]
    codes: list = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "created": self.created,
            "dispatched": self.dispatched,
            "triage": self.triage,
            "skipped": self.skipped,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }


def _norm(header) -> str:
    return re.sub(r"[\s_\-（）()]", "", str(header or "")).lower()


def map_headers(row) -> dict[str, int]:
    """Column index of each known field in a header row."""
    wanted = {_norm(alias): name for name, aliases in HEADERS.items() for alias in aliases}
    found = {}
    for i, header in enumerate(row):
        name = wanted.get(_norm(header))
        if name and name not in found:
            found[name] = i
    return found


def parse_time(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time(9, 0))
    else:
        text = re.sub(r"\s+", " ", str(value or "").strip())
        parsed = None
        for fmt in TIME_FORMATS:
            try:
                parsed = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if parsed is None:
            try:
                parsed = dt.datetime.fromisoformat(text)
            except ValueError:
                raise ValueError(f"来电时间“{text}”无法识别（应如 2026-11-22 09:30:00）")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _category_lookup() -> tuple[dict, dict]:
    by_code, by_name = {}, {}
    for cat in Category.objects.filter(is_active=True, parent__isnull=False):
        by_code[cat.code] = cat
        by_name.setdefault(cat.name, cat)
    return by_code, by_name


def _cell(row, index):
    if index is None or index >= len(row):
        return None
    value = row[index]
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def import_hotline(path, *, actor=None, unknown_category: str = "triage") -> ImportResult:
    """Import a 12345 .xlsx export; see the module docstring."""
    from openpyxl import load_workbook

    from yiwang.workorders.services import work_order_create

    path = Path(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a non-xlsx file
        raise ImportFileError(f"无法读取 {path.name}：不是有效的 .xlsx 文件（{exc}）")
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header_at, columns = 0, {}
        for number, row in enumerate(rows, start=1):
            if row and any(v not in (None, "") for v in row):
                header_at, columns = number, map_headers(row)
                break
        missing = [LABELS[name] for name in REQUIRED if name not in columns]
        if missing:
            raise ImportFileError(
                f"缺少必需的列：{'、'.join(missing)}（第 {header_at} 行应为表头）。"
            )
        result = ImportResult()
        seen = set(
            WorkOrder.objects.filter(channel=WorkOrder.Channel.HOTLINE)
            .exclude(external_id="")
            .values_list("external_id", flat=True)
        )
        by_code, by_name = _category_lookup()
        for number, row in enumerate(rows, start=header_at + 1):
            if not row or all(v in (None, "") for v in row):
                continue
            _import_row(
                number, row, columns, result, seen, by_code, by_name, actor, unknown_category,
                work_order_create,
            )  # fmt: skip
        return result
    finally:
        book.close()


def _import_row(number, row, columns, result, seen, by_code, by_name, actor, unknown, create):
    get = {name: _cell(row, index) for name, index in columns.items()}
    external_id = str(get.get("external_id") or "").strip()
    if isinstance(get.get("external_id"), float) and get["external_id"].is_integer():
        external_id = str(int(get["external_id"]))
    if not external_id:
        result.errors.append((number, "缺少工单编号"))
        return
    if external_id in seen:
        result.skipped += 1
        return
    try:
        reported_at = parse_time(get.get("reported_at"))
    except ValueError as exc:
        result.errors.append((number, f"{external_id}：{exc}"))
        return
    text = str(get.get("description") or "").strip()
    title = str(get.get("title") or "").strip()
    if title and title not in text:
        text = f"{title}\n{text}" if text else title
    category = None
    raw_category = get.get("category")
    if raw_category not in (None, ""):
        key = str(raw_category).strip()
        category = by_code.get(key) or by_name.get(key)
        if category is None:
            if unknown == "error":
                result.errors.append((number, f"{external_id}：未知的分类“{key}”"))
                return
            result.warnings.append((number, f"{external_id}：未知的分类“{key}”，转人工分拣"))
    try:
        order = create(
            actor=actor,
            reporter=None,
            channel=WorkOrder.Channel.HOTLINE,
            description=text,
            lon=get.get("lon"),
            lat=get.get("lat"),
            address=str(get.get("address") or ""),
            category=category,
            category_source=WorkOrder.CategorySource.IMPORT,
            reported_at=reported_at,
            external_id=external_id,
            reporter_name=str(get.get("reporter_name") or ""),
            reporter_phone=str(get.get("reporter_phone") or ""),
            location_required=False,  # a call without a place still needs handling: triage
        )
    except Conflict as exc:
        if exc.code == "duplicate_external_id":
            seen.add(external_id)
            result.skipped += 1
            return
        result.errors.append((number, f"{external_id}：{exc.message}"))
        return
    except ServiceError as exc:
        fields = "；".join(f"{k}: {'，'.join(map(str, v))}" for k, v in exc.fields.items())
        result.errors.append(
            (number, f"{external_id}：{exc.message}" + (f"（{fields}）" if fields else ""))
        )
        return
    seen.add(external_id)
    result.created += 1
    result.codes.append(order.code)
    if order.status == WorkOrder.Status.DISPATCHED:
        result.dispatched += 1
    else:
        result.triage += 1
