"""Spreadsheets of the economy desk: yearly figures in (.xlsx, row errors as basedata's
imports report them) and an evaluation's results out.

Import rules (the workbook checks are basedata's `read_sheet`: sheet 年度数据 or the only sheet,
row 1 the header, unknown columns refused): each row names a firm by its 统一社会信用代码 (the firm
must have a profile the importer may see) and a 年度; a good row creates or replaces that year's
figures, a bad row is reported with its Excel row number and column and writes nothing. A
dry run checks every row and writes nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from yiwang.basedata.cleaning import FieldError, text
from yiwang.basedata.importing import read_sheet
from yiwang.basedata.sheets import Column, Layout
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict
from yiwang.core.validators import check_uscc
from yiwang.economy import services as sv
from yiwang.economy.evaluation import explain
from yiwang.economy.models import FirmFigures, FirmProfile

FIGURES = Layout(
    kind="figures",
    sheet="年度数据",
    title="企业年度数据",
    key_header="统一社会信用代码",
    columns=(
        Column("统一社会信用代码", "uscc", required=True, width=22),
        Column("企业名称", "name", readonly=True, width=24),
        Column("年度", "year", required=True, example="2025", width=8),
        Column("营业收入（万元）", "revenue", required=True, width=14, aliases=("营业收入",)),
        Column("实缴税金（万元）", "tax", required=True, width=14, aliases=("实缴税金", "税收")),
        Column("综合能耗（吨标准煤）", "energy", width=14, aliases=("综合能耗", "能耗")),
        Column("用地面积（亩）", "land_mu", width=12, aliases=("用地面积", "用地（亩）")),
        Column("从业人员（人）", "employees", width=12, aliases=("从业人员",)),
        Column("资产总额（万元）", "assets", width=14, aliases=("资产总额",)),
    ),
)
HEADER_OF = {c.key: c.header for c in FIGURES.columns}


@dataclass
class FiguresImport:
    total: int
    created: int
    updated: int
    rejected: int
    dry_run: bool
    errors: list

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def figures_import(*, actor, data: bytes, filename: str = "", dry_run: bool = False):
    """Import yearly figures from an .xlsx (see the module docstring)."""
    sv.require_bureau(actor)
    sheet = read_sheet(data, FIGURES, max_rows=20_000)
    visible = FirmProfile.objects.all() if actor is None else FirmProfile.objects.visible_to(actor)
    firms = dict(visible.values_list("entity__uscc", "pk"))
    good, errors, seen = [], [], {}
    for row in sheet.rows:
        problems = list(row.errors)
        cleaned = None
        try:
            code = text(row.values.get("uscc")).upper()
            message = check_uscc(code)
            if message:
                raise FieldError("uscc", message)
            if code not in firms:
                raise FieldError("uscc", "该统一社会信用代码没有企业档案（或不在您的管辖范围内）。")
            year = sv.parse_year(row.values.get("year"))
            cleaned = sv.clean_figures(row.values)
            key = (code, year)
            if key in seen:
                raise FieldError("uscc", f"与第{seen[key]}行重复（同一企业同一年度）。")
            seen[key] = row.number
        except FieldError as exc:
            problems.append((HEADER_OF.get(exc.field, exc.field), exc.message))
        if problems:
            errors += [{"row": row.number, "column": c, "message": m} for c, m in problems]
        else:
            good.append((firms[code], year, cleaned))
    try:
        return _write_figures(actor, good, errors, len(sheet.rows), filename, dry_run)
    except IntegrityError:
        raise Conflict(
            "导入期间有其他人同时录入了相同企业、相同年度的数据，本次未导入，请重新导入。",
            code="concurrent_import",
        )


def _write_figures(actor, good, errors, total, filename, dry_run) -> FiguresImport:
    created = updated = 0
    with transaction.atomic():
        existing = {
            (f.firm_id, f.year): f
            for f in FirmFigures.objects.filter(
                firm_id__in={g[0] for g in good}, year__in={g[1] for g in good}
            )
        }
        for firm_id, year, cleaned in good:
            current = existing.get((firm_id, year))
            if current is None:
                created += 1
                if not dry_run:
                    FirmFigures.objects.create(firm_id=firm_id, year=year, **cleaned)
                continue
            updated += 1
            if not dry_run:
                for name, value in cleaned.items():
                    setattr(current, name, value)
                current.version += 1
                current.save()
        if not dry_run:
            for firm in FirmProfile.objects.filter(pk__in={g[0] for g in good}):
                sv.refresh_size_class(firm)
        result = FiguresImport(
            total=total,
            created=created,
            updated=updated,
            rejected=len({e["row"] for e in errors}),
            dry_run=dry_run,
            errors=errors,
        )
        audit_record(
            actor=actor,
            action="economy.figures.import",
            target_type="economy.firmfigures",
            after={
                "filename": filename,
                **{k: v for k, v in result.as_dict().items() if k != "errors"},
            },
            note="仅校验，未写入" if dry_run else "",
        )
    return result


def figures_template() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = FIGURES.sheet
    ws.append([c.header for c in FIGURES.columns])
    for index, col in enumerate(FIGURES.columns, start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(index)].width = col.width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


INDICATOR_COLUMNS = ("tax_per_mu", "revenue_per_mu", "tax_per_energy")
RESULT_HEADERS = [
    "排名",
    "企业名称",
    "统一社会信用代码",
    "所属网格",
    "分类",
    "综合得分",
    "亩均税收（万元/亩）",
    "亩均销售收入（万元/亩）",
    "单位能耗税收（万元/吨标准煤）",
    "营业收入（万元）",
    "实缴税金（万元）",
    "综合能耗（吨标准煤）",
    "用地面积（亩）",
    "参评依据",
    "不参评原因",
]


def evaluation_export(*, run, results) -> bytes:
    """The results of a run as an .xlsx (one row per firm, best first, T last)."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(f"{run.year}年亩均效益评价")
    ws.append(RESULT_HEADERS)
    ordered = sorted(results, key=lambda r: (r.rank is None, r.rank or 0, r.firm.entity.name))
    for r in ordered:
        facts = explain(r.facts, run.scheme, run.benchmarks)
        indicators, figures = facts["indicators"], facts["figures"]
        ws.append(
            [
                r.rank,
                r.firm.entity.name,
                r.firm.entity.uscc,
                r.firm.grid.name,
                r.klass,
                r.score,
                *((indicators.get(k) or {}).get("value") for k in INDICATOR_COLUMNS),
                *(figures.get(k) for k in ("revenue", "tax", "energy", "land_mu")),
                facts.get("basis", ""),
                facts.get("reason", ""),
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
