"""Tables as .xlsx (openpyxl): the analysis and the assessment ranking."""

from __future__ import annotations

import io

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _response(wb: Workbook, filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    wb.save(buffer)
    answer = HttpResponse(buffer.getvalue(), content_type=XLSX)
    answer["Content-Disposition"] = f'attachment; filename="{filename}"'
    return answer


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list]):
    ws = wb.active
    ws.title = title[:31]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for index, _ in enumerate(header, 1):
        ws.column_dimensions[ws.cell(1, index).column_letter].width = 18
    return ws


def analysis_workbook(data: dict) -> HttpResponse:
    wb = Workbook()
    compare = data.get("compare_from") is not None
    header = [data["by_label"], "编码", data["metric_label"], "分子", "分母"]
    if compare:
        header += [f"对比期（{data['compare_from']}—{data['compare_to']}）", "变化"]
    rows = []
    for r in data["rows"]:
        row = [r["label"], str(r["key"]), r["value"], r["numerator"], r["denominator"]]
        if compare:
            row += [r.get("previous"), r.get("change")]
        rows.append(row)
    _sheet(wb, "分析", header, rows)
    name = f"analysis-{data['metric']}-{data['by']}-{data['from']}-{data['to']}.xlsx"
    return _response(wb, name)


def assessment_workbook(data: dict) -> HttpResponse:
    wb = Workbook()
    facts = data["rows"][0]["facts"] if data["rows"] else []
    header = ["名次", "名称", "得分"] + [f"{f['label']}（权重{f['weight']:g}%）" for f in facts]
    rows = [
        [r["rank"], r["name"], r["score"]] + [f["value"] for f in r["facts"]] for r in data["rows"]
    ]
    _sheet(wb, "考核", header, rows)
    return _response(wb, f"assessment-{data['kind']}-{data['month']}.xlsx")
