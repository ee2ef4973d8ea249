"""督办 sweep of statutory limits: a deadline past due becomes overdue, once, by
compare-and-set (healthchecks' sendalerts pattern), with a timeline row and a notice to the
case officers. Safe to run on several machines at once."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from yiwang.enforcement.models import Deadline
from yiwang.enforcement.services.common import record


def case_deadline_sweep(*, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    marked = 0
    for row in Deadline.objects.filter(state=Deadline.State.OPEN, due__lt=now).select_related(
        "case"
    )[:1000]:
        with transaction.atomic():
            won = Deadline.objects.filter(pk=row.pk, state=Deadline.State.OPEN).update(
                state=Deadline.State.OVERDUE, supervised_at=now
            )
            if not won:
                continue
            case = row.case
            note = f"{row.label}已超过法定时限（{row.article}），督办。"
            record(case, actor=None, action="supervise", from_stage=case.stage, at=now, note=note,
                   data={"step": row.step, "due": row.due})  # fmt: skip
            from yiwang.notifications.services import notify

            notify(recipients=list(case.officers.all()), kind="supervise",
                   title=f"执法案件 {case.code} 督办：{row.label}超期", body=note,
                   link=f"/enforcement/cases/{case.pk}/")  # fmt: skip
            marked += 1
    from yiwang.enforcement.services.publication import publication_sweep

    return {"overdue": marked, "late_publications": publication_sweep(now=now)}
