"""撤回公开 on the case page in headless Chromium (phone, then desk size): the officer opens the
form under the published decision, a blank reason is refused beside the form in Chinese, a
reason and the confirmation withdraw it; the public page then says 已撤回 with the reason.

Run: `.venv/bin/pytest -m browser yiwang/enforcement/tests/test_browser_withdraw.py`.
Screenshots go to /tmp/yiwang-shots/ (YIWANG_SHOTS overrides).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from yiwang.enforcement.models import Publication
from yiwang.enforcement.tests.test_steps import notified, post
from yiwang.testing import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("YIWANG_SHOTS", "/tmp/yiwang-shots"))
REASON = "行政复议决定变更处罚"


def shot(pg, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"enforcement-withdraw-{name}.png"), full_page=True)


def published(api) -> Publication:
    case = notified(api, amount=150)
    case = post(
        api,
        f"cases/{case['id']}/decide/",
        {"version": case["version"], "outcome": "penalty", "waived": True,
         "penalty": {"kind": "fine", "amount": 150}},
    )  # fmt: skip
    post(api, f"cases/{case['id']}/publish/", {"version": case["version"]})
    return Publication.objects.get(case_id=case["id"])


def test_officer_withdraws_a_published_decision_on_the_case_page(enf, client_for, page):
    pub = published(client_for(enf.zhifa))
    browser_login(page, "zhifa")
    page.goto(page.base_url + f"/enforcement/cases/{pub.case_id}/#publication")
    form = page.locator(f"#withdraw-{pub.pk}")
    form.locator("summary").click()
    expect(page.locator(f"#withdraw-reason-{pub.pk}")).to_be_visible()
    shot(page, "phone-form")
    page.fill(f"#withdraw-reason-{pub.pk}", "   ")  # passes `required`, refused by the service
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f"#do-withdraw-{pub.pk}")
    expect(page.locator("#withdraw-error")).to_contain_text("请填写撤回理由")
    shot(page, "phone-refused")
    page.fill(f"#withdraw-reason-{pub.pk}", REASON)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f"#do-withdraw-{pub.pk}")
    expect(page.locator("#publication")).to_contain_text(f"已撤回：{REASON}")
    expect(page.locator("#timeline")).to_contain_text("撤回公开")
    shot(page, "phone-done")
    page.set_viewport_size({"width": 1440, "height": 900})
    shot(page, "desk-done")
    pub.refresh_from_db()
    assert pub.withdrawn_at is not None and pub.withdraw_reason == REASON
    page.goto(page.base_url + "/public/penalties/")
    expect(page.locator("body")).to_contain_text(REASON)


def test_a_dismissed_confirmation_withdraws_nothing(enf, client_for, page):
    pub = published(client_for(enf.zhifa))
    browser_login(page, "zhifa")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(page.base_url + f"/enforcement/cases/{pub.case_id}/")
    page.locator(f"#withdraw-{pub.pk} summary").click()
    page.fill(f"#withdraw-reason-{pub.pk}", REASON)
    shot(page, "desk-form")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click(f"#do-withdraw-{pub.pk}")
    expect(page.locator(f"#do-withdraw-{pub.pk}")).to_be_visible()
    pub.refresh_from_db()
    assert pub.withdrawn_at is None
