"""The command center in headless Chromium: the screen at 1920×1080 and on a laptop with a
drill-down to one order, a task sent to three grids and reported back by the grid worker, and
an emergency escalating after its acknowledgement window (time moved, not slept).

Run: `.venv/bin/pytest -m browser yiwang/command/tests/test_browser.py`.
Screenshots go to /tmp/yiwang-shots/ (YIWANG_SHOTS overrides).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from yiwang.testing import browser_login
from yiwang.workorders.tests.conftest import IN_A, seed_categories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("YIWANG_SHOTS", "/tmp/yiwang-shots"))


def sized_page(browser, live_server, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    context.set_default_timeout(15000)
    pg = context.new_page()
    pg.base_url = live_server.url
    return pg


@pytest.fixture
def street(world, request):
    seed_categories()
    request.getfixturevalue("orders")
    return world


def shot(pg, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / name), full_page=False)


@pytest.mark.parametrize("size", [(1920, 1080), (1440, 900)], ids=["screen", "laptop"])
def test_screen_and_drill_down_to_one_order(street, _browser, live_server, size):
    from playwright.sync_api import expect

    pg = sized_page(_browser, live_server, *size)
    try:
        browser_login(pg, "leader")
        pg.goto(pg.base_url + "/command/")
        expect(pg.locator("#screen")).to_have_attribute(
            "data-loaded", __import__("re").compile(r"\d+")
        )
        expect(pg.locator("#c-open")).to_have_text("4")
        expect(pg.locator("#c-overdue")).to_have_text("1")
        expect(pg.locator("#c-today")).to_have_text("4")
        expect(pg.locator("#feed li")).not_to_have_count(0)
        expect(pg.locator(".kpi[data-kpi=on_time_rate]")).to_be_visible()
        assert pg.locator("#trend canvas").count() == 1
        assert pg.locator(".leaflet-interactive").count() >= 1  # our own polygons
        shot(pg, f"command-screen-{size[0]}x{size[1]}.png")
        # street → community → grid → order
        pg.locator("#drill-list button", has_text="测试街道").click()
        pg.locator("#drill-list button", has_text="东社区").click()
        expect(pg.locator("#c-open")).to_have_text("4")
        pg.locator("#drill-list button", has_text="网格A").click()
        expect(pg.locator("#drill-list a.order-link")).to_have_count(3)
        expect(pg.locator("#c-open")).to_have_text("3")  # figures follow the drill-down
        expect(pg.locator("#crumbs button")).to_have_count(4)
        shot(pg, f"command-screen-grid-{size[0]}x{size[1]}.png")
        pg.locator("#drill-list a.late").first.click()
        expect(pg).to_have_url(__import__("re").compile(r"/wo/\d+/$"))
    finally:
        pg.context.close()


def test_screen_on_a_phone(street, page):
    from playwright.sync_api import expect

    browser_login(page, "leader")
    page.goto(page.base_url + "/command/")
    expect(page.locator("#c-open")).to_have_text("4")
    shot(page, "command-screen-phone.png")


def test_task_to_three_grids_reported_back_by_the_grid_worker(world, _browser, live_server, page):
    from playwright.sync_api import expect

    desk = sized_page(_browser, live_server, 1440, 900)
    try:
        browser_login(desk, "dispatcher")
        desk.goto(desk.base_url + "/command/tasks/new/")
        desk.fill("input[name=title]", "汛期地下室进水排查")
        desk.fill("textarea[name=instructions]", "逐户查看地下室、车库进水情况")
        due = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        desk.fill("input[name=due]", due)
        desk.fill("input[name=report_fields]", "已查户数")
        for name in ("网格A", "网格B", "网格C"):
            desk.get_by_label(name).check()
        desk.click("#send-task")
        expect(desk.locator("#expected")).to_have_text("3")
        task_url = desk.url

        browser_login(page, "grid_a")
        page.goto(page.base_url + "/command/tasks/mine/")
        card = page.locator("section.assignment", has_text="汛期地下室进水排查")
        card.locator("button.confirm").click()
        expect(card.locator(".state")).to_have_text("已确认")
        card.locator("input[name='value:已查户数']").fill("12")
        card.locator("textarea[name=note]").fill("已查 12 户，1 户车库进水，已协助抽水")
        shot(page, "command-task-phone.png")
        card.locator("button.report").click()
        expect(card.locator(".state")).to_have_text("已回报")

        desk.goto(task_url)
        expect(desk.locator("#reported")).to_have_text("1")
        expect(desk.locator(f"tr[data-grid='{world.regions['A'].code}']")).to_contain_text("是")
        shot(desk, "command-task-progress.png")
    finally:
        desk.context.close()


def test_emergency_escalates_after_its_window_and_the_leader_acknowledges(
    world, _browser, live_server
):
    from playwright.sync_api import expect

    from yiwang.command import services

    raised = timezone.now() - dt.timedelta(minutes=6)  # the red window (5 min) has passed
    incident = services.incident_raise(
        actor=world.users["dispatcher"],
        level="red",
        type="natural_disaster",
        description="暴雨致网格A地下车库进水，有人员被困",
        lon=IN_A[0],
        lat=IN_A[1],
        now=raised,
    )
    assert services.incident_escalation_sweep() == {"escalated": 1}  # grid worker → leader

    pg = sized_page(_browser, live_server, 1920, 1080)
    try:
        browser_login(pg, "leader")
        pg.goto(pg.base_url + "/command/")
        alarm = pg.locator(f".alarm[data-incident='{incident.pk}']")
        expect(alarm).to_contain_text("当前通知：街道领导")
        shot(pg, "command-screen-alarm.png")
        alarm.locator("a").click()
        expect(pg.locator("#chain li.current")).to_contain_text("街道领导")
        pg.click("#ack")
        expect(pg.locator("#incident-status")).to_have_text("已确认处置中")
        shot(pg, "command-incident-acknowledged.png")
    finally:
        pg.context.close()
    incident.refresh_from_db()
    assert incident.acknowledged_by == world.users["leader"]


def test_leader_reads_one_departments_score_and_its_facts(street, _browser, live_server):
    from playwright.sync_api import expect

    from yiwang.workorders.models import WorkOrder

    now = timezone.now()
    WorkOrder.objects.update(deadline=now - dt.timedelta(minutes=5))
    first = WorkOrder.objects.order_by("pk").first()
    WorkOrder.objects.filter(pk=first.pk).update(
        status="archived", archived_at=now, completed_on_time=True
    )
    pg = sized_page(_browser, live_server, 1440, 900)
    try:
        browser_login(pg, "leader")
        pg.goto(pg.base_url + "/command/assessment/")
        row = pg.locator("details.assessment-row[data-name='综合行政执法局']")
        expect(row.locator(".score")).not_to_have_text("无数据")
        row.locator("summary").click()
        expect(row.locator("table")).to_contain_text("按期办结率")
        expect(row.locator("table")).to_contain_text("25%")  # 1 of 4 due orders on time
        shot(pg, "command-assessment.png")
    finally:
        pg.context.close()


def test_grid_worker_raises_an_emergency_from_the_phone(world, page):
    from playwright.sync_api import expect

    page.context.grant_permissions(["geolocation"], origin=page.base_url)
    page.context.set_geolocation({"longitude": IN_A[0], "latitude": IN_A[1], "accuracy": 10})
    browser_login(page, "grid_a")
    page.goto(page.base_url + "/command/incidents/new/")
    page.check("input[name=level][value=orange]")
    page.select_option("select[name=type]", "accident")
    page.fill("textarea[name=description]", "小区地下车库燃气泄漏，已疏散")
    page.click("#gps")
    expect(page.locator("#gps-status")).to_contain_text("已定位")
    shot(page, "command-incident-new-phone.png")
    page.click("#raise")
    # The raiser is left out of the chain: grid A's only worker raised it, so the alarm goes
    # to the next link with somebody in it (in this world, the street leader).
    expect(page.locator("#chain li.current")).to_contain_text("街道领导")
    expect(page.locator("#incident-status")).to_have_text("报警中（待确认）")


@pytest.mark.parametrize("size", [(1920, 1080), (1440, 900)], ids=["screen", "laptop"])
def test_screen_switches_to_the_colour_and_firm_layers(
    street, evaluated, _browser, live_server, size
):
    """四色网格 of this month with the facts in a grid's popup, then the 亩均效益 classes as
    points with their legend; back to open orders hides the legend."""
    from playwright.sync_api import expect

    from yiwang.command.tests.test_layers import store_colours

    store_colours(street, timezone.localdate().replace(day=1))
    run, _ = evaluated
    pg = sized_page(_browser, live_server, *size)
    try:
        browser_login(pg, "leader")
        pg.goto(pg.base_url + "/command/")
        expect(pg.locator("#screen")).to_have_attribute("data-layer", "open")
        pg.click(".modes button[data-mode=colour]")
        expect(pg.locator("#screen")).to_have_attribute("data-layer", "colour")
        legend = pg.locator("#legend")
        expect(legend).to_contain_text("四色网格")
        expect(legend).to_contain_text("红 1")
        expect(legend).to_contain_text("绿 1")
        expect(legend).to_contain_text("未评定 2")
        expect(pg.locator("#f-month")).to_be_visible()
        red = pg.locator("path.leaflet-interactive[fill='#e53935']")
        expect(red).to_have_count(1)
        expect(pg.locator("#drill-list button", has_text="重点关注")).to_have_count(1)
        red.click()
        popup = pg.locator(".colour-popup")
        expect(popup).to_contain_text("重点关注")
        expect(popup).to_contain_text("超期工单占比")
        expect(popup).to_contain_text("35.0%")
        pg.wait_for_timeout(300)  # Leaflet fades the popup in: shoot it settled
        shot(pg, f"command-layer-colour-{size[0]}x{size[1]}.png")

        pg.click(".modes button[data-mode=firms]")
        expect(pg.locator("#screen")).to_have_attribute("data-layer", "firms")
        expect(legend).to_contain_text(f"亩均效益 {run.year} 年")
        for klass, n in run.counts.items():
            expect(legend).to_contain_text(f"{klass} 类 {n}")
        expect(pg.locator("path.firm")).to_have_count(9)  # ten rated, one without a point
        expect(pg.locator("#f-month")).to_be_hidden()
        shot(pg, f"command-layer-firms-{size[0]}x{size[1]}.png")

        pg.click(".modes button[data-mode=open]")
        expect(pg.locator("#screen")).to_have_attribute("data-layer", "open")
        expect(legend).to_be_hidden()
        expect(pg.locator("path.firm")).to_have_count(0)
    finally:
        pg.context.close()
