import datetime as dt

import pytest
from django.utils import timezone

from yiwang.accounts.models import Membership, Role
from yiwang.command import services
from yiwang.command.models import EscalationPolicy, Incident
from yiwang.command.tests.conftest import IN_A
from yiwang.core.errors import Forbidden, NotFound
from yiwang.notifications.models import Notification

pytestmark = pytest.mark.django_db


def raise_red(world, now=None, **extra):
    args = {
        "actor": world.users["dispatcher"],
        "level": "red",
        "type": "natural_disaster",
        "description": "暴雨致网格A地下车库进水",
        "lon": IN_A[0],
        "lat": IN_A[1],
        "now": now,
    }
    return services.incident_raise(**{**args, **extra})


def told(user):
    return Notification.objects.filter(recipient=user, kind="incident").count()


def test_raise_tells_the_first_link_and_escalates_when_nobody_acknowledges(world):
    now = timezone.now()
    incident = raise_red(world, now=now)
    links = [link["link"] for link in incident.chain]
    assert links == ["grid_worker", "community", "department_head", "leader"]
    assert incident.chain[0]["user_ids"] == [world.users["grid_a"].pk]
    assert (incident.step, incident.ack_minutes) == (0, 5)
    assert told(world.users["grid_a"]) == 1 and told(world.users["leader"]) == 0
    # Within the window nothing moves; after it the next link with people (the leader) is told.
    assert services.incident_escalation_sweep(now=now + dt.timedelta(minutes=4)) == {}
    assert services.incident_escalation_sweep(now=now + dt.timedelta(minutes=6)) == {"escalated": 1}
    incident.refresh_from_db()
    assert incident.step == 3 and told(world.users["leader"]) == 1
    assert services.incident_escalation_sweep(now=now + dt.timedelta(minutes=7)) == {}
    assert services.incident_escalation_sweep(now=now + dt.timedelta(minutes=12)) == {
        "exhausted": 1
    }
    incident.refresh_from_db()
    assert incident.exhausted and incident.status == Incident.Status.ALARM
    kinds = list(incident.events.values_list("kind", flat=True))
    assert kinds == ["raised", "notified", "escalated", "exhausted"]


def test_the_raiser_is_not_in_the_chain_so_the_alarm_reaches_someone_else(world):
    incident = raise_red(world, actor=world.users["grid_a"])
    assert incident.chain[0]["user_ids"] == []  # grid A's only worker raised it
    assert world.users["grid_a"].pk not in incident.chain_user_ids()
    assert incident.step > 0 and incident.chain[incident.step]["user_ids"]  # the next link
    assert told(world.users["grid_a"]) == 0
    with pytest.raises(Forbidden):
        services.incident_ack(actor=world.users["grid_a"], id=incident.pk)


