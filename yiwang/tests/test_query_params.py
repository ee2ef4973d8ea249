"""Query parameters outside their documented type or enum answer 400 in the JSON error format,
never a silent 200 that ignores them (issue 11, found by schemathesis)."""

import pytest

from yiwang.testing import api_client

pytestmark = pytest.mark.django_db

REFUSED = [
    ("admin", "/api/v1/grids/?kind=bogus"),
    ("admin", "/api/v1/grids/?level=planet"),
    ("zhifa", "/api/v1/enforcement/cases/?procedure=quick"),
    ("zhifa", "/api/v1/enforcement/cases/?stage=clue,nowhere"),
    ("zhifa", "/api/v1/enforcement/cases/?open=maybe"),
    ("leader", "/api/v1/command/map/?hotspots=maybe"),
    ("dispatcher", "/api/v1/workorders/?page_size=0"),
    ("dispatcher", "/api/v1/workorders/?page_size=201"),
    ("dispatcher", "/api/v1/workorders/?page_size=ten"),
    ("resident", "/api/v1/categories/?lon=true"),
    ("resident", "/api/v1/categories/?lon=120.005"),
    ("admin", "/api/v1/economy/firms/?page_size=501"),
    ("leader", "/api/v1/command/assessments/?month=0000-01"),
    ("leader", "/api/v1/command/assessments/?month=9999-12"),
    # A page that is no whole number from 1 (core.pagination), on every kind of paged list.
    ("admin", "/api/v1/economy/firms/?page="),
    ("admin", "/api/v1/economy/firms/?page=0"),
    ("admin", "/api/v1/economy/firms/?page=last"),
    ("dispatcher", "/api/v1/workorders/?page=-1"),
    ("admin", "/api/v1/grids/?page="),
    ("admin", "/api/v1/notifications/?page=x"),
    ("admin", "/api/v1/approvals/applications/?page="),
    ("admin", "/api/v1/party/topics/?page=1.5"),
    # Seed 1: coordinates beyond WGS-84 were ignored when a region was given.
    ("resident", "/api/v1/categories/?lon=1.6e16&lat=-4.5e16&region=x"),
]

ACCEPTED = [
    ("admin", "/api/v1/grids/?kind=comprehensive&level=grid"),
    ("zhifa", "/api/v1/enforcement/cases/?procedure=simple&stage=clue,investigating&open=true"),
    ("leader", "/api/v1/command/map/?hotspots=1"),
    ("dispatcher", "/api/v1/workorders/?page_size=200"),
    ("resident", "/api/v1/categories/?lon=120.005&lat=31.005"),
    ("admin", "/api/v1/economy/firms/?page=1"),
    ("admin", "/api/v1/grids/?page=1&page_size=2"),
    ("admin", "/api/v1/party/topics/?page=1"),
]


@pytest.mark.parametrize("persona, url", REFUSED)
def test_a_parameter_outside_its_type_or_enum_is_refused(world, persona, url):
    response = api_client(world.users[persona]).get(url)
    assert response.status_code == 400, (url, response.status_code)
    assert response.json()["error"]["message"]


@pytest.mark.parametrize("persona, url", ACCEPTED)
def test_documented_values_are_accepted(world, persona, url):
    response = api_client(world.users[persona]).get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])


@pytest.mark.parametrize(
    "url", ["/api/v1/economy/firms/?page=999999", "/api/v1/notifications/?page=99"]
)
def test_a_whole_page_beyond_the_last_is_not_found(world, url):
    response = api_client(world.users["admin"]).get(url)
    assert response.status_code == 404, (url, response.status_code)
    assert response.json()["error"]["code"] == "not_found"


def test_coordinates_in_a_query_are_documented_with_their_range(world):
    """lon/lat outside WGS-84 degrees answer 400 (found by schemathesis, seed 1:
    visits/due/?lon=4.86e16): every lon/lat query parameter documents the range."""
    from yiwang.tests.openapi_doc import openapi_document

    seen = 0
    for item in openapi_document()["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter["name"] in {"lon", "lat"}:
                    seen += 1
                    high = 180 if parameter["name"] == "lon" else 90
                    assert (parameter["schema"]["minimum"], parameter["schema"]["maximum"]) == (
                        -high,
                        high,
                    )
    assert seen >= 6
    response = api_client(world.users["grid_a"]).get("/api/v1/visits/due/?lon=4.8e16&lat=30")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "value", ["", "clue", "clue,investigating", " clue,,closed, ", "E", "clue,E", "clueclosed"]
)
def test_a_choice_list_pattern_admits_exactly_what_query_choice_accepts(value):
    """Found by schemathesis, seed 1: enforcement/cases/?stage=E was schema-valid (a plain
    string) yet refused; the parameter now carries the pattern of what is accepted."""
    import re

    from yiwang.core.api import choice_list_schema, query_choice
    from yiwang.core.errors import ValidationFailed

    choices = ["clue", "investigating", "closed"]
    try:
        query_choice({"stage": value}, "stage", choices, many=True)
        accepted = True
    except ValidationFailed:
        accepted = False
    assert bool(re.search(choice_list_schema(choices)["pattern"], value)) == accepted, value


