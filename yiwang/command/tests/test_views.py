import datetime as dt

import pytest
from django.utils import timezone

from yiwang.command import services
from yiwang.command.models import TaskAssignment
from yiwang.command.tests.conftest import IN_A

pytestmark = pytest.mark.django_db


def test_screen_is_for_the_desk(world, client):
    client.force_login(world.users["leader"])
    page = client.get("/command/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="screen-map"' in html and "echarts.min.js" in html and "leaflet.js" in html
    client.force_login(world.users["resident"])
    assert client.get("/command/").status_code == 403


def test_analysis_and_assessment_pages(world, orders, client):
    client.force_login(world.users["leader"])
    page = client.get("/command/analysis/?metric=reported&by=grid").content.decode()
    assert "网格A" in page and "导出 .xlsx" in page
    bad = client.get("/command/analysis/?metric=nonsense").content.decode()
    assert "指标 metric 须为" in bad
    month = timezone.localdate().strftime("%Y-%m")
    page = client.get(f"/command/assessment/?month={month}").content.decode()
    assert "综合行政执法局" in page and "按期办结率" in page


def test_grid_worker_confirms_and_reports_from_the_phone_page(world, client):
    task = services.task_create(
        actor=world.users["dispatcher"],
        title="汛期排查",
        grids=[world.regions["A"].code],
        due=(timezone.now() + dt.timedelta(hours=3)).isoformat(),
        report_fields=["已查户数"],
    )
    client.force_login(world.users["grid_a"])
    page = client.get("/command/tasks/mine/").content.decode()
    assert "汛期排查" in page and "确认收到" in page
    base = f"/command/tasks/{task.pk}/{world.regions['A'].code}"
    client.post(f"{base}/confirm/", {"version": 1})
    missing = client.post(f"{base}/report/", {"note": "完成"}, follow=True).content.decode()
    assert "请填写回报项目：已查户数" in missing
    client.post(f"{base}/report/", {"note": "完成", "value:已查户数": "12"})
    row = TaskAssignment.objects.get()
    assert row.state == "reported" and row.report_values == {"已查户数": "12"}
    client.force_login(world.users["grid_b"])
    assert "汛期排查" not in client.get("/command/tasks/mine/").content.decode()


def test_incident_page_ack_button_only_for_the_chain(world, client):
    incident = services.incident_raise(
        actor=world.users["dispatcher"],
        level="red",
        type="accident",
        description="燃气泄漏",
        lon=IN_A[0],
        lat=IN_A[1],
    )
    client.force_login(world.users["dispatcher"])
    page = client.get(f"/command/incidents/{incident.pk}/").content.decode()
    assert "燃气泄漏" in page and 'id="ack"' not in page and "网格员甲" in page
    refused = client.post(f"/command/incidents/{incident.pk}/ack/", follow=True).content.decode()
    assert "不在该事件的上报链中" in refused
    client.force_login(world.users["grid_a"])
    assert 'id="ack"' in client.get(f"/command/incidents/{incident.pk}/").content.decode()
    client.post(f"/command/incidents/{incident.pk}/ack/")
    incident.refresh_from_db()
    assert incident.status == "acknowledged"


def test_task_form_refuses_no_grid_and_sends_to_chosen_grids(world, client):
    client.force_login(world.users["dispatcher"])
    due = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = client.post("/command/tasks/new/", {"title": "排查", "due": due})
    assert refused.status_code == 400
    assert "请至少选择一个网格" in refused.content.decode()
    assert TaskAssignment.objects.count() == 0
    codes = [world.regions[k].code for k in ("A", "B", "C")]
    sent = client.post("/command/tasks/new/", {"title": "排查", "due": due, "grids": codes})
    assert sent.status_code == 302
    assert sorted(TaskAssignment.objects.values_list("grid__code", flat=True)) == codes


def test_weekly_report_pdf_on_demand_and_stored_by_the_worker(world, orders, client, settings):
    from pathlib import Path

    from yiwang.command import tasks

    client.force_login(world.users["leader"])
    today = timezone.localdate()
    answer = client.get(f"/command/report/weekly.pdf?from={today.replace(day=1)}&to={today}")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF") and len(answer.content) > 5000
    assert client.get("/command/report/weekly.pdf?from=nonsense").status_code == 400
    result = tasks.weekly_report()
    stored = Path(settings.MEDIA_ROOT) / "reports" / "weekly" / str(world.users["leader"].pk)
    assert result["told"] == 1 and [p.suffix for p in stored.iterdir()] == [".pdf"]
    client.force_login(world.users["resident"])
    assert client.get("/command/report/weekly.pdf").status_code == 403


def test_incident_page_starts_a_plan(world, client):
    from yiwang.command.models import ContingencyPlan, Task

    incident = services.incident_raise(
        actor=world.users["dispatcher"],
        level="orange",
        type="natural_disaster",
        description="内涝",
        lon=IN_A[0],
        lat=IN_A[1],
    )
    flood = ContingencyPlan.objects.create(name="防汛预案", task_title="地下室排查", radius_m=100)
    client.force_login(world.users["dispatcher"])
    assert "防汛预案" in client.get(f"/command/incidents/{incident.pk}/").content.decode()
    answer = client.post(f"/command/incidents/{incident.pk}/plan/", {"plan": flood.pk})
    task = Task.objects.get()
    assert answer["Location"] == f"/command/tasks/{task.pk}/" and task.incident == incident


def test_incident_form_refuses_a_missing_level_and_raises_one(world, client):
    from yiwang.command.models import Incident

    client.force_login(world.users["grid_a"])
    body = {"type": "accident", "description": "燃气泄漏", "lon": IN_A[0], "lat": IN_A[1]}
    refused = client.post("/command/incidents/new/", body)
    assert refused.status_code == 400 and "请选择事件级别" in refused.content.decode()
    assert Incident.objects.count() == 0
    answer = client.post("/command/incidents/new/", {**body, "level": "yellow"})
    incident = Incident.objects.get()
    assert answer["Location"] == f"/command/incidents/{incident.pk}/"
    assert incident.reported_by == world.users["grid_a"] and incident.level == "yellow"
    client.force_login(world.users["resident"])
    assert client.get("/command/incidents/new/").status_code == 403
