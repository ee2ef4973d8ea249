"""The dispatcher's main journey on the console (/command/console/) in headless Chromium at
1440×900: land on it, see the triage queue's photo and map, dispatch from the queue, find an
order by its code, filter the list by grid, supervise two orders at once, export the filtered
list, and take a 12345 call; and the console on a phone.

Run: `.venv/bin/pytest -m browser yiwang/command/tests/test_console_browser.py`.
Screenshots go to /tmp/yiwang-shots/ (YIWANG_SHOTS overrides).
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from yiwang.testing import browser_login
from yiwang.workorders.tests.conftest import IN_A, IN_B, png_file, seed_categories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("YIWANG_SHOTS", "/tmp/yiwang-shots"))


def shot(pg, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / name), full_page=False)


@pytest.fixture
def desk(_browser, live_server):
    context = _browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15000)
    pg = context.new_page()
    pg.base_url = live_server.url
    yield pg
    context.close()


@pytest.fixture
def street(world, request):
    """Two reports waiting in 待分拣 (one with a photo), two dispatched in grid A, one in B."""
    seed_categories()
    request.getfixturevalue("rules")
    report = request.getfixturevalue("report")
    triage = [
        report(description="井盖松动，车开过去咣当响", category=None, photos=[png_file()]),
        report(description="有人在楼道里堆放纸箱", category=None, lon=IN_A[0] + 0.002),
    ]
    in_a = [report(), report(description="星湖街东口机动车乱停放", category="09009")]
    in_b = report(lon=IN_B[0], lat=IN_B[1], actor=world.users["grid_b"], category="06010")
    assert {o.status for o in triage} == {"triage"}
    return {"triage": triage, "a": in_a, "b": in_b}


def test_the_dispatchers_journey_on_the_console(world, street, desk):
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    from yiwang.workorders.models import WorkOrder

    browser_login(desk, "dispatcher")
    desk.goto(desk.base_url + "/")
    expect(desk).to_have_url(re.compile(r"/command/console/$"))

    # 1. The triage queue: photos, the small map on the offline base, 派遣 from the row.
    well, boxes = street["triage"]
    row = desk.locator(f"#board-orders li[data-order='{well.code}']")
    expect(row.locator(".thumbs img")).to_have_count(1)
    expect(desk.locator("#console-map.leaflet-container")).to_be_visible()
    expect(desk.locator("#console-map path.leaflet-interactive")).to_have_count(2)
    shot(desk, "console-triage-1440x900.png")
    row.locator("button.locate-on-map").click()
    expect(desk.locator("#console-map")).to_have_attribute("data-focus", well.code)
    row.locator("select[name=dispatch-category]").select_option("09009")
    row.get_by_role("button", name="派遣", exact=True).click()
    expect(desk.locator(".messages")).to_contain_text("已派遣至综合行政执法局")
    expect(desk.locator(f"#board-orders li[data-order='{well.code}']")).to_have_count(0)
    assert WorkOrder.objects.get(pk=well.pk).status == "dispatched"

    # 2. Search by code (the box at the top).
    target = street["b"]
    desk.fill("input[aria-label^='搜索工单']", target.code.lower())
    desk.press("input[aria-label^='搜索工单']", "Enter")
    expect(desk.locator("#board-orders li[data-order]")).to_have_count(1)
    expect(desk.locator(f"#board-orders li[data-order='{target.code}']")).to_be_visible()

    # 3. All orders filtered by grid A.
    desk.locator(".tabs a[data-tab=all]").click()
    desk.locator("#id_grid").select_option("320571001001001")
    desk.get_by_role("button", name="筛选").click()
    in_a = {o.code for o in street["a"]} | {well.code, boxes.code}
    expect(desk.locator("#board-orders li[data-order]")).to_have_count(len(in_a))
    expect(desk.locator(f"#board-orders li[data-order='{target.code}']")).to_have_count(0)
    shot(desk, "console-all-orders-1440x900.png")

    # 4. Export the filtered list (.xlsx, masked).
    with desk.expect_download() as download:
        desk.locator("#export-xlsx").click()
    rows = list(load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active.values)
    assert {r[0] for r in rows[1:]} == in_a

    # 5. A batch action: supervise the two dispatched orders of grid A at once.
    first, second = street["a"]
    for order in (first, second):
        desk.locator(f"#board-orders li[data-order='{order.code}'] input[name=orders]").check()
    desk.locator("#batch_action").select_option("supervise")
    expect(desk.locator("#batch_department")).to_be_hidden()
    desk.fill("#batch_note", "今天下班前处置完毕")
    desk.locator("#batch-form").get_by_role("button", name="执行").click()
    expect(desk.locator("#batch-results")).to_contain_text("成功 2 件")
    expect(desk.locator(f"#batch-results li[data-order='{first.code}']")).to_have_class("ok")
    assert all(WorkOrder.objects.get(pk=o.pk).supervised for o in (first, second))
    expect(desk.locator(f"#board-orders li[data-order='{first.code}'] .supervised")).to_be_visible()

    # 6. A 12345 call: caller, phone, text and a point; filed through the normal intake.
    desk.get_by_role("link", name="＋ 12345来电登记").click()
    desk.fill("#id_caller_name", "李四")
    desk.fill("#id_caller_phone", "13912345678")
    desk.fill("#id_description", "小区车库有人住，晚上用煤气罐做饭")
    desk.locator("#id_category").select_option("90001")
    desk.locator("details.coords summary").click()
    desk.fill("#id_lon", str(IN_A[0]))
    desk.fill("#id_lat", str(IN_A[1]))
    shot(desk, "console-hotline-1440x900.png")
    desk.get_by_role("button", name="登记并提交").click()
    expect(desk.locator(".messages")).to_contain_text("12345来电已登记")
    call = WorkOrder.objects.get(channel="hotline_12345")
    assert call.reporter_name == "李四" and call.status == "dispatched"
    expect(desk).to_have_url(re.compile(rf"/wo/{call.pk}/$"))


def test_the_console_on_a_phone(world, street, page):
    from playwright.sync_api import expect

    browser_login(page, "dispatcher")
    page.goto(page.base_url + "/command/console/?tab=triage")
    expect(page.locator("#board-orders li[data-order]")).to_have_count(2)
    shot(page, "console-triage-390x844.png")
