"""The party office's desk pages: organisations founded under the tree, members entered from
the 人口库 by ID number, transfers with history, 三会一课 — errors beside the fields, what was
typed kept; and the 条例 citations the warnings carry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yiwang.party.models import BranchMeeting, MemberTransfer, PartyMember, PartyOrganisation
from yiwang.party.organisations import organisation_checks
from yiwang.party.services import organisation_create
from yiwang.testing import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(hall, world, client):
    """The admin (a PII role) at the desk, with a 党工委 and two grid branches."""
    admin = world.users["admin"]
    top = organisation_create(actor=admin, name="测试街道党工委", kind="working_committee",
                              org_unit=world.street)  # fmt: skip
    a = organisation_create(actor=admin, name="网格A党支部", kind="branch", parent=top,
                            grid=world.regions["A"].code)  # fmt: skip
    b = organisation_create(actor=admin, name="网格B党支部", kind="branch", parent=top,
                            grid=world.regions["B"].code)  # fmt: skip
    assert client.login(username="admin", password=PASSWORD)
    return top, a, b


def test_found_an_organisation_from_the_page(office, client, world):
    top, _a, _b = office
    res = client.post("/party/organisations/", {"name": "", "kind": "branch", "parent": top.pk})
    assert res.status_code == 400
    body = res.content.decode()
    assert "field-error" in body and "名称" in body
    form = {"name": "网格C党支部", "kind": "branch", "parent": top.pk,
            "grid": world.regions["C"].code, "term_started_on": "2099-01-01"}  # fmt: skip
    res = client.post("/party/organisations/", form)
    assert res.status_code == 400 and 'value="网格C党支部"' in res.content.decode()
    assert "不能晚于今天" in res.content.decode()
    res = client.post("/party/organisations/", form | {"term_started_on": "2024-03-01"})
    org = PartyOrganisation.objects.get(name="网格C党支部")
    assert res.status_code == 302 and org.parent == top and org.grid == world.regions["C"]
    assert org.term_years == 5  # a grid (community) branch: 5 years


def test_member_entered_by_id_number_then_transferred(office, client, hall):
    from yiwang.core.models import AuditEvent
    from yiwang.party.tests.conftest import id_number

    _top, a, b = office
    url = f"/party/organisations/{a.pk}/"
    liu = id_number("19800101", "123")
    res = client.post(url, {"action": "member", "id_number": liu, "joined_on": ""})
    assert res.status_code == 400
    body = res.content.decode()
    assert 'id="error-joined_on"' in body and f'value="{liu}"' in body
    unknown = id_number("19991231", "999")
    res = client.post(url, {"action": "member", "id_number": unknown, "joined_on": "2001-07-01"})
    assert res.status_code == 400 and "人口库中未找到" in res.content.decode()
    form = {"action": "member", "id_number": liu, "joined_on": "2001-07-01", "post": "secretary",
            "status": "full", "is_mobile": "1"}  # fmt: skip
    res = client.post(url, form, follow=True)
    member = PartyMember.objects.get()
    assert member.person.name == "刘居民" and member.post == "secretary" and member.is_mobile
    assert "刘居民" in res.content.decode()
    assert AuditEvent.objects.filter(action="basedata.person.search").exists()
    res = client.post(url, form)  # the same person twice: refused with a message
    assert res.status_code == 400 and "已登记为党员" in res.content.decode()

    transfer = {"action": "transfer", "member": member.pk, "version": member.version,
                "to": b.pk, "reason": ""}  # fmt: skip
    res = client.post(url, transfer)
    assert res.status_code == 400 and "field-error" in res.content.decode()
    client.post(url, transfer | {"reason": "工作调动"})
    member.refresh_from_db()
    assert member.organisation == b
    history = MemberTransfer.objects.get()
    assert (history.from_organisation, history.to_organisation) == (a, b)
    body = client.get(f"/party/organisations/{b.pk}/").content.decode()
    assert "工作调动" in body and "网格A党支部 → 网格B党支部" in body


def test_meeting_from_the_page_clears_its_warning(office, client):
    _top, a, _b = office
    url = f"/party/organisations/{a.pk}/"
    res = client.post(url, {"action": "meeting", "kind": "committee", "held_on": "",
                            "subject": "学习"})  # fmt: skip
    assert res.status_code == 400 and 'value="学习"' in res.content.decode()
    today = timezone.localdate().isoformat()
    client.post(url, {"action": "meeting", "kind": "committee", "held_on": today,
                      "subject": "学习", "attendees": "5"})  # fmt: skip
    assert BranchMeeting.objects.get().attendees == 5
    body = client.get(url).content.decode()
    assert "尚无支部委员会记录" not in body and "尚无支部党员大会记录" in body


def test_warnings_cite_the_articles_of_the_regulation(office):
    _top, a, _b = office
    today = timezone.localdate()
    messages = [w["message"] for w in organisation_checks(
        a, full=2, total=60, last_meetings={}, today=today)]  # fmt: skip
    text = " ".join(messages)
    assert "第四条、第五条" in text  # fewer than 3 正式党员 → 联合党支部
    assert "超过 50 人" in text and "第四条" in text
    assert "第十一条" in text and "第十二条" in text
    assert "党课" in text and "本街道惯例" in text  # not claimed as the 条例's rule
    assert "党小组会" not in text  # no 党小组 on record: not warned
    old = today - dt.timedelta(days=40)
    warned = organisation_checks(a, full=3, total=3, last_meetings={"group": old}, today=today)
    assert any("党小组会" in w["message"] and "第十三条" in w["message"] for w in warned)
