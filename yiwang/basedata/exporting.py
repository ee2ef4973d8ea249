"""Export of base data to .xlsx (Excel 导出), the import templates, and import error reports.

Exports mask personal data (身份证号 110105********002X, 手机号 138****5678, and the names for
roles that may not see personal data) unless an actor in PII_ROLES asks for an unmasked export
with a purpose. Every export is audited (action basedata.export.<kind>, with `unmasked`).
"""

from __future__ import annotations

import io

from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from yiwang.basedata import access, selectors
from yiwang.basedata.importing import error_report_rows
from yiwang.basedata.models import ImportBatch
from yiwang.basedata.sheets import INSTRUCTIONS_SHEET, LAYOUTS, REPORT_HEADERS, Layout
from yiwang.core.audit import audit_record
from yiwang.core.errors import Forbidden, ValidationFailed
from yiwang.core.pii import age_band, mask_id_number, mask_name, mask_phone

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FONT = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FDE9D9")
READONLY_FILL = PatternFill("solid", fgColor="EEEEEE")


def _header(ws, layout: Layout, headers=None) -> None:
    headers = headers or [c.header for c in layout.columns]
    ws.append(headers)
    by_header = {c.header: c for c in layout.columns}
    for index, header in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = HEADER_FONT
        col = by_header.get(header)
        if col is not None:
            if col.required:
                cell.fill = REQUIRED_FILL
            elif col.readonly:
                cell.fill = READONLY_FILL
            ws.column_dimensions[get_column_letter(index)].width = col.width
            # Text format for the key columns, so Excel keeps ID numbers and codes intact.
            if col.key in ("id_number", "uscc", "grid", "phone", "household", "code"):
                ws.column_dimensions[get_column_letter(index)].number_format = "@"
    ws.freeze_panes = "A2"


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _instructions(wb: Workbook, layout: Layout, note: str = "") -> None:
    ws = wb.create_sheet(INSTRUCTIONS_SHEET)
    ws.append([f"{layout.title}导入说明"])
    ws["A1"].font = Font(bold=True, size=14)
    lines = [
        f"1. 数据填写在名为“{layout.sheet}”的工作表中，第1行为表头，不要改动列名；"
        "本“说明”工作表导入时忽略。",
        "2. 不要添加其他含数据的工作表：否则整个文件会被拒绝（以免数据被遗漏）。",
        "3. 红底列为必填列；灰底列为导出时附带的只读列，导入时忽略。",
        f"4. 按“{layout.key_header}”匹配：已存在则更新，否则新增；单元格留空表示不修改原值。",
        "5. 有问题的行会被拒绝并给出行号和原因（错误报告），其余行照常导入。",
    ]
    if note:
        lines.append(note)
    for line in lines:
        ws.append([line])
    ws.append([])
    ws.append(["列名", "必填", "说明", "示例"])
    for cell in ws[ws.max_row]:
        cell.font = HEADER_FONT
    for col in layout.columns:
        required = "是" if col.required else ("只读" if col.readonly else "否")
        ws.append([col.header, required, col.help, col.example])
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["C"].width = 60
    ws.column_dimensions["D"].width = 30


def template_xlsx(kind: str) -> bytes:
    """An empty import template (导入模板): the data sheet with headers, and 说明."""
    layout = LAYOUTS[kind]
    wb = Workbook()
    ws = wb.active
    ws.title = layout.sheet
    _header(ws, layout, [c.header for c in layout.writable])
    note = ""
    if kind == "people":
        from yiwang.basedata.services import tag_vocabulary

        note = "6. 可用标签：" + "、".join(tag_vocabulary()) + "。"
    _instructions(wb, layout, note)
    return _save(wb)


def _people_rows(qs, *, unmasked: bool, names: bool):
    qs = qs.select_related("grid", "household").prefetch_related("tags")
    for p in qs.iterator(chunk_size=2000):
        yield [
            p.name if names else mask_name(p.name),
            p.id_number if unmasked else mask_id_number(p.id_number),
            p.grid.code,
            p.phone if unmasked else mask_phone(p.phone),
            p.address,
            p.household.code if p.household_id else "",
            p.get_relation_display() if p.relation else "",
            "、".join(t.name for t in p.tags.all()),
            p.get_colour_display() if p.colour else "",
            p.colour_reason,
            p.get_gender_display(),
            # The masked ID hides exactly the birth date: a masked export shows an age band.
            p.birth_date.isoformat() if unmasked else age_band(p.birth_date),
            p.grid.name,
        ]


