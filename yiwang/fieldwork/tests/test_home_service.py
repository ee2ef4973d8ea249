"""A need found at the door becomes a 上门办 application in one tap (issue 14 item 2), beside
the work order: the service, the API and the visit page."""

from __future__ import annotations

import pytest

from yiwang.approvals.tests.conftest import catalogue  # noqa: F401
from yiwang.core.errors import ValidationFailed
from yiwang.fieldwork.services import visit_record
from yiwang.testing import PASSWORD

pytestmark = pytest.mark.django_db

PENSION = "320576052-05-0404"  # 高龄津贴（尊老金）申领, offered 上门办 in the demo catalogue
ELDER_ID17 = "32058219400101123"


@pytest.fixture
def elder(homes, catalogue):  # noqa: F811
    from yiwang.accounts.models import Membership, OrgUnit, Role
    from yiwang.basedata.services import person_create
    from yiwang.core.validators import id_check_digit

    # 党群专员 serve a community (as the demo's zhuanyuan): they see its 人口库
    community = OrgUnit.objects.get(kind="community", region_code=homes.a1.grid.parent.code)
    Membership.objects.create(user=homes.specialist, org_unit=community, role=Role.PARTY_SPECIALIST)

    return person_create(
        actor=None, name="王爷爷", id_number=ELDER_ID17 + id_check_digit(ELDER_ID17),
        grid=homes.a1.grid.code,
        phone="13912345678", household=homes.a1, relation="head", address="测试路A-1号",
    )  # fmt: skip


def test_a_need_with_a_service_opens_a_home_application(homes, elder):
    from yiwang.approvals.models import Application, ApplicationEvent

    visit = visit_record(
        actor=homes.specialist, household=homes.a1, lon=120.0050, lat=31.0050, accuracy_m=8,
        needs=[{"description": "老人满80周岁，想申请尊老金", "service": PENSION},
               {"description": "楼道灯坏了", "category": ""}],
    )  # fmt: skip
    home, order = visit.needs.order_by("id")
    app = home.application
    assert home.work_order is None and home.service_code == PENSION
    assert app.channel == Application.Channel.HOME and app.status == "submitted"
    assert app.item.code == PENSION and app.applicant_name == "王爷爷"
    assert app.submitted_by == homes.specialist
    note = ApplicationEvent.objects.get(application=app, action="submit").note
    assert f"入户走访 #{visit.pk}" in note and "尊老金" in note
    assert order.work_order is not None and order.application is None


def test_a_refused_service_saves_nothing(homes, elder):
    from yiwang.approvals.models import Application
    from yiwang.fieldwork.models import Visit

    with pytest.raises(ValidationFailed) as caught:
        visit_record(actor=homes.specialist, household=homes.a1,
                     needs=[{"description": "想办个证", "service": "no-such-item"}])  # fmt: skip
    assert "第 1 条诉求" in caught.value.message
    assert "needs[0].service_code" in caught.value.fields
    both = {"description": "x", "service": PENSION, "category": "90001"}
    with pytest.raises(ValidationFailed):  # a category and a service: one or the other
        visit_record(actor=homes.specialist, household=homes.a1, needs=[both])
    with pytest.raises(ValidationFailed):  # the applicant must belong to this household
        visit_record(actor=homes.specialist, household=homes.a2,
                     needs=[{"description": "x", "service": PENSION}])  # fmt: skip
    assert not Visit.objects.exists() and not Application.objects.exists()


def test_api_returns_what_each_need_opened(homes, elder, client):
    assert client.login(username="zhuanyuan", password=PASSWORD)
    res = client.post(
        "/api/v1/visits/",
        {"household": homes.a1.pk, "lon": 120.005, "lat": 31.005, "accuracy_m": 5,
         "needs": [{"description": "申请尊老金", "service": PENSION},
                   {"description": "车库住人", "category": "90001"}]},
        content_type="application/json",
    )  # fmt: skip
    assert res.status_code == 201, res.content
    home, order = res.json()["needs"]
    assert home["application"]["number"] and home["application"]["channel"] == "home"
    assert home["work_order"] is None and home["service"] == PENSION
    assert order["work_order"]["code"] and order["application"] is None


def test_visit_page_offers_both_and_keeps_input(homes, elder, client):
    assert client.login(username="zhuanyuan", password=PASSWORD)
    url = f"/fw/visits/new/{homes.a1.pk}/"
    page = client.get(url).content.decode()
    assert "高龄津贴" in page and 'name="need_0_service"' in page
    res = client.post(url, {"need_0": "申请尊老金", "need_0_service": "320576052-05-9999"})
    assert res.status_code == 400  # an item not in the catalogue: refused, what was typed kept
    body = res.content.decode()
    assert 'value="申请尊老金"' in body and "第 1 条诉求" in body
    res = client.post(url, {"need_0": "申请尊老金", "need_0_service": PENSION}, follow=True)
    body = res.content.decode()
    assert "上门办" in body and "home-application" in body
