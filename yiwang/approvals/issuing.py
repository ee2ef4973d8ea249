"""Issuing the window's numbered papers and the results of approved items, inside the
transaction of the service that decides them (so a rolled-back decision uses no number).

Papers (行政许可法 Art. 32: accepting, refusing or asking for more materials is given to the
applicant in writing, sealed and dated): 受理通知书, 一次性告知书 (every missing material with
its reason), 不予受理决定书 (with reason and legal basis), 出件回执 (the results handed over
with their numbers). Numbers come from `core.numbering`, one series per street, kind and year,
printed in the GB/T 9704 form 唯亭综受字〔2026〕第0001号.
"""

from __future__ import annotations

import datetime as dt

from yiwang.approvals.models import Application, Paper, ResultDocument
from yiwang.core.numbering import formatted, issue_number
from yiwang.core.workdays import local_tz

PAPER_PREFIX = {
    Paper.Kind.ACCEPT: "综受字",
    Paper.Kind.NOTICE: "综告字",
    Paper.Kind.REJECT: "综不受字",
    Paper.Kind.RECEIPT: "综出字",
}
RESULT_PREFIX = "审批字"


def street_short(street) -> str:
    """唯亭街道 → 唯亭: the issuer's short name in a document number."""
    name = street.name
    for suffix in ("街道办事处", "街道", "镇", "乡"):
        name = name.removesuffix(suffix)
    return name or street.name


def center_name(street) -> str:
    return f"{street.name}为民服务中心"


def _year(now: dt.datetime) -> int:
    return now.astimezone(local_tz()).year


def _actor_name(actor) -> str:
    return getattr(actor, "display_name", "") or getattr(actor, "username", "") or ""


def issue_paper(
    *, app: Application, kind: str, actor, now: dt.datetime, data: dict | None = None
) -> Paper:
    """Number and store one paper of `app` (its street's series for `kind`)."""
    year = _year(now)
    series = f"approvals.{kind}.{app.street.code}"
    serial = issue_number(series, year)
    body = {
        "application_number": app.number,
        "title": app.title,
        "applicant_name": app.applicant_name,
        "company_name": app.company_name,
        "center": center_name(app.street),
        "clerk": _actor_name(actor),
        **(data or {}),
    }
    return Paper.objects.create(
        application=app,
        kind=kind,
        series=series,
        year=year,
        serial=serial,
        number=formatted(f"{street_short(app.street)}{PAPER_PREFIX[kind]}", year, serial),
        issued_at=now,
        issued_by=actor if getattr(actor, "pk", None) else None,
        data=body,
    )


def issue_result(*, app: Application, now: dt.datetime, note: str = "") -> ResultDocument:
    """The result of an approved item application (single item or 一件事 sub-application):
    named by the item's 审批结果名称, numbered in the street's result series."""
    item = app.item
    year = _year(now)
    series = f"approvals.result.{app.street.code}"
    serial = issue_number(series, year)
    department = getattr(item, "department", None)
    return ResultDocument.objects.create(
        application=app,
        name=item.result_name or f"{item.name}结果",
        series=series,
        year=year,
        serial=serial,
        number=formatted(f"{street_short(app.street)}{RESULT_PREFIX}", year, serial),
        issued_at=now,
        data={
            "item": item.name,
            "item_code": item.code,
            "department": department.name if department else "",
            "holder": app.company_name or app.applicant_name,
            "application_number": app.number,
            "note": note,
        },
    )
