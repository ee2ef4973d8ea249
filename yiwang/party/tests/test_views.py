"""The party pages: 议事厅 list, propose, vote, staff actions; 四色网格."""

from __future__ import annotations

import pytest

from yiwang.party.models import Ballot, Topic
from yiwang.testing import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_resident_proposes_votes_and_staff_decides(hall, client):
    _login(client, hall.resident)
    res = client.post("/party/topics/", {"community": hall.east.code, "title": "加装电梯",
                                         "body": "1幢加装电梯", "rule": "person"})  # fmt: skip
    topic = Topic.objects.get()
    assert res.status_code == 302 and res.url == f"/party/topics/{topic.pk}/"
    client.logout()
    _login(client, hall.leader)
    res = client.post(f"/party/topics/{topic.pk}/open-voting/", {"version": topic.version})
    assert res.status_code == 302
    client.logout()
    _login(client, hall.resident)
    page = client.get(f"/party/topics/{topic.pk}/").content.decode()
    assert "表决中" in page and 'value="agree"' in page
    client.post(f"/party/topics/{topic.pk}/vote/", {"choice": "agree"})
    res = client.post(f"/party/topics/{topic.pk}/vote/", {"choice": "oppose"}, follow=True)
    assert "您已经投过票" in res.content.decode()
    assert Ballot.objects.count() == 1
    client.logout()
    _login(client, hall.leader)
    topic.refresh_from_db()
    client.post(f"/party/topics/{topic.pk}/decide/",
                {"version": topic.version, "paper_agree": "1"})  # fmt: skip
    topic.refresh_from_db()
    assert topic.outcome == "passed" and topic.tally["paper"] == 1


def test_outsider_cannot_see_the_topic(hall, client):
    topic = Topic.objects.create(community=hall.east, region_code=hall.east.code, title="t",
                                 body="b", origin="community")  # fmt: skip
    _login(client, hall.outsider)
    assert client.get(f"/party/topics/{topic.pk}/").status_code == 404
    assert "t" not in [t.title for t in client.get("/party/topics/").context["topics"]]


def test_colours_page_computes_for_admin(world, client):
    from yiwang.party.services import colour_rule_save

    colour_rule_save(actor=None, colour="green", label="运行良好", conditions=[])
    _login(client, world.users["admin"])
    res = client.post("/party/colours/", {"month": "2026-01"}, follow=True)
    body = res.content.decode()
    assert "已重新计算 4 个网格" in body and "网格A" in body
    client.logout()
    _login(client, world.users["resident"])
    assert client.get("/party/colours/").status_code == 404
