"""The catalogue as an .xlsx workbook (事项清单导入导出), with four sheets:

- 事项: one row per item (national fields; lists separated by "、", JSON where noted)
- 材料: one row per (item, material)
- 流程: one row per step of the item's current flow (conditions as JSON rules)
- 一件事: one row per bundle (items as codes separated by "、")

`catalogue_from_xlsx` reads the same layout back into the dicts `catalogue.catalogue_load`
takes; what it cannot read is reported with the sheet and row number.
"""

from __future__ import annotations

import io
import json

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from yiwang.approvals.catalogue import bundle_as_dict, item_as_dict
from yiwang.approvals.models import AffairType, ItemType
from yiwang.core.errors import ValidationFailed

SEP = "、"

ITEM_COLUMNS = [
    ("code", "事项编码"),
    ("name", "事项名称"),
    ("item_type", "事项类型"),
    ("affair_type", "办件类型"),
    ("statutory_limit_days", "法定办结时限（工作日）"),
    ("promised_limit_days", "承诺办结时限（工作日）"),
    ("limit_note", "时限说明"),
    ("department", "办理部门"),
    ("service_modes", "服务方式"),
    ("channels", "办理渠道"),
    ("max_visits", "到办事现场次数"),
    ("community_may_accept", "村（社区）可受理"),
    ("target", "服务对象"),
    ("life_events", "生命周期/主题"),
    ("keywords", "关键词"),
    ("legal_basis", "设定依据"),
    ("conditions", "受理条件"),
    ("is_charged", "是否收费"),
    ("fees", "收费项目（JSON）"),
    ("result_name", "审批结果名称"),
    ("online", "是否网办"),
    ("form_fields", "申请表字段（JSON）"),
]
MATERIAL_COLUMNS = [
    ("item", "事项编码"),
    ("key", "材料标识"),
    ("name", "材料名称"),
    ("required", "必要"),
    ("form", "材料形式"),
    ("formats", "电子格式"),
    ("original_needed", "需核验原件"),
    ("copies", "纸质份数"),
    ("source", "来源渠道"),
    ("reusable", "可免提交"),
    ("note", "填报须知"),
]
STEP_COLUMNS = [
    ("item", "事项编码"),
    ("order", "顺序"),
    ("name", "环节名称"),
    ("department", "办理部门"),
    ("role", "办理角色"),
    ("limit_days", "环节时限（工作日）"),
    ("condition", "适用条件（JSON）"),
]
BUNDLE_COLUMNS = [
    ("code", "编码"),
    ("name", "名称"),
    ("description", "说明"),
    ("life_events", "生命周期/主题"),
    ("lead_department", "牵头部门"),
    ("items", "包含事项"),
    ("produced_materials", "内部产生材料"),
    ("max_visits", "到办事现场次数"),
    ("extra_fields", "附加字段（JSON）"),
]
LISTS = {"service_modes", "channels", "life_events", "formats", "items", "produced_materials"}
JSONS = {"fees", "form_fields", "condition", "extra_fields"}
BOOLS = {"community_may_accept", "is_charged", "online", "required", "original_needed", "reusable"}
INTS = {
    "statutory_limit_days",
    "promised_limit_days",
    "max_visits",
    "copies",
    "order",
    "limit_days",
}


def _cell(key, value):
    if key in LISTS:
        return SEP.join(value or [])
    if key in JSONS:
        return json.dumps(value, ensure_ascii=False) if value not in (None, [], {}) else ""
    if key in BOOLS:
        return "是" if value else "否"
    if key == "item_type":
        return f"{value} {ItemType(value).label}"
    if key == "affair_type":
        return AffairType(value).label
    return value


