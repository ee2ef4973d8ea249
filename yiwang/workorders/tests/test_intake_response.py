"""The 201 of `POST /api/v1/workorders/` is built from what intake wrote (no second, scoped read of
the new order): the same body as a GET of that order, in fewer SQL statements."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yiwang.workorders.tests.conftest import IN_A, png_file
from yiwang.workorders.tests.test_api import URL, act, create

pytestmark = pytest.mark.django_db

# Statements of one dispatched intake by a grid worker, whole request included (session lookup,
# numbering, the order, its events, sub-task, audit, notification, duplicate flag). The 201 used to
# read the order back through the scoped detail query: 27 statements.
POST_STATEMENTS_MAX = 20


def same_as_get(client, response, status=201) -> dict:
    """Assert the POST answer is the GET of the same order field for field, plus `visible` and
    `warnings`; the body."""
    assert response.status_code == status, response.content
    posted = response.json()
    fetched = client.get(f"{URL}{posted['id']}/")
    assert fetched.status_code == 200
    got = fetched.json()
    assert posted.pop("visible") is True and isinstance(posted.pop("warnings"), list)
    assert set(posted) == set(got)
    for key in got:
        assert posted[key] == got[key], key
    return got


def test_resident_gets_the_order_as_a_get_shows_it(world, rules, client_for):
    client = client_for(world.users["resident"])
    body = same_as_get(client, create(client, {"category": "09009"}))
    assert body["status"] == "dispatched" and "*" not in body["reporter_display"]
    assert [e["action"] for e in body["events"]] == ["report", "dispatch"]


def test_dispatcher_hotline_call_with_name_phone_and_past_time(world, rules, client_for):
    client = client_for(world.users["dispatcher"])
    response = create(
        client,
        {
            "channel": "hotline_12345",
            "reported_at": "2026-06-01T09:00:00+08:00",
            "reporter_name": "张三",
            "reporter_phone": "13812345678",
        },
    )
    body = same_as_get(client, response)
    assert body["reported_at"].startswith("2026-06-01T09:00:00") and body["sla"] == "red"


def test_grid_worker_with_rule_subtask_and_photos(world, rules, client_for):
    client = client_for(world.users["grid_a"])
    response = client.post(
        URL,
        {
            "description": "车库有人居住，已拍照",
            "lon": str(IN_A[0]),
            "lat": str(IN_A[1]),
            "category": "90001",
            "photos": [png_file(), png_file("b.png", size=(8, 6))],
        },
        format="multipart",
    )
    body = same_as_get(client, response)
    assert len(body["assist_tasks"]) == 1 and len(body["photos"]) == 2
    report = body["events"][0]
    assert report["action"] == "report" and len(report["attachments"]) == 2
    assert body["photos"][1]["width"] == 8


def test_an_order_left_in_triage(world, rules, client_for):
    client = client_for(world.users["grid_a"])
    body = same_as_get(client, create(client, {"category": "", "lon": None, "lat": None,
                                               "address": "某小区"}))  # fmt: skip
    assert body["status"] == "triage" and body["events"][1]["action"] == "triage"


def test_idempotent_replay_still_returns_the_order(world, rules, client_for):
    client = client_for(world.users["grid_a"])
    first = create(client, HTTP_IDEMPOTENCY_KEY="k-9").json()
    again = create(client, {"description": "重试"}, HTTP_IDEMPOTENCY_KEY="k-9")
    assert again["Idempotent-Replayed"] == "true"
    body = same_as_get(client, again, status=200)
    assert body["id"] == first["id"] and body["description"] == first["description"]


def test_post_statements_are_bounded(world, rules, client_for):
    client = client_for(world.users["grid_a"])
    create(client)  # the first request of a process warms caches (categories, calendar)
    with CaptureQueriesContext(connection) as queries:
        response = create(client, {"description": "另一处车库有人居住"})
    assert response.status_code == 201
    assert len(queries) <= POST_STATEMENTS_MAX, "\n".join(q["sql"][:120] for q in queries)
    assert not any('workorders_workorder"."created_at' in q["sql"] for q in queries)


def test_detail_statements_do_not_grow_with_the_timeline(world, rules, client_for):
    """The detail reads each kind of related row in one query, however many there are."""
    reporter = client_for(world.users["resident"])
    order = create(reporter, {"category": "09009"}).json()
    zhifa = client_for(world.users["zhifa"])

    def statements() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert zhifa.get(f"{URL}{order['id']}/").status_code == 200
        # not the session's occasional `last_used_at` touch: only what the detail reads
        return sum("accounts_loginsession" not in q["sql"] for q in queries)

    before = statements()
    version = order["version"]
    for action, data in (("accept", {}), ("supervise", {"note": "请尽快"})):
        client = zhifa if action == "accept" else client_for(world.users["dispatcher"])
        answer = act(client, order["id"], action, {"version": version, **data})
        assert answer.status_code == 200, answer.content
        version = answer.json()["version"]
    body = zhifa.get(f"{URL}{order['id']}/").json()
    assert len(body["events"]) >= 4
    assert statements() == before
