"""The 存档 button on the assessments page in headless Chromium (desk, then phone size): the
leader stores last month after the confirmation and the page says when and by whom; this
month offers no button. Run:
`.venv/bin/pytest -m browser yiwang/command/tests/test_browser_assessment_store.py`.
Screenshots go to /tmp/yiwang-shots/ (YIWANG_SHOTS overrides)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from yiwang.command.models import AssessmentSnapshot
from yiwang.testing import browser_login
from yiwang.workorders.tests.conftest import seed_categories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("YIWANG_SHOTS", "/tmp/yiwang-shots"))


def shot(pg, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"command-assessment-store-{name}.png"), full_page=True)


def last_month() -> str:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")


@pytest.fixture
def street(world, request):
    """The categories seeded first: a transactional test before this one flushed them."""
    seed_categories()
    request.getfixturevalue("orders")
    return world


def test_leader_stores_last_month_after_confirming(street, page):
    world = street
    browser_login(page, "leader")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(page.base_url + f"/command/assessment/?month={last_month()}")
    expect(page.locator("#store-month")).to_be_visible()
    shot(page, "desk-before")
    page.once("dialog", lambda dialog: dialog.dismiss())  # 取消: nothing stored
    page.click("#store-month")
    expect(page.locator("#assessment-state")).to_have_attribute("data-stored", "0")
    assert not AssessmentSnapshot.objects.exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#store-month")
    expect(page.locator("#assessment-state")).to_have_attribute("data-stored", "1")
    expect(page.locator("#stored-by")).to_have_text(world.users["leader"].display_name)
    expect(page.locator("#store-month")).to_have_count(0)
    shot(page, "desk-stored")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "phone-stored")
    assert AssessmentSnapshot.objects.filter(stored_by=world.users["leader"]).count() == 2
    page.goto(page.base_url + "/command/assessment/")
    expect(page.locator("#store-hint")).to_contain_text("月份结束后才能存档")
    expect(page.locator("#store-month")).to_have_count(0)
    shot(page, "phone-this-month")