def test_ack_stops_escalation_and_only_the_chain_may_ack(world, client_for):
    now = timezone.now()
    incident = raise_red(world, now=now)
    outsider = client_for(world.users["zhifa"]).post(
        f"/api/v1/command/incidents/{incident.pk}/ack/", {}, format="json"
    )
    assert outsider.status_code == 404  # not in the chain and not their region
    dispatcher = client_for(world.users["dispatcher"]).post(
        f"/api/v1/command/incidents/{incident.pk}/ack/", {}, format="json"
    )
    assert dispatcher.status_code == 403
    assert "上报链" in dispatcher.json()["error"]["message"]
    incident.refresh_from_db()
    assert incident.status == Incident.Status.ALARM and incident.acknowledged_by is None
    answer = client_for(world.users["grid_a"]).post(
        f"/api/v1/command/incidents/{incident.pk}/ack/", {"note": "已到场"}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["status"] == "acknowledged"
    assert services.incident_escalation_sweep(now=now + dt.timedelta(hours=1)) == {}
    again = client_for(world.users["leader"]).post(
        f"/api/v1/command/incidents/{incident.pk}/ack/", {}, format="json"
    )
    assert again.status_code == 409


def test_policy_names_the_department_head_and_window(world):
    head = world.users["shiye"]
    Membership.objects.create(user=head, org_unit=world.department2, role=Role.LEADER)
    EscalationPolicy.objects.create(
        level="yellow",
        ack_minutes=20,
        chain=["department_head", "leader"],
        department=world.department2,
    )
    incident = raise_red(world, level="yellow")
    assert incident.ack_minutes == 20
    assert incident.chain[0]["user_ids"] == [head.pk]
    assert told(head) == 1
    services.incident_ack(actor=head, id=incident.pk)
    other = raise_red(world, level="yellow")
    with pytest.raises(NotFound):  # outside the chain and the region: as if it did not exist
        services.incident_ack(actor=world.users["zhifa"], id=other.pk)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"type": "accident", "description": "火情", "lon": IN_A[0], "lat": IN_A[1]}, "level"),
        (
            {
                "level": "purple",
                "type": "accident",
                "description": "火情",
                "lon": IN_A[0],
                "lat": IN_A[1],
            },
            "level",
        ),
        (
            {
                "level": "red",
                "type": "meteor",
                "description": "火情",
                "lon": IN_A[0],
                "lat": IN_A[1],
            },
            "type",
        ),
        (
            {"level": "red", "type": "accident", "description": "", "lon": IN_A[0], "lat": IN_A[1]},
            "description",
        ),
        ({"level": "red", "type": "accident", "description": "火情"}, "lon"),
    ],
)
def test_bad_incidents_are_refused(world, client_for, body, field):
    answer = client_for(world.users["dispatcher"]).post(
        "/api/v1/command/incidents/", body, format="json"
    )
    assert answer.status_code == 400, answer.json()
    error = answer.json()["error"]
    assert field in error["fields"] or field in str(error), error
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
    assert Incident.objects.count() == 0 and Notification.objects.count() == 0


def test_incident_api_round_trip(world, client_for):
    answer = client_for(world.users["dispatcher"]).post(
        "/api/v1/command/incidents/",
        {
            "level": "orange",
            "type": "事故灾难",
            "description": "燃气泄漏",
            "lon": IN_A[0],
            "lat": IN_A[1],
        },
        format="json",
    )
    assert answer.status_code == 201
    data = answer.json()
    assert data["type"] == "accident" and data["grid"] == world.regions["A"].code
    assert data["current_link"] == "网格员"
    listed = client_for(world.users["leader"]).get("/api/v1/command/incidents/").json()
    assert [i["id"] for i in listed["results"]] == [data["id"]]
    assert (
        client_for(world.users["resident"])
        .get(f"/api/v1/command/incidents/{data['id']}/")
        .status_code
        == 404
    )


def plan(**extra):
    from yiwang.command.models import ContingencyPlan

    args = {
        "name": "防汛预案",
        "incident_type": "natural_disaster",
        "task_title": "地下室排查",
        "radius_m": 500,
        "due_hours": 4,
        "report_fields": ["已查户数"],
    }
    return ContingencyPlan.objects.create(**{**args, **extra})


@pytest.mark.parametrize("radius, grids", [(100, {"A"}), (500, {"A", "B"}), (600, {"A", "B", "C"})])
def test_plan_sends_a_task_to_the_grids_around_the_point(world, client_for, radius, grids):
    incident = raise_red(world)
    flood = plan(radius_m=radius)
    answer = client_for(world.users["dispatcher"]).post(
        f"/api/v1/command/incidents/{incident.pk}/plan/", {"plan": flood.pk}, format="json"
    )
    assert answer.status_code == 201, answer.json()
    sent = {a["grid"] for a in answer.json()["assignments"]}
    assert sent == {world.regions[g].code for g in grids}
    assert answer.json()["report_fields"] == ["已查户数"]
    assert incident.tasks.count() == 1 and incident.events.filter(kind="plan").exists()


def test_plan_refusals(world, client_for):
    from yiwang.command.models import Task

    incident = raise_red(world)
    url = f"/api/v1/command/incidents/{incident.pk}/plan/"
    wrong = plan(incident_type="public_health")
    answer = client_for(world.users["dispatcher"]).post(url, {"plan": wrong.pk}, format="json")
    assert answer.status_code == 400 and "不适用" in answer.json()["error"]["message"]
    flood = plan()
    assert (
        client_for(world.users["grid_a"]).post(url, {"plan": flood.pk}, format="json").status_code
        == 403
    )
    assert (
        client_for(world.users["dispatcher"]).post(url, {"plan": 999}, format="json").status_code
        == 400
    )
    assert Task.objects.count() == 0
