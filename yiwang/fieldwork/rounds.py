"""Visit rounds (走访轮次): consecutive windows of `cycle_months` calendar months from the plan's
start date. The cycle is the street's own working rule (seed 003: every household every two
months), not a statutory limit, so it counts calendar months, not working days."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.utils import timezone


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Round:
    number: int
    start: dt.date  # first day of the round
    end: dt.date  # first day after the round

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)


def plan_or_default():
    """The active plan; without one, a two-month cycle from 1 January of this year (unsaved)."""
    from yiwang.fieldwork.models import VisitPlan

    plan = VisitPlan.objects.filter(is_active=True).order_by("-start_date").first()
    if plan is None:
        plan = VisitPlan(start_date=dt.date(timezone.localdate().year, 1, 1))
    return plan


def round_number(plan, day: dt.date) -> int:
    """The round `day` falls in (1 = the first); 0 before the plan starts."""
    if day < plan.start_date:
        return 0
    months = (day.year - plan.start_date.year) * 12 + day.month - plan.start_date.month
    number = months // plan.cycle_months + 1
    # A start on the 31st: a later month may not have reached that day yet.
    if day < round_window(plan, number).start:
        number -= 1
    return number


def round_window(plan, number: int) -> Round:
    months = plan.cycle_months
    start = add_months(plan.start_date, (number - 1) * months)
    return Round(number, start, add_months(plan.start_date, number * months))


def current_round(plan, today: dt.date | None = None) -> Round:
    today = today or timezone.localdate()
    return round_window(plan, max(1, round_number(plan, today)))
