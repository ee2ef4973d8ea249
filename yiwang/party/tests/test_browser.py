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


def test_volunteer_downloads_the_record_certificate(request, page):
    """Confirmed hours only, on a numbered 志愿服务记录证明 downloaded as a PDF."""
    import datetime as dt

    from django.utils import timezone

    from yiwang.party.models import Activity
    from yiwang.party.services import (
        activity_create,
        activity_signup,
        signup_check_in,
        signup_confirm_hours,
        volunteer_register,
    )

    seed_categories()  # a transactional test's flush empties the migration's rows
    hall = request.getfixturevalue("hall")
    volunteer_register(actor=hall.resident)
    start = timezone.now() + dt.timedelta(hours=1)
    activity = activity_create(actor=hall.leader, title="助老理发", community=hall.east.code,
                               starts_at=start, ends_at=start + dt.timedelta(hours=3))  # fmt: skip
    signup = activity_signup(actor=hall.resident, activity=activity)
    Activity.objects.filter(pk=activity.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(hours=2),
    )
    signup_check_in(actor=hall.leader, signup=signup)
    signup_confirm_hours(actor=hall.leader, signup=signup, hours="1.5")
    browser_login(page, hall.resident.username)
    page.goto(page.base_url + "/party/volunteers/record/")
    page.click("#issue-certificate button")
    page.wait_for_selector("#certificates a")
    shoot(page, "party-volunteer-record")
    with page.expect_download() as info:
        page.click("#certificates a")
    path = info.value.path()
    pdf = Path(path).read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    assert "第0001号" in page.inner_text("#certificates")


def test_party_office_enters_a_member_from_the_page(request, page):
    from yiwang.party.models import PartyMember
    from yiwang.party.services import organisation_create
    from yiwang.party.tests.conftest import id_number

    seed_categories()
    hall = request.getfixturevalue("hall")
    world = request.getfixturevalue("world")
    admin = world.users["admin"]
    top = organisation_create(actor=admin, name="测试街道党工委", kind="working_committee",
                              org_unit=world.street)  # fmt: skip
    branch = organisation_create(actor=admin, name="网格A党支部", kind="branch", parent=top,
                                 grid=world.regions["A"].code)  # fmt: skip
    browser_login(page, "admin")
    page.goto(page.base_url + f"/party/organisations/{branch.pk}/")
    page.fill("#new-member input[name=id_number]", id_number("19800101", "123"))
    page.click("#member-submit")  # no joining date: refused, the ID number kept
    page.wait_for_selector("#error-joined_on")
    assert page.input_value("#new-member input[name=id_number]").startswith("320582")
    shoot(page, "party-member-error")
    page.fill("#new-member input[name=joined_on]", "2001-07-01")
    page.select_option("#new-member select[name=post]", "secretary")
    page.click("#member-submit")
    page.wait_for_selector("#members td:has-text('刘居民')")
    shoot(page, "party-organisation")
    member = PartyMember.objects.get()
    assert member.person.name == "刘居民" and member.post == "secretary"
    assert hall.resident.phone  # the member is the registry person behind the resident
