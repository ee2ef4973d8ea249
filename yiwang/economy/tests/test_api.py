import datetime as dt
import io

import openpyxl
import pytest

from yiwang.economy import services as sv
from yiwang.economy.models import EvaluationRun, FirmFigures, Policy
from yiwang.economy.tests.conftest import make_uscc

LAST_YEAR = dt.date.today().year - 1


def test_firm_list_profile_grid_officials_class(econ, world, client_for):
    sv.official_assign(actor=econ.bureau_user, firm=econ.firms[0], official=econ.official)
    sv.evaluation_run(actor=econ.bureau_user, year=LAST_YEAR)
    response = client_for(econ.bureau_user).get("/api/v1/economy/firms/?page_size=100")
    assert response.status_code == 200
    rows = {r["id"]: r for r in response.json()["results"]}
    assert len(rows) == 10
    first = rows[econ.firms[0].pk]
    assert first["grid"] == econ.firms[0].grid.code
    assert first["officials"][0]["name"] == "挂钩干部"
    assert first["evaluation_class"] in {"A", "B", "C", "D"}
    assert first["industry_display"].startswith("C36")
    a_only = client_for(world.users["grid_a"]).get("/api/v1/economy/firms/").json()
    assert {r["grid"] for r in a_only["results"]} == {world.regions["A"].code}
    assert client_for(world.users["resident2"]).get("/api/v1/economy/firms/").json()["count"] == 0


