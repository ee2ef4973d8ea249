"""Role gates before the body (issue 11, scope matrix findings): a persona the operation is not
for is refused (403) or told "not found" (404) whatever it sends, never asked to fix its input
(400); nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest

from yiwang.basedata.models import Person
from yiwang.core.models import AuditEvent
from yiwang.party.models import AllianceUnit, BranchMeeting, MemberTransfer
from yiwang.party.services import (
    member_add,
    organisation_create,
    topic_open_voting,
    topic_propose,
)

pytestmark = pytest.mark.django_db


def _refused(client, url, status) -> None:
    events = AuditEvent.objects.count()
    res = client.post(url, {}, format="json")
    assert res.status_code == status, res.content
    assert AuditEvent.objects.count() == events


def test_alliance_register_refuses_other_roles_before_reading_the_community(world, client_for):
    _refused(client_for(world.users["dispatcher"]), "/api/v1/party/alliance/", 403)
    assert AllianceUnit.objects.count() == 0


def test_member_transfer_refuses_a_grid_worker_before_the_version(hall, world, client_for):
    admin = world.users["admin"]
    branch = organisation_create(actor=admin, name="网格A党支部", kind="branch",
                                 grid=world.regions["A"].code)  # fmt: skip
    person = Person.objects.filter(grid=world.regions["A"]).first()
    member = member_add(actor=admin, person=person, organisation=branch,
                        joined_on=dt.date(2001, 7, 1))  # fmt: skip
    # grid_a sees the member of their grid, but keeping party records is not theirs.
    _refused(client_for(world.users["grid_a"]), f"/api/v1/party/members/{member.pk}/transfer/", 403)
    assert MemberTransfer.objects.count() == 0


def test_meeting_of_an_organisation_not_yours_is_not_found(world, client_for):
    branch = organisation_create(actor=world.users["admin"], name="网格C党支部", kind="branch",
                                 grid=world.regions["C"].code)  # fmt: skip
    body = {"kind": "lecture", "held_on": "2026-01-05", "subject": "党课"}
    res = client_for(world.users["grid_a"]).post(
        f"/api/v1/party/organisations/{branch.pk}/meetings/", body, format="json"
    )
    assert res.status_code == 404 and res.json()["error"]["code"] == "not_found"
    assert BranchMeeting.objects.count() == 0


def test_staff_are_no_voters_whatever_the_ballot(hall, client_for):
    topic = topic_propose(actor=hall.leader, community=hall.east.code, title="加装电梯", body="?")
    topic = topic_open_voting(actor=hall.leader, topic=topic, version=topic.version)
    _refused(client_for(hall.leader), f"/api/v1/party/topics/{topic.pk}/vote/", 403)


def test_colours_name_their_rows(world, client_for):
    from django.utils import timezone

    from yiwang.party.models import GridColour
    from yiwang.party.services import colours

    admin = world.users["admin"]
    colours.colour_rule_save(actor=admin, colour="green", label="示范网格", conditions=[])
    colours.grid_colours_compute(actor=admin, month=timezone.localdate())
    rows = client_for(world.users["grid_a"]).get("/api/v1/party/colours/").json()["results"]
    a = GridColour.objects.get(region_code=world.regions["A"].code)
    assert [(r["id"], r["grid"]["code"]) for r in rows] == [(a.pk, a.region_code)]


def test_topic_transitions_refuse_a_resident_before_the_version(hall, client_for):
    topic = topic_propose(actor=hall.resident, community=hall.east.code, title="加装电梯", body="?")
    client = client_for(hall.resident)  # proposed it, sees it, but is no staff
    for action in ("discuss", "open-voting", "decide", "follow-up", "complete"):
        _refused(client, f"/api/v1/party/topics/{topic.pk}/{action}/", 403)
