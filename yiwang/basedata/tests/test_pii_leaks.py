"""Issue 11, items 1-2: a masked ID number plus the fields shown beside it never rebuilds the
number, and exact search by ID number or phone is no oracle for roles that see them masked."""

import datetime as dt

import pytest
from django.test import override_settings

from yiwang.basedata import services
from yiwang.basedata.tests.helpers import GRID_A, GRID_B, make_id, read_rows
from yiwang.core.models import AuditEvent
from yiwang.core.pii import age_band

pytestmark = pytest.mark.django_db
BASE = "/api/v1/basedata"
BIRTH = "19740707"


@pytest.fixture
def person(world):
    return services.person_create(
        actor=world.users["grid_a"],
        name="张三",
        id_number=make_id(7, birth=BIRTH),
        grid=GRID_A,
        phone="13812345678",
    )


def _all_text(resp) -> str:
    return resp.content.decode()


def test_age_band():
    assert age_band(dt.date(1974, 7, 7), dt.date(2026, 7, 6)) == "50-59岁"
    assert age_band(dt.date(1974, 7, 7), dt.date(2034, 7, 7)) == "60-69岁"
    assert age_band(None) == ""


@pytest.mark.parametrize("persona", ["leader", "grid_a", "admin"])
def test_no_role_gets_the_birth_date_in_lists_or_details(world, person, client_for, persona):
    """Masked roles and roles that may reveal alike: at most the age band (issue 11, item 1)."""
    client = client_for(world.users[persona])
    for url in (f"{BASE}/people/", f"{BASE}/people/{person.pk}/"):
        resp = client.get(url)
        assert resp.status_code == 200
        body = resp.json()
        row = body["results"][0] if "results" in body else body
        assert "birth_date" not in row
        assert row["age_band"].endswith("岁")
        text = _all_text(resp)
        # neither the ISO date nor the 8 hidden digits appear anywhere in the answer
        assert "1974-07-07" not in text and BIRTH not in text


def test_the_birth_date_comes_only_through_the_audited_reveal(world, person, client_for):
    url = f"{BASE}/people/{person.pk}/reveal/"
    body = {"field": "birth_date", "purpose": "核对年龄"}
    grid = client_for(world.users["grid_a"]).post(url, body, format="json")
    assert grid.status_code == 200, grid.content
    assert grid.json() == {"field": "birth_date", "value": "1974-07-07"}
    assert grid["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="basedata.person.reveal")
    assert event.after == {"field": "birth_date"} and event.note == "核对年龄"
    leader = client_for(world.users["leader"]).post(url, body, format="json")
    assert leader.status_code == 403  # a masked role may not reveal
    assert AuditEvent.objects.filter(action="basedata.person.reveal").count() == 1


def test_masked_export_has_an_age_band_not_the_birth_date(world, person, client_for):
    resp = client_for(world.users["grid_a"]).get(f"{BASE}/export/people/")
    assert resp.status_code == 200
    rows = read_rows(resp.content)
    header, values = rows[0], rows[1]
    assert "出生日期" not in header and "年龄段" in header
    cells = {str(v) for v in values}
    assert not any("1974" in c for c in cells)
    assert values[header.index("年龄段")].endswith("岁")
    unmasked = client_for(world.users["grid_a"]).get(
        f"{BASE}/export/people/", {"unmasked": "1", "purpose": "入户核查"}
    )
    full = read_rows(unmasked.content)
    assert full[1][full[0].index("出生日期")] == "1974-07-07"


def test_query_string_search_by_id_or_phone_is_no_oracle(world, person, client_for):
    leader = client_for(world.users["leader"])
    for value in (make_id(7, birth=BIRTH), "13812345678"):
        assert leader.get(f"{BASE}/people/", {"q": value}).json()["count"] == 0
    # a wrong guess and a right guess answer the same
    assert leader.get(f"{BASE}/people/", {"q": "13812345679"}).json()["count"] == 0


def test_exact_search_is_for_pii_roles_only_audited_and_in_the_body(world, person, client_for):
    url = f"{BASE}/people/search/"
    body = {"field": "phone", "value": "13812345678", "purpose": "入户核实"}
    leader = client_for(world.users["leader"]).post(url, body, format="json")
    assert leader.status_code == 403
    assert not AuditEvent.objects.filter(action="basedata.person.search").exists()
    grid = client_for(world.users["grid_a"]).post(url, body, format="json")
    assert grid.status_code == 200 and grid["Cache-Control"] == "no-store"
    assert [p["id"] for p in grid.json()["results"]] == [person.pk]
    event = AuditEvent.objects.get(action="basedata.person.search")
    assert event.actor == world.users["grid_a"] and event.note == "入户核实"
    assert "13812345678" not in str(event.after) + event.target_id
    by_id = client_for(world.users["grid_a"]).post(
        url,
        {"field": "id_number", "value": make_id(7, birth=BIRTH), "purpose": "核实"},
        format="json",
    )
    assert [p["id"] for p in by_id.json()["results"]] == [person.pk]
    # scope still applies: 乙 finds nothing of 甲's grid
    other = client_for(world.users["grid_b"]).post(url, body, format="json")
    assert other.status_code == 200 and other.json()["results"] == []
    no_purpose = client_for(world.users["grid_a"]).post(
        url, {"field": "phone", "value": "13812345678"}, format="json"
    )
    assert no_purpose.status_code == 400
    assert client_for(world.users["grid_a"]).get(url).status_code == 405


@override_settings(YIWANG_PII_SEARCHES_PER_HOUR=3)
def test_exact_search_is_rate_limited(world, person, client_for):
    services.person_create(
        actor=world.users["grid_b"], name="李四", id_number=make_id(8), grid=GRID_B
    )
    client = client_for(world.users["grid_a"])
    url = f"{BASE}/people/search/"
    answers = [
        client.post(
            url,
            {"field": "phone", "value": f"1381234{n:04d}", "purpose": "核实"},
            format="json",
        ).status_code
        for n in range(5)
    ]
    assert answers == [200, 200, 200, 429, 429]
    assert AuditEvent.objects.filter(action="basedata.person.search").count() == 3
