import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from yiwang.command.models import AssessmentScheme
from yiwang.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def month_now():
    return timezone.localdate().strftime("%Y-%m")


@pytest.mark.parametrize(
    "weights",
    [
        {"on_time_rate": 50, "completion_rate": 40},
        {"on_time_rate": 50, "completion_rate": 60, "satisfaction_rate": 10},
        {"on_time_rate": 100, "padding": 0},
        {"on_time_rate": "100"},
        [],
    ],
)
def test_weights_must_sum_to_100(world, client_for, weights):
    answer = client_for(world.users["admin"]).put(
        "/api/v1/command/assessments/weights/",
        {"kind": "department", "weights": weights},
        format="json",
    )
    assert answer.status_code == 400
    assert any("\u4e00" <= ch <= "\u9fff" for ch in answer.json()["error"]["message"])
    assert AssessmentScheme.objects.count() == 0


def test_weights_are_saved_and_versioned(world, client_for):
    admin = client_for(world.users["admin"])
    body = {"kind": "department", "weights": {"on_time_rate": 60, "satisfaction_rate": 40}}
    answer = admin.put("/api/v1/command/assessments/weights/", body, format="json")
    assert answer.status_code == 200 and answer.json()["version"] == 2
    stale = admin.put("/api/v1/command/assessments/weights/", {**body, "version": 1}, format="json")
    assert stale.status_code == 409
    refused = client_for(world.users["zhifa"]).put(
        "/api/v1/command/assessments/weights/", body, format="json"
    )
    assert refused.status_code == 403


def test_department_score_from_facts(world, orders, client_for):
    """综合行政执法局 has a1, a2, a3 (b1 is 车库住人 too: 4 orders). Archive two on time and one
    late, inside this month; weights: on-time 60 %, completion 40 %."""
    client_for(world.users["admin"]).put(
        "/api/v1/command/assessments/weights/",
        {"kind": "department", "weights": {"on_time_rate": 60, "completion_rate": 40}},
        format="json",
    )
    now = timezone.now()
    ids = [orders[k].pk for k in ("a1", "a2", "a3", "b1")]
    assert set(
        WorkOrder.objects.filter(pk__in=ids).values_list("primary_department_id", flat=True)
    ) == {world.department.pk}
    WorkOrder.objects.filter(pk__in=ids).update(deadline=now - dt.timedelta(minutes=5))
    WorkOrder.objects.filter(pk__in=ids[:2]).update(
        status="archived", archived_at=now, completed_on_time=True
    )
    WorkOrder.objects.filter(pk=ids[2]).update(
        status="archived", archived_at=now, completed_on_time=False
    )
    data = (
        client_for(world.users["leader"])
        .get(f"/api/v1/command/assessments/?month={month_now()}&kind=department")
        .json()
    )
    row = next(r for r in data["rows"] if r["name"] == "综合行政执法局")
    facts = {f["key"]: f["value"] for f in row["facts"]}
    assert facts["on_time_rate"] == 0.5 and facts["completion_rate"] == 0.75
    assert row["score"] == round((0.5 * 60 + 0.75 * 40), 1)
    assert row["counts"]["due"] == 4 and row["rank"] == 1
    assert row["orders"].endswith(f"department={world.department.pk}")
    other = next(r for r in data["rows"] if r["name"] == "社会事业局")
    assert other["score"] is None and other["rank"] is None  # no facts, no score
    sheet = client_for(world.users["leader"]).get(
        f"/api/v1/command/assessments/?month={month_now()}&kind=department&export=xlsx"
    )
    ws = load_workbook(io.BytesIO(sheet.content)).active
    assert ws["B2"].value == "综合行政执法局" and ws["C2"].value == row["score"]


def test_grid_worker_ranking_counts_tasks(world, client_for):
    from yiwang.command import services

    task = services.task_create(
        actor=world.users["dispatcher"],
        title="排查",
        grids=[world.regions["A"].code, world.regions["B"].code],
        due=(timezone.now() + dt.timedelta(hours=1)).isoformat(),
    )
    services.task_assignment_report(
        actor=world.users["grid_a"], task_id=task.pk, grid_code=world.regions["A"].code, note="完成"
    )
    data = (
        client_for(world.users["leader"])
        .get(f"/api/v1/command/assessments/?month={month_now()}&kind=grid_worker")
        .json()
    )
    scores = {r["name"]: r["score"] for r in data["rows"]}
    assert scores == {"网格员甲": 100.0, "网格员乙": 0.0}


@pytest.mark.parametrize(
    "query",
    ["month=2026-13&kind=department", "month=&kind=department", "month=2026-05&kind=planet"],
)
def test_assessment_bad_query(world, client_for, query):
    answer = client_for(world.users["leader"]).get(f"/api/v1/command/assessments/?{query}")
    assert answer.status_code == 400
