"""Background and periodic work of the command center, run by the worker (`yiwang worker`;
schedules in schedules.py). Each job is a plain function: the worker calls it on time, tests
call it with `now` moved."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

logger = logging.getLogger("yiwang.command.tasks")


def sla_sweep(now: dt.datetime | None = None) -> dict:
    """Every minute: mark orders that turned yellow or red (预警 / 超期督办); the work-order
    service tells the department heads of the ones that became overdue."""
    from yiwang.workorders.services import work_order_sla_sweep

    return work_order_sla_sweep(now=now or timezone.now())


def incident_escalation(now: dt.datetime | None = None) -> dict:
    """Every minute: move every unacknowledged emergency past its window one link up the
    chain (逐级上报)."""
    from yiwang.command import services

    return services.incident_escalation_sweep(now=now or timezone.now())


def weekly_report(now: dt.datetime | None = None) -> dict:
    from yiwang.command import services

    return services.weekly_report_notify(now=now or timezone.now())


def monthly_assessment(now: dt.datetime | None = None) -> dict:
    """The 1st of each month: compute last month's assessment (考核) and store it."""
    from yiwang.command import services

    return services.assessment_compute_month(now=now or timezone.now())


def screen_figures(now: dt.datetime | None = None) -> dict:
    """Every 5 minutes: rebuild the screen's daily figures (大屏日汇总) up to yesterday."""
    from yiwang.command.services.figures import order_figures_rebuild

    return order_figures_rebuild(now=now or timezone.now())
