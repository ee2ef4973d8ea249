"""The economy pages in headless Chromium: a firm's request from report to rating, and an
evaluation run by the bureau (with its classes on the map).

Run: `.venv/bin/pytest yiwang/economy/tests/test_browser.py -m browser`.
Screenshots go to /tmp/yiwang-shots/ (YIWANG_SHOTS overrides).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from yiwang.economy import services as sv
from yiwang.economy.models import EnterpriseRequest, EvaluationRun
from yiwang.testing import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("YIWANG_SHOTS", "/tmp/yiwang-shots"))
LAST_YEAR = dt.date.today().year - 1


def shot(pg, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"economy-{name}.png"), full_page=True)


def test_firm_request_from_report_to_rating(econ, world, page):
    from yiwang.workorders import services as wo

    sv.enterprise_catalogue_install()
    firm = econ.firms[0]
    sv.firm_user_link(actor=econ.bureau_user, firm=firm, user=econ.firm_user)
    sv.official_assign(actor=econ.bureau_user, firm=firm, official=econ.official, kind="leader")

    # 1. The firm reports on its own page.
    browser_login(page, "qiye")
    page.goto(page.base_url + "/economy/my/")
    assert "挂钩干部" in page.inner_text("#officials")
    page.select_option("#request-form select[name=category]", "QY04")
    page.fill("#request-form textarea[name=description]", "扩建项目消防审批进度缓慢，希望协调")
    page.click("#request-form button[type=submit]")
    page.wait_for_selector("#requests li[data-code]")
    assert "审批" in page.inner_text("#requests")
    shot(page, "my-reported")
    request = EnterpriseRequest.objects.get()
    order = request.work_order
    assert order.channel == "enterprise" and order.primary_department == econ.bureau

    # 2. The bureau handles it, the command centre verifies it (the work-order loop).
    order = wo.work_order_accept(actor=econ.bureau_user, order=order, version=order.version)
    order = wo.work_order_complete(
        actor=econ.bureau_user,
        order=order,
        version=order.version,
        note="已协调消防审批，预计下周出证",
        no_photo_reason="电话协调，无现场照片",
    )
    order = wo.work_order_verify(
        actor=world.users["dispatcher"], order=order, version=order.version
    )
    assert order.status == "archived"

    # 3. The firm rates it on its page.
    page.goto(page.base_url + "/economy/my/")
    page.select_option("form.rate select[name=satisfaction]", "satisfied")
    page.fill("form.rate input[name=comment]", "修得很快")
    page.click("form.rate button[type=submit]")
    page.wait_for_selector("text=感谢您的评价")
    assert "满意" in page.inner_text("#requests")
    assert page.locator("form.rate").count() == 0
    shot(page, "my-rated")
    order.refresh_from_db()
    assert order.satisfaction == "satisfied" and order.rating_comment == "修得很快"


def test_evaluation_run(econ, desk_page):
    pg = desk_page
    browser_login(pg, "jingfa")
    pg.goto(pg.base_url + "/economy/evaluation/")
    pg.select_option("#run-form select[name=year]", str(LAST_YEAR))
    pg.click("#run-form button[type=submit]")
    pg.wait_for_selector("#counts")
    counts = {
        el.get_attribute("data-class"): int(el.inner_text().split("\n")[0])
        for el in pg.locator("#counts .count").all()
    }
    assert counts == {"A": 2, "B": 4, "C": 4, "D": 0, "T": 0}
    assert pg.locator("#class-map .leaflet-interactive").count() == 10  # one dot per firm
    assert pg.locator("#results tbody tr").count() == 10
    shot(pg, "evaluation-desk")
    run = EvaluationRun.objects.get()
    assert run.year == LAST_YEAR
    pg.click("#counts a[data-class=A]")
    pg.wait_for_url("**class=A**")
    assert pg.locator("#results tbody tr").count() == 2