def _house_rows(qs, **_):
    from django.db.models import Count

    qs = qs.select_related("grid").annotate(n_households=Count("households"))
    for h in qs.iterator(chunk_size=2000):
        yield [
            h.address,
            h.get_kind_display(),
            h.lon,
            h.lat,
            h.grid.code,
            h.note,
            h.grid.name,
            h.n_households,
        ]


def _entity_rows(qs, *, unmasked: bool, names: bool):
    for e in qs.select_related("grid").iterator(chunk_size=2000):
        yield [
            e.name,
            e.uscc,
            e.get_kind_display(),
            e.legal_rep,  # public in the enterprise credit register (公示), not masked
            e.phone if unmasked else mask_phone(e.phone),
            e.address,
            e.lon,
            e.lat,
            e.grid.code,
            e.industry,
            e.grid.name,
        ]


def _household_rows(qs, *, unmasked: bool, names: bool):
    from django.db.models import Count

    qs = qs.select_related("grid", "head", "house").annotate(n_members=Count("members"))
    for h in qs.iterator(chunk_size=2000):
        head = h.head.name if h.head_id else ""
        yield [
            h.code,
            h.address,
            h.grid.code,
            h.grid.name,
            head if names else mask_name(head),
            h.n_members,
            h.house.address if h.house_id else "",
        ]


ROWS = {
    "people": _people_rows,
    "houses": _house_rows,
    "entities": _entity_rows,
    "households": _household_rows,
}
LISTS = {
    "people": selectors.person_list,
    "houses": selectors.house_list,
    "entities": selectors.entity_list,
    "households": selectors.household_list,
}


def _export_header(header: str, unmasked: bool) -> str:
    return "年龄段" if header == "出生日期" and not unmasked else header


@transaction.atomic
def basedata_export(
    *, actor, kind: str, filters: dict | None = None, unmasked: bool = False, purpose: str = ""
) -> tuple[bytes, int]:
    """The rows of `kind` the actor may see, as .xlsx bytes, and their count. Audited."""
    if kind not in LAYOUTS:
        raise ValidationFailed(f"未知的导出类型：{kind}。", fields={"kind": ["未知"]})
    purpose = (purpose or "").strip()
    if unmasked:
        if not access.may_see_pii(actor):
            raise Forbidden("您的角色无权导出个人信息明文。")
        if len(purpose) < 2:
            raise ValidationFailed(
                "导出明文须填写用途（purpose，至少2个字）。",
                code="purpose_required",
                fields={"purpose": ["必填"]},
            )
    layout = LAYOUTS[kind]
    qs = LISTS[kind](user=actor, filters=filters or {})
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(layout.sheet)
    # write-only sheets cannot be styled after the fact: a plain header row is enough here
    ws.append([_export_header(c.header, unmasked) for c in layout.columns])
    count = 0
    for values in ROWS[kind](qs, unmasked=unmasked, names=access.may_see_names(actor)):
        ws.append(values)
        count += 1
    data = _save(wb)
    audit_record(
        actor=actor,
        action=f"basedata.export.{kind}",
        target_type=f"basedata.{kind}",
        target_id="*",
        after={"count": count, "unmasked": unmasked, "filters": filters or {}},
        note=purpose,
    )
    return data, count


def error_report_xlsx(batch: ImportBatch) -> bytes:
    """The rejected rows of an import: the original cells, then 原行号 and 错误原因.

    The data sheet keeps its name and columns, so the uploader can fix the rows in place and
    import the report again (原行号 and 错误原因 are ignored on import; 说明 holds the summary)."""
    sheet, headers, rows = error_report_rows(batch)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet or LAYOUTS[batch.kind].sheet
    ws.append([*headers, *REPORT_HEADERS])
    for cell in ws[1]:
        cell.font = HEADER_FONT
    reason_col = len(headers) + 2
    ws.column_dimensions[get_column_letter(reason_col)].width = 50
    for number, values, reason in rows:
        ws.append([*values, number, reason])
        ws.cell(row=ws.max_row, column=reason_col).alignment = Alignment(wrap_text=True)
    ws.freeze_panes = "A2"
    info = wb.create_sheet(INSTRUCTIONS_SHEET)
    for label, value in (
        ("导入批次", batch.pk),
        ("文件", batch.filename),
        ("工作表", sheet),
        ("数据行", batch.total),
        ("新增", batch.created),
        ("更新", batch.updated),
        ("拒绝", batch.rejected),
        ("空行（跳过）", batch.blank_rows),
        ("说明", "修改被拒绝的行后可直接重新导入本文件（原行号、错误原因两列导入时忽略）。"),
    ):
        info.append([label, value])
    info.column_dimensions["A"].width = 14
    return _save(wb)


__all__ = ["XLSX_MIME", "basedata_export", "error_report_xlsx", "template_xlsx"]
