"""居民议事厅 in headless Chromium: a resident votes, staff closes the vote with the meeting's
paper votes, and the result is public.

Run: `.venv/bin/pytest -m browser yiwang/party/tests/test_browser.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
def voting(request):
    from yiwang.party.services import topic_open_voting, topic_propose

    seed_categories()
    hall = request.getfixturevalue("hall")
    topic = topic_propose(actor=hall.resident, community=hall.east.code, title="1幢加装电梯",
                          body="老人上下楼困难，建议加装电梯。")  # fmt: skip
    topic = topic_open_voting(actor=hall.leader, topic=topic, version=topic.version)
    return hall, topic


def test_topic_voted_and_decided(voting, page):
    hall, topic = voting
    browser_login(page, "resident")
    page.goto(page.base_url + "/party/topics/")
    page.click("text=1幢加装电梯")
    page.wait_for_selector("#voting")
    shoot(page, "party-topic-voting")
    page.click("#voting button[value=agree]")
    page.wait_for_selector("#my-vote")
    assert "同意" in page.inner_text("#my-vote")
    page.fill("textarea[name=body]", "支持加装，费用按楼层分摊合理。")
    page.click("text=发表")
    page.wait_for_selector("text=支持加装")
    page.context.clear_cookies()
    browser_login(page, "leader")
    page.goto(page.base_url + f"/party/topics/{topic.pk}/")
    page.fill("input[name=paper_agree]", "1")
    page.click("text=结束表决并计票")
    page.wait_for_selector("#result")
    assert page.inner_text("#topic-outcome") == "通过"
    assert "参与 2 / 3" in page.inner_text("#result")
    page.fill("#staff-actions input[name=description]", "联系电梯公司勘察1幢")
    page.click("text=生成落实工单")
    page.wait_for_selector("#follow-up")
    assert "落实中" in page.inner_text("#topic-status")
    shoot(page, "party-topic-decided")
    page.context.clear_cookies()
    browser_login(page, "resident")
    page.goto(page.base_url + f"/party/topics/{topic.pk}/")
    assert "通过" in page.inner_text("#result") and "落实进度 0/1" in page.inner_text("#follow-up")
