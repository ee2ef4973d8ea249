"""The matter list (执法事项清单): versioned rows, .xlsx import and export with row errors."""

from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation

from django.db import transaction
from openpyxl import Workbook, load_workbook

from yiwang.core.audit import acting_user, audit_record
from yiwang.core.errors import ValidationFailed
from yiwang.enforcement.models import Domain, Matter

# (column header, field, kind) of the sheet, in order.
COLUMNS = [
    ("事项编码", "code", "text"),
    ("事项名称", "name", "text"),
    ("领域", "domain", "domain"),
    ("违法依据", "violated_provision", "text"),
    ("处罚依据", "legal_basis", "text"),
    ("个人罚款下限", "person_fine_min", "money"),
    ("个人罚款上限", "person_fine_max", "money"),
    ("单位罚款下限", "org_fine_min", "money"),
    ("单位罚款上限", "org_fine_max", "money"),
    ("可予警告", "warning", "bool"),
    ("其他处罚种类", "other_sanctions", "text"),
    ("可适用简易程序", "simple_procedure", "bool"),
    ("原实施部门", "department", "text"),
    ("已赋权街道", "devolved", "bool"),
    ("须法制审核", "legal_review", "bool"),
    ("须告知听证", "hearing", "bool"),
]
REQUIRED = {"code", "name", "domain", "legal_basis", "department"}
VALUE_FIELDS = [f for _, f, _ in COLUMNS if f != "code"]
DOMAIN_BY_LABEL = {label: value for value, label in Domain.choices}
TRUE = {"是", "y", "yes", "true", "1", "√"}
FALSE = {"否", "n", "no", "false", "0", ""}


def _cell(kind: str, raw, label: str):
    """(value, error) of one cell."""
    if kind == "text":
        return ("" if raw is None else str(raw).strip()), None
    if kind == "bool":
        word = "" if raw is None else str(raw).strip().lower()
        if word in TRUE:
            return True, None
        if word in FALSE:
            return False, None
        return None, f"{label}应填“是”或“否”"
    if kind == "domain":
        word = "" if raw is None else str(raw).strip()
        value = DOMAIN_BY_LABEL.get(word) or (word if word in Domain.values else None)
        if value is None:
            return None, f"{label}应为：{'、'.join(DOMAIN_BY_LABEL)}"
        return value, None
    if raw is None or str(raw).strip() == "":
        return None, None
    try:
        amount = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        return None, f"{label}应为数字"
    if not amount.is_finite() or amount < 0:
        return None, f"{label}应为非负数"
    return amount.quantize(Decimal("0.01")), None


def clean_matter(data: dict) -> tuple[dict, dict]:
    """(clean values, errors by field) of one matter given as field → raw value."""
    values, errors = {}, {}
    for label, field, kind in COLUMNS:
        value, error = _cell(kind, data.get(field), label)
        if error:
            errors[field] = [error]
        elif field in REQUIRED and value in ("", None):
            errors[field] = [f"{label}必填"]
        else:
            values[field] = value
    for who, lo, hi in (("个人", "person_fine_min", "person_fine_max"),
                        ("单位", "org_fine_min", "org_fine_max")):  # fmt: skip
        if values.get(lo) is not None and values.get(hi) is not None and values[lo] > values[hi]:
            errors[hi] = [f"{who}罚款上限不能低于下限"]
    if len(values.get("code") or "") > 40:
        errors["code"] = ["事项编码最多40字"]
    return values, errors


def _same(current: Matter, values: dict) -> bool:
    return all(getattr(current, f) == values[f] for f in VALUE_FIELDS)


def _save_clean(*, actor, values: dict) -> tuple[Matter, str]:
    current = (
        Matter.objects.select_for_update().filter(code=values["code"], is_current=True).first()
    )
    if current is not None and _same(current, values):
        return current, "unchanged"
    revision = 1
    if current is not None:
        revision = current.revision + 1
        Matter.objects.filter(pk=current.pk).update(is_current=False)
    matter = Matter.objects.create(
        **values, revision=revision, is_current=True, created_by=acting_user(actor)
    )
    audit_record(
        actor=actor,
        action="enforcement.matter.save",
        target=matter,
        before={"revision": current.revision} if current else None,
        after={"code": matter.code, "revision": revision},
    )
    return matter, "updated" if current else "created"


@transaction.atomic
def matter_save(*, actor, data: dict) -> Matter:
    """Create a matter or a new version of it (the old row stays for the cases opened under
    it). Unchanged data creates no version."""
    values, errors = clean_matter(data)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(f"执法事项有误：{first}", fields=errors)
    return _save_clean(actor=actor, values=values)[0]


def matters_to_xlsx(matters) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "执法事项清单"
    ws.append([label for label, _, _ in COLUMNS] + ["版本"])
    for m in matters:
        row = []
        for _, field, kind in COLUMNS:
            value = getattr(m, field)
            if kind == "bool":
                value = "是" if value else "否"
            elif kind == "domain":
                value = m.get_domain_display()
            elif kind == "money":
                value = float(value) if value is not None else None
            row.append(value)
        ws.append(row + [m.revision])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _read_rows(content: bytes) -> list[tuple[int, dict]]:
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a non-xlsx file
        raise ValidationFailed("文件不是有效的 .xlsx 表格。", fields={"file": ["格式不正确"]})
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
    by_label = {label: field for label, field, _ in COLUMNS}
    missing = [label for label, field, _ in COLUMNS if field in REQUIRED and label not in header]
    if missing:
        raise ValidationFailed(
            f"表头缺少：{'、'.join(missing)}。", fields={"file": [f"缺少列 {m}" for m in missing]}
        )
    out = []
    for number, cells in enumerate(rows, start=2):
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        data = {by_label[h]: c for h, c in zip(header, cells, strict=False) if h in by_label}
        out.append((number, data))
    return out


@transaction.atomic
def matters_import(*, actor, content: bytes, dry_run: bool = False) -> dict:
    """Import the sheet: every row is checked first; any row error rejects the whole file
    (nothing changed) and the answer lists the errors by row number."""
    rows = _read_rows(content)
    cleaned, errors, seen = [], [], set()
    for number, data in rows:
        values, row_errors = clean_matter(data)
        if values.get("code") in seen:
            row_errors["code"] = ["同一文件中事项编码重复"]
        seen.add(values.get("code"))
        if row_errors:
            errors.append({"row": number, "fields": row_errors})
        else:
            cleaned.append(values)
    result = {"rows": len(rows), "created": 0, "updated": 0, "unchanged": 0, "errors": errors}
    if errors:
        first = errors[0]
        message = next(iter(first["fields"].values()))[0]
        raise ValidationFailed(
            f"导入失败：{len(errors)} 行有误（第{first['row']}行：{message}），未导入任何数据。",
            fields={f"row_{e['row']}": [m for ms in e["fields"].values() for m in ms]
                    for e in errors},
        )  # fmt: skip
    if dry_run:
        result["dry_run"] = True
        return result
    for values in cleaned:
        _, outcome = _save_clean(actor=actor, values=values)
        result[outcome] += 1
    return result
