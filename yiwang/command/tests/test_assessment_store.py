"""Stored monthly assessment (月度考核存档): the worker freezes last month's department and
grid-worker scores on the 1st with the facts and weights used; `GET assessments/?month=` serves
the snapshot (and says so), live figures for a month not stored; later weight edits or late
changes of old orders never change a stored month."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yiwang.command import tasks
from yiwang.command.models import AssessmentSnapshot
from yiwang.core.audit import AuditEvent
from yiwang.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def first_of_this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def last_month() -> dt.date:
    return (first_of_this_month() - dt.timedelta(days=1)).replace(day=1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def last_month_facts(world, orders):
    """The department's four orders were due last month: two archived on time, one late, one
    still open."""
    day = last_month() + dt.timedelta(days=9)
    ids = [orders[k].pk for k in ("a1", "a2", "a3", "b1")]
    WorkOrder.objects.filter(pk__in=ids).update(deadline=at(day), reported_at=at(day, 8))
    WorkOrder.objects.filter(pk__in=ids[:2]).update(
        status="archived", archived_at=at(day, 9), completed_on_time=True
    )
    WorkOrder.objects.filter(pk=ids[2]).update(
        status="archived", archived_at=at(day, 12), completed_on_time=False
    )
    return ids


def department_row(data, name="综合行政执法局"):
    return next(r for r in data["rows"] if r["name"] == name)


def get(client, month, kind="department"):
    answer = client.get(f"/api/v1/command/assessments/?month={month:%Y-%m}&kind={kind}")
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_the_worker_freezes_last_month_with_its_facts_and_weights(
    world, last_month_facts, client_for
):
    leader = client_for(world.users["leader"])
    live = get(leader, last_month())
    assert live["stored"] is False and live["stored_at"] is None
    live_row = department_row(live)
    assert live_row["score"] is not None

    result = tasks.monthly_assessment(now=at(first_of_this_month(), 6))
    assert result["stored"] is True and result["month"] == f"{last_month():%Y-%m}"
    assert AssessmentSnapshot.objects.filter(month=last_month()).count() == 2  # both kinds
    event = AuditEvent.objects.get(action="assessment.store")
    assert event.actor_name == "系统" and event.note == f"{last_month():%Y-%m}"

    stored = get(leader, last_month())
    assert stored["stored"] is True and stored["stored_at"]
    assert stored["weights"] == live["weights"]
    row = department_row(stored)
    assert row["score"] == live_row["score"]
    assert row["facts"] == live_row["facts"] and row["counts"] == live_row["counts"]
    workers = get(leader, last_month(), "grid_worker")
    assert workers["stored"] is True
    assert {r["name"] for r in workers["rows"]} == {"网格员甲", "网格员乙"}

    # A second run (another worker, or the same one again) stores nothing and tells no one.
    again = tasks.monthly_assessment(now=at(first_of_this_month(), 6))
    assert again == {"month": f"{last_month():%Y-%m}", "stored": False, "told": 0}
    assert AssessmentSnapshot.objects.count() == 2


def test_later_weights_and_late_changes_do_not_change_a_stored_month(
    world, last_month_facts, client_for
):
    tasks.monthly_assessment(now=at(first_of_this_month(), 6))
    leader = client_for(world.users["leader"])
    before = get(leader, last_month())
    admin = client_for(world.users["admin"])
    new_weights = {"on_time_rate": 10, "completion_rate": 90}
    answer = admin.put(
        "/api/v1/command/assessments/weights/",
        {"kind": "department", "weights": new_weights},
        format="json",
    )
    assert answer.status_code == 200
    # The open order is archived late, after the month was stored.
    WorkOrder.objects.filter(pk=last_month_facts[3]).update(
        status="archived", archived_at=timezone.now(), completed_on_time=False
    )
    after = get(leader, last_month())
    assert after["weights"] == before["weights"] != new_weights
    assert department_row(after)["score"] == department_row(before)["score"]
    assert department_row(after)["counts"]["closed"] == 3  # as stored, not recounted
    # This month is live: the new weights apply, and it says so.
    current = get(leader, first_of_this_month())
    assert current["stored"] is False and current["weights"] == new_weights


def test_stored_rows_are_scoped_to_the_reader(world, last_month_facts, client_for):
    tasks.monthly_assessment(now=at(first_of_this_month(), 6))
    mine = get(client_for(world.users["grid_b"]), last_month(), "grid_worker")
    assert mine["stored"] is True
    assert [r["name"] for r in mine["rows"]] == ["网格员乙"]
    assert mine["rows"][0]["rank"] in (1, None)


def test_storing_on_demand(world, last_month_facts, client_for):
    admin = client_for(world.users["admin"])
    month = f"{last_month():%Y-%m}"
    answer = admin.post("/api/v1/command/assessments/store/", {"month": month}, format="json")
    assert answer.status_code == 201, answer.content
    assert set(answer.json()["kinds"]) == {"department", "grid_worker"}
    snapshot = AssessmentSnapshot.objects.get(month=last_month(), kind="department")
    assert snapshot.stored_by == world.users["admin"]
    # A stored month is final.
    again = admin.post("/api/v1/command/assessments/store/", {"month": month}, format="json")
    assert again.status_code == 409 and again.json()["error"]["message"]
    assert AssessmentSnapshot.objects.count() == 2


@pytest.mark.parametrize(
    "user,month,status",
    [
        ("admin", "this", 400),  # the month is not over
        ("admin", "2026-13", 400),
        ("admin", None, 400),
        ("zhifa", "last", 403),
        ("grid_a", "last", 403),
    ],
)
def test_storing_refused(world, client_for, user, month, status):
    value = {"this": f"{first_of_this_month():%Y-%m}", "last": f"{last_month():%Y-%m}"}.get(
        month, month
    )
    answer = client_for(world.users[user]).post(
        "/api/v1/command/assessments/store/", {"month": value}, format="json"
    )
    assert answer.status_code == status
    assert any("\u4e00" <= ch <= "\u9fff" for ch in answer.json()["error"]["message"])
    assert AssessmentSnapshot.objects.count() == 0


def test_the_page_says_whether_a_month_is_stored(world, last_month_facts, client):
    client.force_login(world.users["leader"])
    leader = client
    url = f"/command/assessment/?month={last_month():%Y-%m}&kind=department"
    assert 'data-stored="0"' in leader.get(url).content.decode()
    tasks.monthly_assessment(now=at(first_of_this_month(), 6))
    page = leader.get(url).content.decode()
    assert 'data-stored="1"' in page and "存档" in page and "综合行政执法局" in page
