"""The periodic jobs of the worker (django-q2 schedules in the database).

`ensure_schedules()` creates or corrects them by name on every worker start, so every machine
agrees. django-q2's scheduler takes due schedules with `SELECT … FOR UPDATE` inside one
transaction and moves `next_run` before it commits (on SQLite the write lock is taken at BEGIN:
transaction_mode IMMEDIATE), so two workers on two machines never enqueue the same run twice
(tests/test_worker.py proves it with two schedulers racing on one database).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.utils import timezone


@dataclass(frozen=True)
class Job:
    name: str
    func: str
    schedule_type: str  # django-q2 Schedule.MINUTES / WEEKLY / MONTHLY ...
    minutes: int | None = None
    first_run: str = "now"  # now | next_monday_7am | next_month_day1_6am


SCHEDULES = [
    Job("SLA 巡检（超期督办）", "yiwang.command.tasks.sla_sweep", "I", minutes=1),
    Job("短信重发", "yiwang.notifications.tasks.sms_retry", "I", minutes=1),
    Job("应急事件逐级上报", "yiwang.command.tasks.incident_escalation", "I", minutes=1),
    Job("执法案件时限巡检", "yiwang.enforcement.tasks.deadline_sweep", "I", minutes=5),
    Job("大屏日汇总", "yiwang.command.tasks.screen_figures", "I", minutes=5),
    Job("工单编号序列预建", "yiwang.workorders.codes.prepare_order_code_sequences", "H"),
    Job("每周分析报告", "yiwang.command.tasks.weekly_report", "W", first_run="next_monday_7am"),
    Job("月度考核", "yiwang.command.tasks.monthly_assessment", "M", first_run="next_month_day1"),
]


def worker_available() -> bool:
    return apps.is_installed("django_q")


def _first_run(kind: str, now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    if kind == "next_monday_7am":
        day = local.date() + dt.timedelta(days=(7 - local.weekday()) % 7 or 7)
        return local.replace(
            year=day.year, month=day.month, day=day.day, hour=7, minute=0, second=0, microsecond=0
        )
    if kind == "next_month_day1":
        first = (local.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        return first.replace(hour=6, minute=0, second=0, microsecond=0)
    return now


def ensure_schedules(now: dt.datetime | None = None) -> list[str]:
    """Create the schedules that are missing, correct the function and period of the others
    (an admin's change of `next_run` or `repeats` is kept). Returns the names created."""
    from django_q.models import Schedule

    now = now or timezone.now()
    created = []
    for job in SCHEDULES:
        row = Schedule.objects.filter(name=job.name).first()
        if row is None:
            Schedule.objects.create(
                name=job.name,
                func=job.func,
                schedule_type=job.schedule_type,
                minutes=job.minutes,
                repeats=-1,
                next_run=_first_run(job.first_run, now),
            )
            created.append(job.name)
        elif (row.func, row.schedule_type, row.minutes) != (
            job.func,
            job.schedule_type,
            job.minutes,
        ):
            row.func, row.schedule_type, row.minutes = job.func, job.schedule_type, job.minutes
            row.save(update_fields=["func", "schedule_type", "minutes"])
    return created