def test_schema_states_what_fieldwork_and_enforcement_parameters_accept(world):
    """Seed 1 findings: visits/?household=<40 digits> was a 500 (the database cannot hold the
    number): now no visit matches it; visits/coverage/?round=24965 and enforcement/kpis/?to=x
    were schema-valid and refused: the description now gives the range and the date format."""
    from yiwang.tests.openapi_doc import openapi_document

    paths = openapi_document()["paths"]

    def schema(path, name):
        parameters = paths[path]["get"]["parameters"]
        return next(p["schema"] for p in parameters if p["name"] == name)

    assert schema("/api/v1/visits/coverage/", "round")["maximum"] == 1200
    assert schema("/api/v1/enforcement/kpis/", "to")["format"] == "date"
    assert "pattern" in schema("/api/v1/enforcement/cases/", "stage")
    response = api_client(world.users["grid_a"]).get(f"/api/v1/visits/?household={10**40}")
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_schema_states_what_basedata_and_approvals_parameters_accept():
    """Seed 1 findings, schema-valid values refused: basedata/houses/?kind=<text> and
    entities/?kind=<text> (each list has its own kinds), people/?household=-109 (digits only),
    grid-load/?min_area=-5165 (not below 0), approvals/kpis/?from=<text> (a date)."""
    from yiwang.basedata.models import House, LegalEntity
    from yiwang.tests.openapi_doc import openapi_document

    paths = openapi_document()["paths"]

    def schema(path, name):
        parameters = paths[path]["get"]["parameters"]
        return next(p["schema"] for p in parameters if p["name"] == name)

    assert set(schema("/api/v1/basedata/houses/", "kind")["enum"]) == {"", *House.Kind.values}
    kinds = set(schema("/api/v1/basedata/entities/", "kind")["enum"])
    assert kinds == {"", *LegalEntity.Kind.values}
    assert schema("/api/v1/basedata/people/", "household")["minimum"] == 0
    for name in ("min", "max", "min_area"):
        assert schema("/api/v1/basedata/grid-load/", name)["minimum"] == 0
    assert schema("/api/v1/approvals/kpis/", "from")["format"] == "date"


@pytest.mark.parametrize(
    "persona, path, name",
    [
        ("zhifa", "/api/v1/enforcement/kpis/", "from"),
        ("grid_a", "/api/v1/visits/coverage/", "round"),
        ("admin", "/api/v1/approvals/kpis/", "to"),
    ],
)
def test_an_empty_value_read_as_absent_is_documented(world, persona, path, name):
    """Seed 2 findings: enforcement/kpis/?from= and visits/coverage/?round= were schema-violating
    (a date, an integer) yet accepted: the view reads them as absent, and now says so."""
    from yiwang.tests.openapi_doc import openapi_document

    parameters = openapi_document()["paths"][path]["get"]["parameters"]
    parameter = next(p for p in parameters if p["name"] == name)
    assert parameter.get("allowEmptyValue") is True
    assert not any(key.startswith("x-") for key in parameter)
    response = api_client(world.users[persona]).get(f"{path}?{name}=")
    assert response.status_code == 200, response.content[:300]


def test_schema_states_what_workorder_parameters_accept():
    """Seed 1 findings, schema-valid values refused: workorders/?department=-3026… (an id is
    digits) and kpis/?to=5498-10-11 (the KPI dates run from 2000 to 2099)."""
    from yiwang.tests.openapi_doc import openapi_document

    paths = openapi_document()["paths"]

    def schema(path, name):
        parameters = paths[path]["get"]["parameters"]
        return next(p["schema"] for p in parameters if p["name"] == name)

    assert schema("/api/v1/workorders/", "department")["minimum"] == 0
    assert schema("/api/v1/kpis/", "department")["maximum"] == 2**63 - 1
    assert schema("/api/v1/kpis/", "to")["pattern"] == "^20[0-9]{2}-"
    assert "pattern" in schema("/api/v1/workorders/", "status")


@pytest.mark.parametrize(
    "value", ["", "  ", "submitted", "submitted, triage", ",triage,,", "bogus", "triage,bogus"]
)
def test_a_spaced_choice_list_pattern_admits_exactly_what_the_status_filter_accepts(world, value):
    """Seed 2 finding: workorders/?status=limit_value was schema-valid (a plain string) yet
    refused; the pattern now admits exactly what the filter (which strips each item) accepts."""
    import re

    from yiwang.core.api import choice_list_schema
    from yiwang.workorders.models import WorkOrder

    pattern = choice_list_schema(WorkOrder.Status.values, spaced=True)["pattern"]
    response = api_client(world.users["dispatcher"]).get("/api/v1/workorders/", {"status": value})
    assert response.status_code in {200, 400}
    assert bool(re.search(pattern, value)) == (response.status_code == 200), value


def test_drf_format_parameter_documents_an_empty_value(world):
    """Seed 2 finding: basedata/templates/houses/?format= was accepted (DRF reads it as absent)
    while the description admitted only json or xlsx."""
    from yiwang.tests.openapi_doc import openapi_document

    operation = openapi_document()["paths"]["/api/v1/basedata/templates/{kind}/"]["get"]
    parameter = next(p for p in operation["parameters"] if p["name"] == "format")
    assert parameter["allowEmptyValue"] is True
    response = api_client(world.users["admin"]).get("/api/v1/basedata/templates/houses/?format=")
    assert response.status_code == 200
