"""Printed papers of 审批服务 as PDF (core.documents, WeasyPrint): the window's numbered papers
(受理通知书, 一次性告知书, 不予受理决定书, 出件回执) and the result documents of approved
items. Each is rendered from the snapshot stored when it was issued (`Paper.data`,
`ResultDocument.data`), so a reprint says what the original said."""

from __future__ import annotations

import datetime as dt

from yiwang.approvals.issuing import center_name
from yiwang.approvals.models import Paper, ResultDocument
from yiwang.core.documents import render_pdf
from yiwang.core.workdays import local_tz

TEMPLATES = {
    Paper.Kind.ACCEPT: "approvals/documents/accept.html",
    Paper.Kind.NOTICE: "approvals/documents/notice.html",
    Paper.Kind.REJECT: "approvals/documents/reject.html",
    Paper.Kind.RECEIPT: "approvals/documents/receipt.html",
}


def _local(value) -> dt.datetime | None:
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(local_tz())


def paper_context(paper: Paper) -> dict:
    data = dict(paper.data or {})
    for key in ("accepted_at", "deadline", "delivered_at"):
        data[key] = _local(data.get(key))
    for line in data.get("items") or []:
        line["deadline"] = _local(line.get("deadline"))
    return {
        "title": paper.get_kind_display(),
        "paper": paper,
        "d": data,
        "issued": _local(paper.issued_at),
        "center": data.get("center") or center_name(paper.application.street),
    }


def paper_pdf(paper: Paper) -> bytes:
    return render_pdf(TEMPLATES[paper.kind], paper_context(paper))


def paper_filename(paper: Paper) -> str:
    return f"{paper.get_kind_display()}-{paper.application.number}.pdf"


def result_pdf(result: ResultDocument) -> bytes:
    return render_pdf(
        "approvals/documents/result.html",
        {
            "title": result.name,
            "r": result,
            "d": result.data or {},
            "issued": _local(result.issued_at),
            "center": center_name(result.application.street),
        },
    )


def result_filename(result: ResultDocument) -> str:
    return f"{result.name}-{result.application.number}.pdf"
