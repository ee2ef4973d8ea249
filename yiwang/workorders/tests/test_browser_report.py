"""A resident's report on the offline map, walked in headless Chromium (issue 10, "The map"):
no tile server, our own base (street, community and grid outlines with names, the 房屋库's
buildings once zoomed in); 定位到我 with the browser's geolocation; the everyday category picker
and its search; an address matched against the 房屋库; and 我也遇到 on an open order nearby
instead of a duplicate.

Run: `.venv/bin/pytest yiwang/workorders/tests/test_browser_report.py -m browser`.
Screenshots go to /tmp/yiwang-shots/ (YIWANG_SHOTS overrides).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from yiwang.testing import browser_login
from yiwang.workorders.tests.conftest import IN_A, seed_categories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("YIWANG_SHOTS", "/tmp/yiwang-shots"))
GARBAGE = "青剑湖花园3幢楼下垃圾桶满溢好几天了，臭味很大，一直没人清运"


@pytest.fixture
def street(world, request):
    """The `world` street with its catalogue, rules (plus 01037 路灯), a few buildings in grid A
    and an open garbage order reported by 居民乙 near grid A's centre."""
    from yiwang.basedata.models import House
    from yiwang.workorders.services import responsibility_rule_save, work_order_create

    seed_categories()
    request.getfixturevalue("rules")
    responsibility_rule_save(
        actor=world.users["admin"],
        category="01037",
        primary_department=world.department2,
        limit_value=1,
        limit_unit="work_days",
    )
    grid = world.regions["A"]
    House.objects.bulk_create(
        House(address=f"唯亭街道青剑湖花园{b}幢{r}室", lon=lon, lat=lat, grid=grid)
        for b, lon, lat in [(3, 120.0045, 31.0045), (5, 120.0058, 31.0052), (7, 120.0035, 31.0058)]
        for r in (101, 102, 201)
    )
    work_order_create(actor=world.users["resident2"], description=GARBAGE, lon=IN_A[0], lat=IN_A[1])
    return world


def test_resident_reports_on_the_offline_map_with_locate_me(street, page, desk_page):
    from playwright.sync_api import expect

    from yiwang.workorders.models import WorkOrder, WorkOrderSupporter

    page.context.grant_permissions(["geolocation"], origin=page.base_url)
    page.context.set_geolocation({"longitude": IN_A[0], "latitude": IN_A[1], "accuracy": 12})
    browser_login(page, "resident")
    page.goto(page.base_url + "/wo/report/")
    expect(page.locator("h1")).to_have_text("我要上报")
    # Offline: no tiles, our own base with names (street / community labels at this zoom).
    expect(page.locator("#report-map")).to_have_attribute("data-regions", "7")
    assert page.locator("#report-map .leaflet-tile").count() == 0
    expect(
        page.locator("#report-map .map-label-street, #report-map .map-label-community").first
    ).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "report-offline-base-phone.png"), full_page=True)

    # The category picker: everyday chips with icons, and a search over every class.
    page.click(".cat-chip:has-text('路灯不亮')")
    expect(page.locator("#id_category")).to_have_value("01037")
    page.fill("#category-search", "消防")
    page.click("#category-results button:has-text('消防设施')")
    expect(page.locator("#id_category")).to_have_value("01013")
    expect(page.locator("#category-chosen")).to_contain_text("消防设施")
    page.click(".cat-chip:has-text('路灯不亮')")
    expect(page.locator("#id_category")).to_have_value("01037")

    # An address typed without a point: submitting first offers the 房屋库's matches; one tap
    # sets the point (and the buildings show once zoomed in).
    page.fill("#id_description", "青剑湖花园5幢门口路灯不亮，晚上很黑")
    page.fill("#id_address", "青剑湖花园 5 栋")
    page.click("button:has-text('提交上报')")
    suggestion = page.locator("#address-suggest button.suggest").first
    expect(suggestion).to_contain_text("唯亭街道青剑湖花园5幢")
    assert not WorkOrder.objects.filter(category__code="01037").exists()
    suggestion.click()
    expect(page.locator("#id_lon")).to_have_value("120.005800")
    expect(page.locator("#address-suggest")).to_contain_text("已按房屋库定位到")
    expect(page.locator("#locate-result")).to_contain_text("网格A")
    expect(page.locator("#report-map")).to_have_attribute("data-houses", re.compile("^[1-9]"))
    expect(page.locator("#report-map .map-label-house").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "report-address-phone.png"), full_page=True)
    page.click("button:has-text('提交上报')")
    expect(page.locator(".messages")).to_contain_text("上报成功")
    lamp = WorkOrder.objects.get(category__code="01037")
    assert lamp.reporter.username == "resident" and lamp.grid.name == "网格A"
    assert (lamp.lon, lamp.lat) == (120.0058, 31.0052)
    assert lamp.status == "dispatched" and lamp.primary_department == street.department2

    # 定位到我 with the browser's position, and 我也遇到: the same garbage as 居民乙's open
    # order, seen before submitting.
    page.goto(page.base_url + "/wo/report/")
    page.click(".cat-chip:has-text('垃圾满溢')")
    page.click("#gps-button")
    expect(page.locator("#gps-status")).to_contain_text("已定位")
    expect(page.locator("#id_lon")).to_have_value(f"{IN_A[0]:.6f}")
    expect(page.locator("#locate-result")).to_contain_text("网格A")
    expect(page.locator("#report-map .map-label-grid").first).to_be_visible()
    page.fill("#id_description", "3幢楼下垃圾桶满溢好几天了，没人清运")
    expect(page.locator("#similar")).to_contain_text("附近已有相似问题正在处理")
    page.screenshot(path=str(SHOTS / "report-similar-phone.png"), full_page=True)
    before = WorkOrder.objects.count()
    page.click("#similar button:has-text('我也遇到')")
    expect(page.locator(".messages")).to_contain_text("已记录“我也遇到”")
    assert WorkOrder.objects.count() == before
    support = WorkOrderSupporter.objects.get()
    assert support.user.username == "resident" and support.order.reporter.username == "resident2"

    # The desk view of the same page (1440×900), looked at too.
    desk_page.set_viewport_size({"width": 1440, "height": 900})
    browser_login(desk_page, "resident")
    desk_page.goto(desk_page.base_url + "/wo/report/")
    expect(desk_page.locator("#report-map")).to_have_attribute("data-regions", "7")
    desk_page.screenshot(path=str(SHOTS / "report-offline-base-desk.png"), full_page=True)