def _sheet(wb, title, columns, rows):
    ws = wb.create_sheet(title)
    ws.append([label for _k, label in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_cell(k, row.get(k)) for k, _label in columns])
    ws.freeze_panes = "A2"
    for i, (_k, label) in enumerate(columns, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(10, min(40, len(label) * 2))
    return ws


def catalogue_to_xlsx(items, bundles) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    item_rows, material_rows, step_rows = [], [], []
    for item in items:
        d = item_as_dict(item)
        item_rows.append(d)
        material_rows += [{"item": d["code"], **m} for m in d["materials"]]
        step_rows += [{"item": d["code"], **s} for s in d["steps"]]
    _sheet(wb, "事项", ITEM_COLUMNS, item_rows)
    _sheet(wb, "材料", MATERIAL_COLUMNS, material_rows)
    _sheet(wb, "流程", STEP_COLUMNS, step_rows)
    _sheet(wb, "一件事", BUNDLE_COLUMNS, [bundle_as_dict(b) for b in bundles])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _parse(key, value, errors, where):
    if value is None:
        value = ""
    if isinstance(value, str):
        value = value.strip()
    if key in LISTS:
        return [
            v.strip()
            for v in str(value).replace("，", SEP).replace(",", SEP).split(SEP)
            if v.strip()
        ]
    if key in JSONS:
        if value == "":
            return None if key == "condition" else []
        try:
            return json.loads(value)
        except (TypeError, ValueError):
            errors.setdefault(where, []).append(f"不是有效的 JSON：{str(value)[:40]}")
            return None
    if key in BOOLS:
        return str(value).strip().lower() in {"是", "1", "true", "yes", "y"}
    if key in INTS:
        if value == "":
            return None
        try:
            return int(float(value))
        except (TypeError, ValueError):
            errors.setdefault(where, []).append(f"不是整数：{value}")
            return None
    if key == "item_type":
        return str(value).split(" ")[0] if value else ""
    return value


def _rows(wb, title, columns, errors, *, required: bool = True):
    if title not in wb.sheetnames:
        if required:
            errors.setdefault(title, []).append(f"缺少工作表“{title}”")
        return []
    ws = wb[title]
    header = [str(c.value or "").strip() for c in ws[1]]
    index = {}
    for key, label in columns:
        if label in header:
            index[key] = header.index(label)
        else:
            errors.setdefault(title, []).append(f"缺少列“{label}”")
    out = []
    for n, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if not any(v not in (None, "") for v in row):
            continue
        where = f"{title}!{n}"
        out.append(
            {
                k: _parse(k, row[i] if i < len(row) else None, errors, where)
                for k, i in index.items()
            }
        )
    return out


def catalogue_from_xlsx(fileobj) -> tuple[list[dict], list[dict]]:
    """Read a workbook in the export layout; returns (items, bundles) dicts or raises
    ValidationFailed naming every sheet and row it could not read."""
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise ValidationFailed(
            f"无法读取 .xlsx 文件：{exc.__class__.__name__}", fields={"file": ["不是有效的 .xlsx"]}
        )
    errors: dict = {}
    items = _rows(wb, "事项", ITEM_COLUMNS, errors)
    materials = _rows(wb, "材料", MATERIAL_COLUMNS, errors)
    steps = _rows(wb, "流程", STEP_COLUMNS, errors)
    bundles = _rows(wb, "一件事", BUNDLE_COLUMNS, errors, required=False)
    by_code = {i["code"]: i for i in items if i.get("code")}
    for i in items:
        i.setdefault("materials", [])
        i.setdefault("steps", [])
        if i.get("affair_type") in ("即办件", "承诺件"):
            i["affair_type"] = "1" if i["affair_type"] == "即办件" else "2"
        for k in ("statutory_limit_days", "promised_limit_days"):
            i[k] = i.get(k) or 0
    for m in materials:
        code = m.pop("item", None)
        if code not in by_code:
            errors.setdefault("材料", []).append(f"材料“{m.get('name')}”属于未知事项 {code}")
            continue
        m["copies"] = m.get("copies") or 1
        by_code[code]["materials"].append(m)
    for s in steps:
        code = s.pop("item", None)
        if code not in by_code:
            errors.setdefault("流程", []).append(f"环节“{s.get('name')}”属于未知事项 {code}")
            continue
        by_code[code]["steps"].append(s)
    for i in items:
        i["steps"].sort(key=lambda s: s.get("order") or 0)
    if errors:
        where, messages = next(iter(errors.items()))
        raise ValidationFailed(f"清单文件有误（{where}）：{messages[0]}", fields=errors)
    return items, bundles
