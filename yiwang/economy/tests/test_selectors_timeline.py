"""The firm sees every check made on it (国办发〔2024〕54号): 挂钩 visits and 双随机 inspections."""

import datetime as dt

import pytest
from django.utils import timezone

from yiwang.economy import selectors

pytestmark = pytest.mark.django_db


def test_the_firm_timeline_lists_its_inspections_with_date_unit_and_result(econ, world):
    from yiwang.enforcement.models import InspectionPlan, InspectionTarget

    firm, other = econ.firms[0], econ.firms[1]
    plan = InspectionPlan.objects.create(
        name="2026年食品经营双随机抽查", department=world.department
    )
    when = timezone.now() - dt.timedelta(days=3)
    InspectionTarget.objects.create(
        plan=plan, entity=firm.entity, order=1, result="passed", inspected_at=when
    )
    InspectionTarget.objects.create(plan=plan, entity=other.entity, order=2)  # not yet checked
    rows = selectors.firm_timeline(firm)
    checks = [r for r in rows if r["kind"].startswith("双随机抽查")]
    assert len(checks) == 1
    assert checks[0]["unit"] == world.department.name
    assert checks[0]["result"] == "未发现问题"
    assert checks[0]["date"] == timezone.localtime(when).date()
    assert not [r for r in selectors.firm_timeline(other) if r["kind"].startswith("双随机")]
