import pytest

from yiwang.basedata import services
from yiwang.basedata.exporting import XLSX_MIME
from yiwang.basedata.models import Person
from yiwang.basedata.tests.helpers import (
    GRID_A,
    GRID_B,
    PEOPLE_HEADERS,
    bad_checksum,
    make_id,
    person_row,
    read_rows,
    xlsx_bytes,
)
from yiwang.core.models import AuditEvent

pytestmark = pytest.mark.django_db
BASE = "/api/v1/basedata"


@pytest.fixture
def people(world):
    """甲's grid A: 张三 (独居老人, red); 乙's grid B: 李四."""
    a = services.person_create(
        actor=world.users["grid_a"],
        name="张三",
        id_number=make_id(1),
        grid=GRID_A,
        phone="13812345678",
        tags=["独居老人"],
    )
    services.person_mark_colour(
        actor=world.users["grid_a"], person=a, version=1, colour="red", reason="密接"
    )
    b = services.person_create(
        actor=world.users["grid_b"],
        name="李四",
        id_number=make_id(2),
        grid=GRID_B,
        phone="13987654321",
    )
    return Person.objects.get(pk=a.pk), b


def _names(resp):
    return [p["name"] for p in resp.json()["results"]]


def test_list_is_masked_and_scoped(world, people, client_for):
    resp = client_for(world.users["grid_a"]).get(f"{BASE}/people/")
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] == 1 and _names(resp) == ["张三"]
    person = body["results"][0]
    assert person["id_number_masked"] == make_id(1)[:6] + "********" + make_id(1)[-4:]
    assert person["phone_masked"] == "138****5678"
    assert make_id(1) not in resp.content.decode() and "13812345678" not in resp.content.decode()
    assert person["tags"] == ["独居老人"] and person["colour"] == "red"
    # 乙 cannot list or open 甲's people
    resp_b = client_for(world.users["grid_b"]).get(f"{BASE}/people/")
    assert _names(resp_b) == ["李四"]
    assert (
        client_for(world.users["grid_b"]).get(f"{BASE}/people/{people[0].pk}/").status_code == 404
    )


def test_who_sees_which_people(world, people, client_for):
    leader = client_for(world.users["leader"]).get(f"{BASE}/people/")
    assert sorted(_names(leader)) == ["张*", "李*"]  # names masked for non-PII roles
    window = client_for(world.users["window"]).get(f"{BASE}/people/")
    assert sorted(_names(window)) == ["张三", "李四"]
    assert client_for(world.users["zhifa"]).get(f"{BASE}/people/").json()["count"] == 0
    assert client_for(world.users["resident"]).get(f"{BASE}/people/").json()["count"] == 0
    assert client_for(None).get(f"{BASE}/people/").status_code == 401


def test_filters(world, people, client_for):
    c = client_for(world.users["admin"])
    assert _names(c.get(f"{BASE}/people/", {"tag": "独居老人"})) == ["张三"]
    assert _names(c.get(f"{BASE}/people/", {"colour": "none"})) == ["李四"]
    # q matches names only: an ID number or phone in a query string is no search (issue 11)
    assert _names(c.get(f"{BASE}/people/", {"q": make_id(2)})) == []
    assert _names(c.get(f"{BASE}/people/", {"q": "13812345678"})) == []
    assert _names(c.get(f"{BASE}/people/", {"q": "李"})) == ["李四"]
    assert _names(c.get(f"{BASE}/people/", {"grid": "320571001001002"})) == ["李四"]
    assert c.get(f"{BASE}/people/", {"colour": "purple"}).status_code == 400


def test_list_query_count_is_bounded(world, people, client_for, django_assert_max_num_queries):
    for n in range(3, 13):
        services.person_create(
            actor=None, name="王五", id_number=make_id(n), grid=GRID_A, tags=["低保"]
        )
    client = client_for(world.users["grid_a"])
    with django_assert_max_num_queries(9):
        resp = client.get(f"{BASE}/people/")
    assert resp.json()["count"] == 11


