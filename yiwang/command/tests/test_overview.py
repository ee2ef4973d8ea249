import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from yiwang.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def test_overview_counts_the_territory(world, orders, client_for):
    answer = client_for(world.users["leader"]).get("/api/v1/command/overview/")
    assert answer.status_code == 200
    data = answer.json()
    assert (data["open"], data["overdue"], data["archived"]) == (4, 1, 0)
    assert data["intake_today"]["total"] == 4
    assert data["intake_today"]["by_channel"]["grid_worker"] == 4
    assert set(data["kpis"]) >= {
        "completion_rate",
        "on_time_rate",
        "avg_workdays_to_archive",
        "on_spot_rate",
        "in_grid_rate",
        "satisfaction_rate",
        "patrol_share",
        "approvals_completion_rate",
        "approvals_avg_workdays",
    }
    assert data["kpis"]["patrol_share"] == 1.0  # all four reported by grid workers
    assert sum(data["trends"]["reported"]) == 4 and len(data["trends"]["weeks"]) == 8
    kinds = {(i["kind"], i["code"]) for i in data["feed"]}
    assert ("overdue", orders["a1"].code) in kinds and ("new", orders["b1"].code) in kinds
    assert sum(c["count"] for c in data["top_categories"]) == 4


def test_overview_region_and_scope(world, orders, client_for):
    leader = client_for(world.users["leader"])
    grid_a = world.regions["A"].code
    assert leader.get(f"/api/v1/command/overview/?region={grid_a}").json()["open"] == 3
    # 网格员乙 counts only grid B, whatever region is asked for.
    data = client_for(world.users["grid_b"]).get("/api/v1/command/overview/").json()
    assert (data["open"], data["overdue"]) == (1, 0)


@pytest.mark.parametrize(
    "query",
    ["region=abc", "from=2026-13-01", "from=2026-06-02&to=2026-06-01", "from=yesterday"],
)
def test_overview_bad_input(world, client_for, query):
    answer = client_for(world.users["leader"]).get(f"/api/v1/command/overview/?{query}")
    assert answer.status_code == 400
    assert answer.json()["error"]["message"]


def test_map_drills_street_community_grid_order(world, orders, client_for):
    leader = client_for(world.users["leader"])
    top = leader.get("/api/v1/command/map/").json()
    assert [f["properties"]["open"] for f in top["features"]] == [4]
    street = top["features"][0]["properties"]["code"]
    communities = leader.get(f"/api/v1/command/map/?parent={street}").json()
    by_name = {f["properties"]["name"]: f["properties"] for f in communities["features"]}
    assert by_name["东社区"]["open"] == 4 and by_name["西社区"]["open"] == 0
    assert communities["features"][0]["geometry"]["type"] == "Polygon"
    grids = leader.get(f"/api/v1/command/map/?parent={by_name['东社区']['code']}").json()
    by_grid = {f["properties"]["name"]: f["properties"] for f in grids["features"]}
    assert (by_grid["网格A"]["open"], by_grid["网格A"]["overdue"]) == (3, 1)
    assert by_grid["网格A"]["overdue_share"] == round(1 / 3, 4)
    points = leader.get(f"/api/v1/command/map/?parent={by_grid['网格A']['code']}").json()
    assert points["level"] == "order"
    links = {f["properties"]["link"] for f in points["features"]}
    assert f"/wo/{orders['a1'].pk}/" in links and len(links) == 3
    assert points["features"][0]["geometry"]["type"] == "Point"


def test_map_of_a_region_outside_scope_is_404(world, orders, client_for):
    answer = client_for(world.users["grid_b"]).get(
        f"/api/v1/command/map/?parent={world.regions['A'].code}"
    )
    assert answer.status_code == 404


def test_analysis_by_grid_with_comparison_and_xlsx(world, orders, client_for):
    leader = client_for(world.users["leader"])
    url = "/api/v1/command/analysis/?metric=reported&by=grid"
    data = leader.get(url).json()
    values = {r["label"]: r["value"] for r in data["rows"]}
    assert values == {"网格A": 3, "网格B": 1}
    compared = leader.get(url + "&compare_from=2020-01-01&compare_to=2020-01-31").json()
    assert all(r["previous"] is None for r in compared["rows"])
    sheet = leader.get(url + "&export=xlsx")
    assert sheet.status_code == 200 and sheet["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    ws = load_workbook(io.BytesIO(sheet.content)).active
    assert ws["A1"].value == "网格" and ws["C2"].value == 3


def test_analysis_rates_by_department(world, orders, client_for):
    WorkOrder.objects.filter(pk=orders["a1"].pk).update(completed_on_time=False)
    today = timezone.localdate()
    period = f"from={today - dt.timedelta(days=300)}&to={today + dt.timedelta(days=300)}"
    data = (
        client_for(world.users["leader"])
        .get(f"/api/v1/command/analysis/?metric=overdue&by=department&{period}")
        .json()
    )
    assert {r["label"]: r["value"] for r in data["rows"]}["综合行政执法局"] == 1


@pytest.mark.parametrize(
    "query",
    [
        "metric=nonsense&by=grid",
        "metric=reported&by=planet",
        "metric=reported&by=grid&compare_from=2026-01-01",
    ],
)
def test_analysis_bad_input(world, client_for, query):
    answer = client_for(world.users["leader"]).get(f"/api/v1/command/analysis/?{query}")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid"


def test_map_marks_hotspot_grids(world, report, client_for):
    from yiwang.command.tests.conftest import IN_B

    for _ in range(5):
        report(category="09009", lon=IN_B[0], lat=IN_B[1], actor=world.users["grid_b"])
    east = world.regions["east"].code
    leader = client_for(world.users["leader"])
    plain = leader.get(f"/api/v1/command/map/?parent={east}").json()
    assert all(f["properties"]["hotspots"] == 0 for f in plain["features"])  # not asked for
    grids = leader.get(f"/api/v1/command/map/?parent={east}&hotspots=1").json()
    by_grid = {f["properties"]["name"]: f["properties"] for f in grids["features"]}
    assert by_grid["网格B"]["hotspots"] == 1 and by_grid["网格B"]["hotspot_names"] == [
        "机动车乱停放"
    ]
    assert by_grid["网格A"]["hotspots"] == 0
