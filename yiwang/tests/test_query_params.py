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
]

ACCEPTED = [
    ("admin", "/api/v1/grids/?kind=comprehensive&level=grid"),
    ("zhifa", "/api/v1/enforcement/cases/?procedure=simple&stage=clue,investigating&open=true"),
    ("leader", "/api/v1/command/map/?hotspots=1"),
    ("dispatcher", "/api/v1/workorders/?page_size=200"),
    ("resident", "/api/v1/categories/?lon=120.005&lat=31.005"),
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