def test_reveal_endpoint(world, people, client_for):
    url = f"{BASE}/people/{people[0].pk}/reveal/"
    ok = client_for(world.users["grid_a"]).post(
        url, {"field": "id_number", "purpose": "入户核实"}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["value"] == make_id(1)
    assert ok["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="basedata.person.reveal")
    assert event.note == "入户核实" and event.actor == world.users["grid_a"]
    forbidden = client_for(world.users["zhifa"]).post(
        url, {"field": "phone", "purpose": "执法"}, format="json"
    )
    assert forbidden.status_code == 404  # department staff do not even see the person
    leader = client_for(world.users["leader"]).post(
        url, {"field": "phone", "purpose": "查看"}, format="json"
    )
    assert leader.status_code == 403 and leader.json()["error"]["code"] == "forbidden"
    other = client_for(world.users["grid_b"]).post(
        url, {"field": "phone", "purpose": "查看"}, format="json"
    )
    assert other.status_code == 404
    no_purpose = client_for(world.users["grid_a"]).post(url, {"field": "phone"}, format="json")
    assert no_purpose.status_code == 400 and "purpose" in no_purpose.json()["error"]["fields"]
    assert AuditEvent.objects.filter(action="basedata.person.reveal").count() == 1


def test_create_update_and_stale_version(world, client_for):
    c = client_for(world.users["grid_a"])
    bad = c.post(
        f"{BASE}/people/",
        {"name": "张三", "id_number": bad_checksum(make_id(1)), "grid": GRID_A},
        format="json",
    )
    assert bad.status_code == 400 and "id_number" in bad.json()["error"]["fields"]
    created = c.post(
        f"{BASE}/people/",
        {"name": "张三", "id_number": make_id(1), "grid": GRID_A, "tags": ["残疾人"]},
        format="json",
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    ok = c.patch(f"{BASE}/people/{pk}/", {"version": 1, "address": "新址"}, format="json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = c.patch(f"{BASE}/people/{pk}/", {"version": 1, "address": "旧"}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    dup = c.post(
        f"{BASE}/people/", {"name": "李四", "id_number": make_id(1), "grid": GRID_A}, format="json"
    )
    assert dup.status_code == 409
    colour = c.post(f"{BASE}/people/{pk}/colour/", {"version": 2, "colour": "green"}, format="json")
    assert colour.status_code == 200 and colour.json()["colour"] == "green"
    tags = c.post(f"{BASE}/people/{pk}/tags/", {"version": 3, "tags": ["低保"]}, format="json")
    assert tags.status_code == 200 and tags.json()["tags"] == ["低保"]
    assert (
        client_for(world.users["zhifa"])
        .post(
            f"{BASE}/people/", {"name": "x", "id_number": make_id(9), "grid": GRID_A}, format="json"
        )
        .status_code
        == 403
    )


def test_houses_and_entities_visible_to_departments(world, client_for):
    services.house_create(actor=None, address="测试路1号", lon=120.005, lat=31.005)
    resp = client_for(world.users["zhifa"]).get(f"{BASE}/houses/")
    assert resp.json()["count"] == 1 and resp.json()["results"][0]["grid"]["code"] == GRID_A
    assert client_for(world.users["grid_b"]).get(f"{BASE}/houses/").json()["count"] == 0
    created = client_for(world.users["grid_a"]).post(
        f"{BASE}/entities/",
        {"name": "甲公司", "uscc": "91350100M000100Y43", "grid": GRID_A, "phone": "13812345678"},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["phone_masked"] == "138****5678"
    assert "13812345678" not in created.content.decode()


def test_import_endpoint_reports_rows_and_error_report(world, client_for, tmp_path):
    rows = [person_row(1), person_row(2), person_row(3)]
    rows[1][1] = bad_checksum(rows[1][1])
    path = tmp_path / "people.xlsx"
    path.write_bytes(xlsx_bytes(PEOPLE_HEADERS, rows))
    c = client_for(world.users["grid_a"])
    with path.open("rb") as fh:
        resp = c.post(f"{BASE}/import/people/", {"file": fh}, format="multipart")
    assert resp.status_code == 200
    body = resp.json()
    assert (body["total"], body["created"], body["rejected"]) == (3, 2, 1)
    assert body["errors"][0]["row"] == 3
    report = c.get(body["error_report_url"])
    assert report.status_code == 200 and report["Content-Type"] == XLSX_MIME
    assert read_rows(report.content)[1][-2:] == [3, "身份证号校验位错误。"]
    # only the uploader may fetch it
    assert client_for(world.users["grid_b"]).get(body["error_report_url"]).status_code == 404


def test_import_endpoint_file_errors(world, client_for, tmp_path):
    c = client_for(world.users["grid_a"])
    bad = tmp_path / "people.csv"
    bad.write_text("姓名,身份证号\n张三,1\n")
    with bad.open("rb") as fh:
        resp = c.post(f"{BASE}/import/people/", {"file": fh}, format="multipart")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "not_xlsx"
    extra = tmp_path / "extra.xlsx"
    extra.write_bytes(xlsx_bytes(PEOPLE_HEADERS, [person_row(1)], extra_sheets={"Sheet2": [["x"]]}))
    with extra.open("rb") as fh:
        resp = c.post(f"{BASE}/import/people/", {"file": fh}, format="multipart")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "bad_sheets"
    assert c.post(f"{BASE}/import/people/", {}, format="multipart").status_code == 400
    assert c.post(f"{BASE}/import/nothing/", {}, format="multipart").status_code == 404
    assert Person.objects.count() == 0


def test_template_download(world, client_for):
    resp = client_for(world.users["grid_a"]).get(f"{BASE}/templates/people/")
    assert resp.status_code == 200 and resp["Content-Type"] == XLSX_MIME
    assert read_rows(resp.content, "人口")[0][:3] == ["姓名", "身份证号", "网格编码"]


def test_export_masks_and_scopes(world, people, client_for):
    resp = client_for(world.users["grid_b"]).get(f"{BASE}/export/people/")
    assert resp.status_code == 200
    rows = read_rows(resp.content)
    assert [r[0] for r in rows[1:]] == ["李四"]  # 乙 exports only 乙's grid
    assert rows[1][1] == make_id(2)[:6] + "********" + make_id(2)[-4:]
    assert rows[1][3] == "139****4321"
    leader_rows = read_rows(client_for(world.users["leader"]).get(f"{BASE}/export/people/").content)
    assert sorted(r[0] for r in leader_rows[1:]) == ["张*", "李*"]
    assert AuditEvent.objects.filter(action="basedata.export.people").count() == 2


def test_unmasked_export_for_allowed_roles_is_audited(world, people, client_for):
    url = f"{BASE}/export/people/"
    ok = client_for(world.users["grid_a"]).get(url, {"unmasked": "1", "purpose": "走访名单"})
    assert ok.status_code == 200
    rows = read_rows(ok.content)
    assert rows[1][1] == make_id(1) and rows[1][3] == "13812345678"
    event = AuditEvent.objects.get(action="basedata.export.people")
    assert event.after["unmasked"] is True and event.after["count"] == 1
    assert event.note == "走访名单"
    for user in ("leader", "zhifa", "dispatcher"):
        resp = client_for(world.users[user]).get(url, {"unmasked": "1", "purpose": "看看"})
        assert resp.status_code == 403, user
    no_purpose = client_for(world.users["grid_a"]).get(url, {"unmasked": "1"})
    assert no_purpose.status_code == 400
    assert AuditEvent.objects.filter(action="basedata.export.people").count() == 1


def test_grid_load_endpoint(world, client_for):
    resp = client_for(world.users["leader"]).get(f"{BASE}/grid-load/", {"street": "320571001"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["summary"]["empty"] == 4 and body["blind_area"]["area_m2"] == 0
    assert (
        client_for(world.users["leader"]).get(f"{BASE}/grid-load/", {"min": "x"}).status_code == 400
    )
    assert client_for(world.users["resident"]).get(f"{BASE}/grid-load/").status_code == 403


def test_openapi_schema_includes_basedata(world, client_for):
    resp = client_for(world.users["admin"]).get("/api/v1/schema/", {"format": "json"})
    assert resp.status_code == 200
    paths = resp.json()["paths"]
    assert "/api/v1/basedata/people/{id}/reveal/" in paths or any(
        p.startswith("/api/v1/basedata/people/") and p.endswith("/reveal/") for p in paths
    )


@pytest.mark.parametrize(
    "url",
    [
        "/people/99999999999999999999999/",
        "/people/?household=99999999999999999999999",
        "/people/?page=abc",
        "/houses/?kind=castle",
        "/export/houses/?kind=castle",
        "/grid-load/?street=320571001&min_area=-1",
        "/grid-load/?street=320571001&min=99999999999999999999&max=1",
    ],
)
def test_odd_queries_never_500(world, client_for, url):
    resp = client_for(world.users["admin"]).get(BASE + url)
    assert resp.status_code < 500, resp.content
    body = resp.json()
    assert "error" in body if resp.status_code >= 400 else body["count"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"address": "测试路1号", "lon": 200, "lat": 31},
        {"address": "测试路1号", "lon": 120.005},
        {"address": "测试路1号", "lon": 120.005, "lat": 31.005, "kind": "城堡"},
        {"address": "", "grid": GRID_A},
        {"address": "x" * 201, "grid": GRID_A},
        {"address": "测试路1号", "grid": "not-a-grid"},
    ],
)
def test_bad_house_input_is_400(world, client_for, body):
    resp = client_for(world.users["admin"]).post(f"{BASE}/houses/", body, format="json")
    assert resp.status_code == 400, resp.content
    assert resp.json()["error"]["fields"]
