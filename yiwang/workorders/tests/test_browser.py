"""The 车库住人 story of seed 004 walked through the real pages in headless Chromium.

“我们通过手机App把车库住人情况形成工单，上报‘智慧唯亭’系统。系统会智能分拣，自动将工单派发至
街道综合行政执法局 … 处置完成后 … 把工单流转至集成指挥中心，等待审核和验收，符合结案标准后工单
自动归档备查。” The grid worker reports it with a camera photo and GPS, the responsibility rule
for 车库住人 (90001 → 综合行政执法局) dispatches it, 执法 accepts and completes it with evidence,
the dispatcher verifies it, and the resident rates it.

Who rates: the services let only the reporter rate (回访). In the story the resident told the grid
worker (敲门聚心), so the grid worker reports *on the resident's behalf* (代为上报: the report
page's “反映人电话”), which makes the registered resident the reporter while the channel stays
网格员上报; the resident then sees it under 我的工单 and rates it.

Run: `.venv/bin/pytest yiwang/workorders/tests/test_browser.py -m browser`.
Screenshots go to /tmp/yiwang-shots/ (YIWANG_SHOTS overrides).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from yiwang.testing import browser_login
from yiwang.workorders.tests.conftest import IN_A, seed_categories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("YIWANG_SHOTS", "/tmp/yiwang-shots"))
RESIDENT_PHONE = "13912345678"


def png_bytes(color=(180, 60, 40), size=(64, 48)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def story(world, request):
    """The `world` street, the catalogue (a transactional test's flush empties the migration's
    rows) and the responsibility list with 车库住人 → 综合行政执法局, 3 working days."""
    seed_categories()
    rules = request.getfixturevalue("rules")
    assert rules.garage.category.code == "90001"
    assert rules.garage.primary_department.name == "综合行政执法局"
    resident = world.users["resident"]
    resident.phone = RESIDENT_PHONE
    resident.save(update_fields=["phone"])
    return world


def switch_user(pg, username: str) -> None:
    pg.context.clear_cookies()
    browser_login(pg, username)


def test_garage_story_through_the_pages(story, page, desk_page):
    from playwright.sync_api import expect

    from yiwang.workorders.models import WorkOrder

    # 1. 网格员甲 reports from the phone: camera photo, GPS position, category 车库住人.
    page.context.grant_permissions(["geolocation"], origin=page.base_url)
    page.context.set_geolocation({"longitude": IN_A[0], "latitude": IN_A[1], "accuracy": 8})
    browser_login(page, "grid_a")
    page.goto(page.base_url + "/wo/report/")
    expect(page.locator("h1")).to_have_text("网格上报")
    photo = page.locator("#id_photos")
    assert photo.get_attribute("capture") == "environment"
    page.fill("#id_description", "青剑湖花园 12 幢车库有人居住，堆放煤气罐，存在消防隐患")
    photo.set_input_files(
        files=[{"name": "garage.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.click("#gps-button")
    expect(page.locator("#gps-status")).to_contain_text("已定位")
    expect(page.locator("#id_lon")).to_have_value(f"{IN_A[0]:.6f}")
    expect(page.locator("#locate-result")).to_contain_text("网格A")
    page.fill("#id_address", "青剑湖花园 12 幢车库")
    page.select_option("#id_category", "90001")
    page.click("text=代居民上报（可选）")
    page.fill("#id_reporter_name", "居民")
    page.fill("#id_reporter_phone", RESIDENT_PHONE)
    page.click("button:has-text('提交上报')")
    expect(page.locator(".messages")).to_contain_text("已自动派遣至综合行政执法局")
    order = WorkOrder.objects.get()
    assert order.channel == "grid_worker" and order.reporter.username == "resident"
    assert order.status == "dispatched" and order.primary_department.name == "综合行政执法局"
    assert order.grid.name == "网格A" and order.photos.count() == 1
    expect(page.locator("#order-status")).to_have_text("已派遣待签收")

    # 2. 综合行政执法局 (zhifa) at the desk: inbox with SLA colour → accept → complete.
    browser_login(desk_page, "zhifa")
    desk_page.goto(desk_page.base_url + "/wo/inbox/")
    item = desk_page.locator(f"#primary-orders li[data-order='{order.code}']")
    expect(item).to_have_class("sla-border-green")
    item.locator("a.title").click()
    desk_page.click("#action-accept summary")
    desk_page.fill("#id_accept-note", "已安排执法队员前往")
    desk_page.click("#action-accept button[type=submit]")
    expect(desk_page.locator("#order-status")).to_have_text("处置中")  # HTMX swapped the panel
    expect(desk_page.locator("#order-panel .messages")).to_contain_text("签收成功")
    desk_page.click("#action-complete summary")
    desk_page.fill("#id_complete-note", "已责令搬离，车库恢复停车用途，煤气罐已清理")
    desk_page.locator("#id_complete-photos").set_input_files(
        files=[{"name": "after.png", "mimeType": "image/png", "buffer": png_bytes((40, 160, 60))}]
    )
    desk_page.click("#action-complete button[type=submit]")
    expect(desk_page.locator("#order-status")).to_have_text("已处置待核查")
    expect(desk_page.locator("#evidence-photos img")).to_have_count(1)

    # 3. 集成指挥中心 (dispatcher): the 待核查 queue → verify → archived.
    switch_user(desk_page, "dispatcher")
    desk_page.goto(desk_page.base_url + "/command/console/?tab=verify")
    row = desk_page.locator(f"#board-orders li[data-order='{order.code}']")
    row.locator("a:has-text('查看处置结果并核查')").click()
    expect(desk_page.locator("#order-result #evidence-photos img")).to_have_count(1)
    desk_page.click("#action-verify summary")
    desk_page.click("#action-verify button[type=submit]")
    expect(desk_page.locator(".messages")).to_contain_text("核查结案成功")
    expect(desk_page.locator("#order-status")).to_have_text("已结案")
    desk_page.goto(desk_page.base_url + "/command/console/?tab=verify")
    expect(desk_page.locator(f"#board-orders li[data-order='{order.code}']")).to_have_count(0)

    # 4. The resident (the reporter) rates it from the phone: 我的工单 → 待评价 → 满意.
    switch_user(page, "resident")
    page.goto(page.base_url + "/wo/mine/")
    mine = page.locator(f"#my-orders li[data-order='{order.code}']")
    expect(mine.locator(".torate")).to_have_text("待评价")
    mine.locator("a.title").click()
    expect(page.locator("#order-status")).to_have_text("已结案")
    page.click("#action-rate summary")
    page.check("input[name=rate-satisfaction][value=satisfied]")
    page.fill("#id_rate-comment", "处理得很及时，谢谢")
    page.click("#action-rate button[type=submit]")
    expect(page.locator("#order-panel .messages")).to_contain_text("评价成功")

    # 5. The timeline on the detail page shows every step of the loop.
    page.reload()
    timeline = page.locator("#timeline")
    for action, text in [
        ("report", "上报"),
        ("dispatch", "按权责清单自动派遣至综合行政执法局"),
        ("accept", "已安排执法队员前往"),
        ("complete", "已责令搬离"),
        ("verify", "核查结案"),
        ("rate", "处理得很及时"),
    ]:
        expect(timeline.locator(f"li[data-action='{action}']")).to_contain_text(text)
    actions = [li.get_attribute("data-action") for li in timeline.locator("li").all()]
    assert actions == ["report", "dispatch", "accept", "complete", "verify", "rate"]
    order.refresh_from_db()
    assert order.status == "archived" and order.satisfaction == "satisfied"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "order-detail-phone.png"), full_page=True)


def test_resident_reports_on_the_map(story, page):
    """The resident's phone page: tap the (offline) map, address, photo; then a screenshot."""
    from playwright.sync_api import expect

    from yiwang.workorders.models import WorkOrder

    browser_login(page, "resident")
    page.goto(page.base_url + "/wo/report/")
    expect(page.locator("h1")).to_have_text("我要上报")
    page.wait_for_function("document.querySelector('#report-map .leaflet-pane') !== null")
    page.fill("#id_description", "小区 3 幢楼下垃圾堆了好几天没人清理，气味很大")
    page.locator("#id_photos").set_input_files(
        files=[{"name": "rubbish.png", "mimeType": "image/png", "buffer": png_bytes((90, 90, 30))}]
    )
    page.locator("#report-map").scroll_into_view_if_needed()  # below the category picker
    box = page.locator("#report-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.6)
    expect(page.locator("#id_lon")).not_to_have_value("")
    expect(page.locator("#locate-result")).to_contain_text("网格")
    page.fill("#id_address", "青剑湖花园 3 幢")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "resident-report-phone.png"), full_page=True)
    page.click("button:has-text('提交上报')")
    expect(page.locator(".messages")).to_contain_text("上报成功")
    order = WorkOrder.objects.get()
    assert order.channel == "resident" and order.reporter.username == "resident"
    assert order.lon is not None and order.grid is not None
    assert order.photos.count() == 1


def test_report_errors_are_shown_in_chinese(story, page):
    from playwright.sync_api import expect

    browser_login(page, "resident")
    page.goto(page.base_url + "/wo/report/")
    page.click("button:has-text('提交上报')")
    expect(page.locator("#report-form")).to_contain_text("请填写问题描述。")
    expect(page.locator(".form-error")).to_contain_text("请在地图上点选问题位置，或填写地址。")
