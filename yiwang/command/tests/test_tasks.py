import datetime as dt

import pytest
from django.utils import timezone

from yiwang.command.models import Task, TaskAssignment
from yiwang.notifications.models import Notification

pytestmark = pytest.mark.django_db


def due(hours=24):
    return (timezone.now() + dt.timedelta(hours=hours)).isoformat()


def send(client, world, **extra):
    body = {
        "title": "汛期地下室排查",
        "instructions": "逐户检查地下室进水情况",
        "grids": [world.regions["A"].code, world.regions["B"].code],
        "due": due(),
        **extra,
    }
    return client.post("/api/v1/command/tasks/", body, format="json")


def test_task_goes_to_grids_and_their_workers_are_told(world, client_for):
    answer = send(client_for(world.users["dispatcher"]), world)
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert data["id"] and data["expected"] == 2
    assert {(a["grid"], a["state"]) for a in data["assignments"]} == {
        (world.regions["A"].code, "sent"),
        (world.regions["B"].code, "sent"),
    }
    told = set(
        Notification.objects.filter(kind="task").values_list("recipient__username", flat=True)
    )
    assert told == {"grid_a", "grid_b"}


def test_region_sends_to_every_grid_under_it(world, client_for):
    answer = send(
        client_for(world.users["dispatcher"]), world, grids=None, region=world.regions["west"].code
    )
    assert answer.status_code == 201
    assert {a["grid"] for a in answer.json()["assignments"]} == {
        world.regions["C"].code,
        world.regions["D"].code,
    }


def test_confirm_and_report_by_that_grids_worker_only(world, client_for):
    task_id = send(client_for(world.users["dispatcher"]), world).json()["id"]
    a = world.regions["A"].code
    base = f"/api/v1/command/tasks/{task_id}/assignments/{a}"
    stranger = client_for(world.users["grid_b"]).post(f"{base}/confirm/", {}, format="json")
    assert stranger.status_code == 404
    worker = client_for(world.users["grid_a"])
    confirmed = worker.post(f"{base}/confirm/", {}, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "confirmed"
    assert worker.post(f"{base}/confirm/", {}, format="json").status_code == 409
    empty = worker.post(f"{base}/report/", {"note": " "}, format="json")
    assert empty.status_code == 400 and "回报说明" in empty.json()["error"]["message"]
    reported = worker.post(f"{base}/report/", {"note": "已查 12 户，无进水"}, format="json")
    assert reported.status_code == 200
    assert reported.json()["state"] == "reported" and reported.json()["on_time"] is True
    progress = client_for(world.users["leader"]).get(f"/api/v1/command/tasks/{task_id}/").json()
    assert (
        progress["expected"],
        progress["confirmed"],
        progress["reported"],
        progress["on_time"],
    ) == (2, 1, 1, 1)
    assert worker.post(f"{base}/report/", {"note": "again"}, format="json").status_code == 409
    # The dispatcher hears of the report.
    assert Notification.objects.filter(recipient=world.users["dispatcher"]).exists()


def test_late_report_is_not_on_time(world):
    from yiwang.command import services

    task = services.task_create(
        actor=world.users["dispatcher"], title="排查", grids=[world.regions["A"].code], due=due(1)
    )
    row = services.task_assignment_report(
        actor=world.users["grid_a"],
        task_id=task.pk,
        grid_code=world.regions["A"].code,
        note="迟报",
        now=timezone.now() + dt.timedelta(hours=2),
    )
    assert row.on_time is False and row.state == TaskAssignment.State.REPORTED


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"grids": []}, "grids"),
        ({"grids": ["320571001009009"]}, "grids"),
        ({"due": "2020-01-01T08:00"}, "due"),
        ({"due": "明天"}, "due"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_tasks_are_refused_and_change_nothing(world, client_for, extra, field):
    answer = send(client_for(world.users["dispatcher"]), world, **extra)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert field in error["fields"] and any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
    assert Task.objects.count() == 0 and Notification.objects.count() == 0


def test_grid_worker_cannot_send_tasks(world, client_for):
    assert send(client_for(world.users["grid_a"]), world).status_code == 403
    assert Task.objects.count() == 0


def test_grid_worker_sees_only_tasks_of_their_grids(world, client_for):
    from yiwang.command import services

    services.task_create(
        actor=world.users["dispatcher"], title="只给C", grids=[world.regions["C"].code], due=due()
    )
    send(client_for(world.users["dispatcher"]), world)
    titles = [
        t["title"]
        for t in client_for(world.users["grid_a"]).get("/api/v1/command/tasks/").json()["results"]
    ]
    assert titles == ["汛期地下室排查"]
    assert (
        len(client_for(world.users["leader"]).get("/api/v1/command/tasks/").json()["results"]) == 2
    )
