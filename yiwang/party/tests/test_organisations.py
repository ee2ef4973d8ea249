"""党组织: the tree bound to grids, members from the 人口库, transfers, 条例 checks, 三会一课."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yiwang.basedata.models import Person
from yiwang.core.errors import Conflict, Forbidden, StaleVersion, ValidationFailed
from yiwang.party.models import BranchMeeting, MemberTransfer
from yiwang.party.organisations import organisation_checks, organisation_tree
from yiwang.party.services import meeting_record, member_add, member_transfer, organisation_create

pytestmark = pytest.mark.django_db

YEARS_AGO = timezone.localdate() - dt.timedelta(days=3650)
TERM_START = timezone.localdate() - dt.timedelta(days=365 * 5 - 30)  # expires within 90 days


@pytest.fixture
def tree(hall, world):
    admin = world.users["admin"]
    top = organisation_create(actor=admin, name="测试街道党工委", kind="working_committee",
                              org_unit=world.street)  # fmt: skip
    a = organisation_create(actor=admin, name="网格A党支部", kind="branch", parent=top,
                            grid=world.regions["A"].code,
                            term_started_on=TERM_START)  # fmt: skip
    b = organisation_create(actor=admin, name="网格B党支部", kind="branch", parent=top,
                            grid=world.regions["B"].code)  # fmt: skip
    people = list(Person.objects.filter(grid__parent=world.regions["east"]).order_by("pk"))
    members = [member_add(actor=admin, person=p, organisation=a, joined_on=YEARS_AGO)
               for p in people[:3]]  # fmt: skip
    return top, a, b, members


def test_tree_binds_grids_and_counts_members(tree, world):
    top, a, b, members = tree
    assert a.region_code == world.regions["A"].code and a.term_years == 5
    assert top.term_years == 3
    nodes = organisation_tree(user=world.users["leader"], today=timezone.localdate())
    assert [n["organisation"].name for n in nodes] == [
        "测试街道党工委",
        "网格A党支部",
        "网格B党支部",
    ]
    by_name = {n["organisation"].name: n for n in nodes}
    assert (by_name["网格A党支部"]["total"], by_name["网格A党支部"]["full"]) == (3, 3)
    codes = {w["code"] for w in by_name["网格B党支部"]["warnings"]}
    assert "too_few_members" in codes and "meeting_missing" in codes
    codes_a = {w["code"] for w in by_name["网格A党支部"]["warnings"]}
    assert "too_few_members" not in codes_a and "term_expiring" in codes_a


def test_term_expired_and_cadence_warnings(tree):
    top, a, b, members = tree
    today = timezone.localdate()
    a.term_started_on = today - dt.timedelta(days=365 * 6)
    last = {"committee": today - dt.timedelta(days=40), "assembly": today - dt.timedelta(days=10),
            "group": today, "lecture": today}  # fmt: skip
    warnings = organisation_checks(a, full=3, total=3, last_meetings=last, today=today)
    codes = [w["code"] for w in warnings]
    assert codes == ["term_expired", "meeting_overdue"]
    assert "支部委员会" in warnings[1]["message"]
    assert organisation_checks(a, full=3, total=51, last_meetings=last, today=today)[0]["code"] == (
        "too_many_members"
    )


def test_meetings_clear_the_cadence_warning(tree, world):
    top, a, b, members = tree
    admin = world.users["admin"]
    for kind in ("committee", "assembly", "group", "lecture"):
        meeting_record(actor=admin, organisation=a, kind=kind, held_on=timezone.localdate(),
                       subject="学习", attendees=3)  # fmt: skip
    nodes = organisation_tree(user=admin, today=timezone.localdate())
    a_node = next(n for n in nodes if n["organisation"].pk == a.pk)
    assert not [w for w in a_node["warnings"] if w["code"].startswith("meeting")]
    with pytest.raises(ValidationFailed):
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        meeting_record(actor=admin, organisation=a, kind="committee", held_on=tomorrow, subject="x")
    assert BranchMeeting.objects.count() == 4


def test_transfer_keeps_history_and_checks_version(tree, world):
    top, a, b, members = tree
    admin, m = world.users["admin"], members[0]
    moved = member_transfer(actor=admin, member=m, version=m.version, to=b, reason="搬家")
    assert moved.organisation_id == b.pk and moved.region_code == b.region_code
    history = MemberTransfer.objects.get()
    assert (history.from_organisation_id, history.to_organisation_id) == (a.pk, b.pk)
    with pytest.raises(StaleVersion):
        member_transfer(actor=admin, member=m, version=m.version, to=a, reason="回迁")
    with pytest.raises(ValidationFailed):
        member_transfer(actor=admin, member=m, version=moved.version, to=b, reason="同一个")


def test_duplicates_and_permissions(tree, world):
    top, a, b, members = tree
    with pytest.raises(Conflict):
        member_add(actor=world.users["admin"], person=members[0].person, organisation=b,
                   joined_on=YEARS_AGO)  # fmt: skip
    with pytest.raises(Forbidden):
        organisation_create(actor=world.users["grid_a"], name="x", kind="branch",
                            grid=world.regions["A"].code)  # fmt: skip


def test_organisation_api(tree, world, client_for):
    top, a, b, members = tree
    client = client_for(world.users["leader"])
    data = client.get("/api/v1/party/organisations/").json()["results"]
    assert [n["name"] for n in data][1:] == ["网格A党支部", "网格B党支部"]
    assert data[2]["warnings"][0]["code"] == "too_few_members"
    res = client_for(world.users["admin"]).post(
        f"/api/v1/party/organisations/{b.pk}/meetings/",
        {"kind": "lecture", "held_on": "2026-01-05T09:00:00+08:00", "subject": "党课"},
        format="json",
    )
    assert res.status_code == 201
    m = members[1]
    res = client_for(world.users["admin"]).post(
        f"/api/v1/party/members/{m.pk}/transfer/",
        {"version": m.version, "to": b.pk, "reason": "工作调动"}, format="json",
    )  # fmt: skip
    assert res.status_code == 200 and res.json()["transfers"][0]["to"] == b.pk
    assert (
        client_for(world.users["resident"]).get("/api/v1/party/organisations/").json()["results"]
        == []
    )