def test_firm_detail_not_yours_is_404(econ, world, client_for):
    b_firm = next(f for f in econ.firms if f.grid == world.regions["B"])
    response = client_for(world.users["grid_a"]).get(f"/api/v1/economy/firms/{b_firm.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_post_evaluation_answers_counts(econ, client_for):
    response = client_for(econ.bureau_user).post(
        "/api/v1/economy/evaluations/", {"year": LAST_YEAR}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in "ABCDT"} == {"A": 2, "B": 4, "C": 4, "D": 0, "T": 0}
    detail = client_for(econ.bureau_user).get(f"/api/v1/economy/evaluations/{body['id']}/?class=A")
    assert detail.json()["count"] == 2
    export = client_for(econ.bureau_user).get(f"/api/v1/economy/evaluations/{body['id']}/export/")
    assert export.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "排名" and len(rows) == 11
    assert rows[1][1] == "测试企业10" and rows[1][4] == "A"


def test_post_evaluation_bad_year_and_forbidden(econ, world, client_for):
    bad = client_for(econ.bureau_user).post(
        "/api/v1/economy/evaluations/", {"year": "abc"}, format="json"
    )
    assert bad.status_code == 400 and "年度" in bad.json()["error"]["message"]
    denied = client_for(world.users["grid_a"]).post(
        "/api/v1/economy/evaluations/", {"year": LAST_YEAR}, format="json"
    )
    assert denied.status_code == 403
    assert not EvaluationRun.objects.exists()


def test_weights_not_100_is_400_and_nothing_changes(econ, client_for):
    client = client_for(econ.bureau_user)
    scheme = client.get("/api/v1/economy/evaluation-scheme/").json()
    response = client.put(
        "/api/v1/economy/evaluation-scheme/",
        {"version": scheme["version"], "weights": {"tax_per_mu": 45, "revenue_per_mu": 35}},
        format="json",
    )
    assert response.status_code == 400
    assert "100%" in response.json()["error"]["message"]
    assert client.get("/api/v1/economy/evaluation-scheme/").json() == scheme


def test_bad_credit_code_is_400(econ, client_for):
    bad = make_uscc(5)[:-1] + ("1" if make_uscc(5)[-1] != "1" else "2")
    response = client_for(econ.bureau_user).post(
        "/api/v1/economy/firms/",
        {"name": "坏码", "uscc": bad, "grid": "320571001001001"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["uscc"]
    ok = client_for(econ.bureau_user).post(
        "/api/v1/economy/firms/",
        {"name": "好码", "uscc": make_uscc(500), "grid": "320571001001001", "industry": "65"},
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["industry_section"] == "I"


@pytest.mark.parametrize(
    "bad", [{"land_mu": -3}, {"revenue": "-1"}, {"revenue": "很多"}, {"year": 1900}]
)
def test_bad_figures_are_400(econ, client_for, bad):
    firm = econ.firms[0]
    body = {"year": LAST_YEAR - 1, "revenue": 10, "tax": 1, "land_mu": 3, **bad}
    response = client_for(econ.bureau_user).post(
        f"/api/v1/economy/firms/{firm.pk}/figures/", body, format="json"
    )
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["message"]
    assert FirmFigures.objects.filter(firm=firm).count() == 1


def test_policy_unknown_field_and_eligible(econ, client_for):
    client = client_for(econ.bureau_user)
    bad = client.post(
        "/api/v1/economy/policies/",
        {"title": "坏", "rule": {"field": "profit", "op": "gt", "value": 0}},
        format="json",
    )
    assert bad.status_code == 400 and "profit" in bad.json()["error"]["message"]
    assert not Policy.objects.exists()
    made = client.post(
        "/api/v1/economy/policies/",
        {"title": "小微企业稳岗补贴", "rule": {"field": "employees", "op": "lte", "value": 60}},
        format="json",
    )
    assert made.status_code == 201
    eligible = client.get(f"/api/v1/economy/policies/{made.json()['id']}/eligible/").json()
    assert eligible["count"] == 3  # 20, 40 and 60 employees


def test_figures_import_with_row_errors(econ, client_for):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "年度数据"
    ws.append(
        ["统一社会信用代码", "年度", "营业收入（万元）", "实缴税金（万元）", "用地面积（亩）"]
    )
    ws.append([econ.firms[0].entity.uscc, LAST_YEAR - 1, 500, 20, 8])
    ws.append([econ.firms[1].entity.uscc, LAST_YEAR - 1, 500, 20, -8])
    ws.append(["91320594000000000X", LAST_YEAR - 1, 500, 20, 8])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "figures.xlsx"
    response = client_for(econ.bureau_user).post(
        "/api/v1/economy/figures/import/", {"file": buf}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["created"], body["rejected"]) == (1, 2)
    assert {e["row"] for e in body["errors"]} == {3, 4}
    assert FirmFigures.objects.filter(year=LAST_YEAR - 1).count() == 1


def test_firm_request_and_rating_flow(econ, world, client_for):
    from yiwang.workorders.models import WorkOrder

    sv.enterprise_catalogue_install()
    firm = econ.firms[0]
    sv.firm_user_link(actor=econ.bureau_user, firm=firm, user=econ.firm_user)
    client = client_for(econ.firm_user)
    made = client.post(
        f"/api/v1/economy/firms/{firm.pk}/requests/",
        {"description": "希望协调办理消防验收", "category": "QY04"},
        format="json",
    )
    assert made.status_code == 201, made.json()
    order = WorkOrder.objects.get(pk=made.json()["work_order"])
    WorkOrder.objects.filter(pk=order.pk).update(status="archived", completed_at=order.created_at)
    order.refresh_from_db()
    rated = client.post(
        f"/api/v1/economy/requests/{made.json()['id']}/rate/",
        {"version": order.version, "satisfaction": "satisfied"},
        format="json",
    )
    assert rated.status_code == 200, rated.json()
    assert rated.json()["satisfaction"] == "satisfied"
    mine = client.get("/api/v1/economy/my-firm/").json()
    assert mine["requests"][0]["satisfaction"] == "satisfied"
    kpis = client_for(world.users["leader"]).get("/api/v1/economy/kpis/").json()
    assert kpis["reported"] == 1 and kpis["satisfaction_rate"] == 1.0
    other = client_for(world.users["resident2"]).get("/api/v1/economy/my-firm/")
    assert other.status_code == 404


def test_stale_versions_answer_409(econ, client_for):
    client = client_for(econ.bureau_user)
    firm = econ.firms[0]
    ok = client.patch(
        f"/api/v1/economy/firms/{firm.pk}/",
        {"version": firm.version, "above_scale": False, "visit_cadence_days": 30},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["visit_cadence_days"] == 30
    stale = client.patch(
        f"/api/v1/economy/firms/{firm.pk}/", {"version": firm.version, "industry": "39"},
        format="json",
    )  # fmt: skip
    assert stale.status_code == 409
    firm.refresh_from_db()
    assert firm.industry == "36"
    bad = client.patch(
        f"/api/v1/economy/firms/{firm.pk}/",
        {"version": firm.version, "industry": "99"},
        format="json",
    )
    assert bad.status_code == 400 and "GB/T 4754" in bad.json()["error"]["message"]
    policy = sv.policy_create(actor=econ.bureau_user, title="政策", rule=None)
    changed = client.patch(
        f"/api/v1/economy/policies/{policy.pk}/",
        {"version": policy.version, "rule": {"field": "tax", "op": "gt", "value": 100}},
        format="json",
    )
    assert changed.status_code == 200 and changed.json()["version"] == policy.version + 1
    again = client.patch(
        f"/api/v1/economy/policies/{policy.pk}/", {"version": policy.version, "title": "x"},
        format="json",
    )  # fmt: skip
    assert again.status_code == 409


def test_openapi_schema_lists_the_economy_endpoints(econ, client_for):
    response = client_for(econ.bureau_user).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/economy/firms/" in paths
    assert "/api/v1/economy/policies/{id}/eligible/" in paths
