"""Every JSON body is an object: a bare number, list, boolean or string answers 400 in the JSON
error format on any endpoint, including those that read `request.data.get(...)` directly."""

import pytest

from yiwang.testing import api_client

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/v1/enforcement/inspection-plans/",
    "/api/v1/command/tasks/",
    "/api/v1/visits/",
    "/api/v1/party/topics/",
]


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize("body", ["5", "[1]", "false", '"ö"'])
def test_a_body_that_is_not_an_object_is_refused(world, url, body):
    client = api_client(world.users["admin"])
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 400, (url, body, response.status_code)
    assert response.json()["error"]["message"] == "请求体必须是 JSON 对象（{...}）。"
