"""Grid API: scope, details with public worker phones, locate with JSON errors."""

import pytest

from yiwang.grids import services
from yiwang.grids.models import Region
from yiwang.grids.tests.conftest import box

pytestmark = pytest.mark.django_db

A, B = "320571001001001", "320571001001002"


@pytest.mark.parametrize(
    "url", ["/api/v1/grids/", f"/api/v1/grids/{A}/", "/api/v1/grids/locate/?lon=120.005&lat=31.005"]
)
def test_anonymous_gets_a_json_401(world, client_for, url):
    response = client_for(None).get(url)
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "not_authenticated"


def test_top_level_is_the_street_for_street_staff_and_grid_workers(world, client_for):
    for persona in ("dispatcher", "grid_b", "leader"):
        body = client_for(world.users[persona]).get("/api/v1/grids/").json()
        assert [r["code"] for r in body["results"]] == ["320571001"], persona
        assert body["count"] == 1


def test_children_are_scoped(world, client_for):
    body = client_for(world.users["dispatcher"]).get("/api/v1/grids/?parent=320571001001").json()
    assert [(r["code"], r["worker_count"]) for r in body["results"]] == [(A, 1), (B, 1)]
    first = body["results"][0]
    assert first["parent"] == "320571001001" and first["parent_name"] == "东社区"
    assert first["level"] == "grid" and first["kind"] == "comprehensive"
    assert first["level_display"] == "网格"
    # 网格员乙 sees his own grid in the community, not 甲's.
    body = client_for(world.users["grid_b"]).get("/api/v1/grids/?parent=320571001001").json()
    assert [r["code"] for r in body["results"]] == [B]
    # … and nothing of the west community.
    response = client_for(world.users["grid_b"]).get("/api/v1/grids/?parent=320571001002")
    assert response.status_code == 404


def test_resident_sees_no_regions(world, client_for):
    body = client_for(world.users["resident"]).get("/api/v1/grids/").json()
    assert body["results"] == []


def test_list_filters_and_query_count(world, client_for, django_assert_max_num_queries):
    client = client_for(world.users["dispatcher"])
    body = client.get("/api/v1/grids/?parent=320571001&level=community&q=西").json()
    assert [r["name"] for r in body["results"]] == ["西社区"]
    client.get("/api/v1/grids/")  # warm the token and scope
    with django_assert_max_num_queries(8):
        client.get("/api/v1/grids/?parent=320571001001")


def test_grid_worker_b_cannot_fetch_grid_a(world, client_for):
    response = client_for(world.users["grid_b"]).get(f"/api/v1/grids/{A}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    # Missing and forbidden answer the same.
    missing = client_for(world.users["grid_b"]).get("/api/v1/grids/999999999999999/")
    assert missing.status_code == 404 and missing.json() == response.json()


def test_detail_has_geojson_object_and_public_worker_phones(world, client_for):
    body = client_for(world.users["dispatcher"]).get(f"/api/v1/grids/{A}/").json()
    assert body["code"] == A and body["name"] == "网格A"
    assert body["geojson"]["type"] == "Polygon"
    assert body["geojson"]["coordinates"][0][0] == [120.0, 31.0]
    assert body["workers"] == [
        {
            "name": "网格员甲",
            "role": "full_time",
            "role_display": "专职网格员",
            "phone": "13800000001",
            "username": "grid_a",
        }
    ]
    assert body["worker_count"] == 1 and body["version"] == 1
    mine = client_for(world.users["grid_a"]).get(f"/api/v1/grids/{A}/")
    assert mine.status_code == 200


def test_locate_returns_grid_community_street(world, client_for):
    response = client_for(world.users["resident"]).get(
        "/api/v1/grids/locate/", {"lon": "120.015", "lat": "31.005"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["grid"]["code"] == B and body["grid"]["name"] == "网格B"
    assert body["grid"]["workers"][0]["phone"] == "13800000002"
    assert body["community"] == {
        "code": "320571001001",
        "name": "东社区",
        "level": "community",
        "kind": "comprehensive",
        "special_type": "",
    }
    assert body["street"]["code"] == "320571001"
    assert body["special"] == []


def test_locate_lists_special_grids(world, client_for):
    services.region_create(
        actor=world.users["admin"],
        name="学校专属网格",
        level=Region.Level.GRID,
        kind=Region.Kind.SPECIAL,
        special_type="学校",
        parent=world.regions["east"],
        geojson=box(120.002, 31.002, 0.004),
    )
    body = (
        client_for(world.users["dispatcher"])
        .get("/api/v1/grids/locate/?lon=120.003&lat=31.003")
        .json()
    )
    assert body["grid"]["code"] == A
    assert [(s["name"], s["special_type"]) for s in body["special"]] == [("学校专属网格", "学校")]


def test_locate_outside_every_grid_is_a_json_404(world, client_for):
    response = client_for(world.users["dispatcher"]).get("/api/v1/grids/locate/?lon=121&lat=31")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "outside_grids"
    assert "不在任何网格内" in error["message"]


def test_locate_in_a_community_but_outside_its_grids_names_the_blind_spot(world, client_for):
    Region.objects.filter(code=A).update(is_active=False)
    response = client_for(world.users["dispatcher"]).get(
        "/api/v1/grids/locate/?lon=120.005&lat=31.005"
    )
    assert response.status_code == 404
    assert "东社区" in response.json()["error"]["message"]
    assert "盲区" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "query, code, field",
    [
        ("", "missing_coordinates", "lon"),
        ("lon=120.0", "missing_coordinates", "lat"),
        ("lon=abc&lat=31", "invalid", "lon"),
        ("lon=31.37&lat=120.78", "swapped_coordinates", "lat"),
        ("lon=181&lat=31", "coordinate_out_of_range", "lon"),
        ("lon=120&lat=-91", "coordinate_out_of_range", "lat"),
        ("lon=NaN&lat=31", "invalid", "lon"),
    ],
)
def test_locate_bad_input_is_a_json_400(world, client_for, query, code, field):
    response = client_for(world.users["dispatcher"]).get(f"/api/v1/grids/locate/?{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code
    assert field in error["fields"]
    if code == "swapped_coordinates":
        assert "经纬度可能填反" in error["message"]


def test_locate_is_not_read_as_a_region_code(world, client_for):
    # A region coded "locate" cannot exist (codes are digits), and the route wins anyway.
    response = client_for(world.users["dispatcher"]).get("/api/v1/grids/locate/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "missing_coordinates"


def test_schema_documents_the_grid_endpoints(world, client_for):
    response = client_for(world.users["admin"]).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/grids/", "/api/v1/grids/locate/", "/api/v1/grids/{code}/"} <= set(paths)
