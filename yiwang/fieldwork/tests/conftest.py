"""Fixtures of field-work tests: the `world` street, the work-order rules, a 党群专员 and
households with houses in grid A (and one in grid C)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from yiwang.workorders.tests.conftest import calendar_2027, rules  # noqa: F401

IN_A = (120.005, 31.005)


@dataclass
class Homes:
    specialist: object
    a1: object
    a2: object
    a3: object
    c1: object
    plan: object


def add_house(admin, code: str, grid, lon: float, lat: float):
    from yiwang.basedata.services import house_create, household_create

    house = house_create(actor=admin, address=f"测试路{code}号", lon=lon, lat=lat, grid=grid.code)
    return household_create(
        actor=admin, code=code, grid=grid.code, address=f"测试路{code}号", house=house
    )


@pytest.fixture
def homes(world, rules):  # noqa: F811
    """Plan: two-month rounds, the first four months before this month (so this is round 3 at
    least); three households in grid A and one in grid C given to 专员 since round 1."""
    from yiwang.accounts.models import Role
    from yiwang.fieldwork.models import VisitPlan
    from yiwang.fieldwork.rounds import add_months
    from yiwang.fieldwork.services import household_assign
    from yiwang.testing import make_user

    today = timezone.localdate()
    plan = VisitPlan.objects.create(start_date=add_months(today.replace(day=1), -4))
    specialist = make_user(
        "zhuanyuan", roles=[(world.street, Role.PARTY_SPECIALIST)], display_name="党群专员"
    )
    admin, a, c = world.users["admin"], world.regions["A"], world.regions["C"]
    a1 = add_house(admin, "A-1", a, 120.0050, 31.0050)
    a2 = add_house(admin, "A-2", a, 120.0060, 31.0050)
    a3 = add_house(admin, "A-3", a, 120.0070, 31.0050)
    c1 = add_house(admin, "C-1", c, 120.0050, 31.0150)
    household_assign(actor=admin, households=[a1, a2, a3, c1], worker=specialist,
                     since=plan.start_date)  # fmt: skip
    return Homes(specialist, a1, a2, a3, c1, plan)


def days_ago(n: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=n)
