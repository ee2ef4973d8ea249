"""Field work in headless Chromium: a visit that raises a work order; a patrol (with the
network dropping for a while) that reports a problem and ends.

Run: `.venv/bin/pytest -m browser yiwang/fieldwork/tests/test_browser.py`.
Screenshots go to /tmp/yiwang-shots/ (YIWANG_SHOTS overrides), phone and desk sizes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from yiwang.approvals.tests.conftest import catalogue  # noqa: F401
from yiwang.testing import browser_login
from yiwang.workorders.tests.conftest import seed_categories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("YIWANG_SHOTS", "/tmp/yiwang-shots"))


def shoot(pg, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
    pg.set_viewport_size({"width": 1440, "height": 900})
    pg.screenshot(path=str(SHOTS / f"{name}-desk.png"), full_page=True)
    pg.set_viewport_size({"width": 390, "height": 844})


@pytest.fixture
def field(request):
    seed_categories()  # a transactional test's flush empties the migration's rows
    return request.getfixturevalue("homes")


def locate_at(pg, lon: float, lat: float) -> None:
    pg.context.grant_permissions(["geolocation"])
    pg.context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 8})


def test_visit_raises_a_work_order(field, page):
    from yiwang.fieldwork.models import Visit

    locate_at(page, 120.0051, 31.0050)
    browser_login(page, "zhuanyuan")
    page.goto(page.base_url + "/fw/visits/")
    page.click("#near-me")
    page.wait_for_selector("text=已按当前位置排序")
    first = page.locator("#due-list li").first
    assert "测试路A-1号" in first.inner_text() and "逾期" in first.inner_text()
    shoot(page, "fieldwork-due")
    first.locator("a", has_text="走访登记").click()
    page.wait_for_selector("#gps-status[data-located='1']")
    page.fill("input[name=met]", "户主本人")
    page.fill("textarea[name=notes]", "老人独居，身体尚可")
    page.fill("input[name=need_0]", "楼下车库有人居住，晚上做饭")
    page.select_option("select[name=need_0_category]", "90001")
    shoot(page, "fieldwork-visit-form")
    page.click("#visit-submit")
    page.wait_for_selector("#visit-result")
    text = page.inner_text("#visit-result")
    assert "定位核对通过" in text and "工单" in text
    shoot(page, "fieldwork-visit-done")
    visit = Visit.objects.get()
    order = visit.needs.get().work_order
    assert order.status == "dispatched" and visit.distance_m < 20
    page.click("#visit-needs a")
    page.wait_for_url(f"**/wo/{order.pk}/")


def test_patrol_with_a_report_survives_a_network_drop(field, page, world):
    from yiwang.fieldwork.models import Patrol

    locate_at(page, 120.0010, 31.0050)
    browser_login(page, "grid_a")
    page.goto(page.base_url + "/fw/patrol/")
    page.click("#start-patrol")
    page.wait_for_selector("#end-patrol")
    for i in range(1, 4):
        page.wait_for_timeout(400)
        locate_at(page, 120.0010 + i * 0.00001, 31.0050)
    page.evaluate("window.yiwangPatrol.flush()")
    page.wait_for_function("document.getElementById('pending').textContent === '0'")
    page.context.set_offline(True)
    for i in range(4, 7):
        page.wait_for_timeout(400)
        page.evaluate(f"window.yiwangPatrol.addPoint({120.0010 + i * 0.00001}, 31.005, 6)")
    page.evaluate("window.yiwangPatrol.flush()")
    page.wait_for_selector("#net-status.offline")
    assert int(page.inner_text("#pending")) >= 3
    shoot(page, "fieldwork-patrol-offline")
    page.context.set_offline(False)
    page.evaluate("window.yiwangPatrol.flush()")
    page.wait_for_function("document.getElementById('pending').textContent === '0'")
    page.fill("#report-form textarea[name=description]", "路边有暴露垃圾，气味很大")
    page.select_option("#report-form select[name=category]", "06010")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#report-result a")
    assert "已上报" in page.inner_text("#report-result")
    shoot(page, "fieldwork-patrol-report")
    page.click("#end-patrol")
    page.wait_for_selector("text=巡查结束")
    patrol = Patrol.objects.get()
    assert patrol.status == "ended" and patrol.point_count >= 6
    assert patrol.reports.get().work_order.channel == "patrol"
    assert patrol.distance_m > 3


def test_visit_need_opens_a_home_application(request, page):
    """A need with a service chosen becomes a 上门办 application, linked from the visit."""
    from yiwang.accounts.models import Membership, OrgUnit, Role
    from yiwang.basedata.services import person_create
    from yiwang.core.validators import id_check_digit
    from yiwang.fieldwork.models import Visit

    field = request.getfixturevalue("field")
    request.getfixturevalue("catalogue")
    community = OrgUnit.objects.get(kind="community", region_code=field.a1.grid.parent.code)
    Membership.objects.create(user=field.specialist, org_unit=community, role=Role.PARTY_SPECIALIST)
    first17 = "32058219400101123"
    person_create(actor=None, name="王爷爷", id_number=first17 + id_check_digit(first17),
                  grid=field.a1.grid.code, household=field.a1, relation="head",
                  address="测试路A-1号", phone="13912345678")  # fmt: skip
    locate_at(page, 120.0051, 31.0050)
    browser_login(page, "zhuanyuan")
    page.goto(page.base_url + f"/fw/visits/new/{field.a1.pk}/")
    page.wait_for_selector("#gps-status[data-located='1']")
    page.fill("input[name=need_0]", "老人满80周岁，想申请尊老金")
    page.select_option("select[name=need_0_service]", "320576052-05-0404")
    shoot(page, "fieldwork-visit-home-form")
    page.click("#visit-submit")
    page.wait_for_selector("#visit-result")
    link = page.locator("#visit-needs a.home-application")
    assert "上门办" in link.inner_text()
    shoot(page, "fieldwork-visit-home-done")
    app = Visit.objects.get().needs.get().application
    assert (
        app.channel == "home" and app.applicant_name == "王爷爷" and app.number in link.inner_text()
    )
    link.click()
    page.wait_for_url(f"**/approvals/applications/{app.pk}/")
