"""The demo street has a 走访 whose need was answered by 上门办: `demo.load` records a visit of
the 党群专员 whose need opened an application on the eldest member's behalf (approvals'
`application_open_on_behalf`), linked to the need; loading again adds nothing."""

from __future__ import annotations

import io

import pytest

from yiwang.approvals.tests.conftest import catalogue  # noqa: F401

pytestmark = pytest.mark.django_db


def person(homes, name: str, id17: str, relation: str):
    from yiwang.basedata.services import person_create
    from yiwang.core.validators import id_check_digit

    return person_create(
        actor=None, name=name, id_number=id17 + id_check_digit(id17), grid=homes.a1.grid.code,
        phone="13912345678", household=homes.a1, relation=relation, address="测试路A-1号",
    )  # fmt: skip


@pytest.fixture
def family(homes, catalogue):  # noqa: F811
    from yiwang.accounts.models import Membership, OrgUnit, Role

    community = OrgUnit.objects.get(kind="community", region_code=homes.a1.grid.parent.code)
    Membership.objects.create(user=homes.specialist, org_unit=community, role=Role.PARTY_SPECIALIST)
    son = person(homes, "王建国", "32058219700101123", "head")
    grandpa = person(homes, "王爷爷", "32058219400101123", "parent")
    return son, grandpa


def test_demo_has_a_visit_need_answered_by_home_service(homes, family):
    from yiwang.approvals.models import Application, ApplicationEvent
    from yiwang.fieldwork import demo
    from yiwang.fieldwork.models import Visit, VisitNeed

    out = io.StringIO()
    demo.load(out)
    need = VisitNeed.objects.select_related("visit", "application").get(application__isnull=False)
    app, visit = need.application, need.visit
    assert need.service_code == demo.PENSION and need.work_order is None
    assert visit.household == homes.a1 and visit.visitor == homes.specialist
    assert visit.source == "phone" and visit.distance_m is not None and visit.distance_m < 1
    assert app.channel == Application.Channel.HOME and app.status == "submitted"
    assert app.item.code == demo.PENSION and app.submitted_by == homes.specialist
    assert app.applicant_name == "王爷爷"  # the eldest member, not the 户主
    note = ApplicationEvent.objects.get(application=app, action="submit").note
    assert f"入户走访 #{visit.pk}" in note
    assert app.number in out.getvalue() and "王爷爷" not in out.getvalue()  # name masked
    # loaded again: nothing added
    demo.load(out)
    assert VisitNeed.objects.filter(application__isnull=False).count() == 1
    assert Visit.objects.count() == 1 and Application.objects.count() == 1
    assert "上门办走访：演示数据已存在，跳过。" in out.getvalue()


def test_demo_skips_without_a_catalogue_or_specialist(homes):
    from yiwang.fieldwork import demo
    from yiwang.fieldwork.models import Visit

    out = io.StringIO()
    demo._load_home_service(out, username="nobody")
    demo._load_home_service(out)  # the specialist exists, but no catalogue is loaded
    assert out.getvalue().count("跳过") == 2 and not Visit.objects.exists()
