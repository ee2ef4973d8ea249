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


def _request_strings(document):
    """(component, property, schema) of every string property of every request body schema."""
    names = {
        content["schema"]["$ref"].rsplit("/", 1)[1]
        for item in document["paths"].values()
        for operation in item.values()
        for content in operation.get("requestBody", {}).get("content", {}).values()
        if "$ref" in content.get("schema", {})
    }
    for name in names:
        component = document["components"]["schemas"][name]
        for prop, schema in component.get("properties", {}).items():
            for leaf in (schema, schema.get("items", {})):
                if leaf.get("type") == "string":
                    yield name, prop, leaf


def test_free_text_in_a_request_is_documented_without_nul():
    """A NUL answers 400 (core.parsers; DRF's CharField for forms): the description says so
    on every free-text field, so no schema-valid body is refused for it."""
    import re

    from yiwang.core.schema import TEXT_PATTERN
    from yiwang.tests.openapi_doc import openapi_document

    free_text = [
        (name, prop, leaf)
        for name, prop, leaf in _request_strings(openapi_document())
        if not {"format", "enum"} & set(leaf)
    ]
    assert len(free_text) > 50
    for name, prop, leaf in free_text:
        assert "pattern" in leaf, (name, prop)
        if leaf["pattern"] == TEXT_PATTERN:
            assert re.search(leaf["pattern"], "申请人 Zhang\n") and not re.search(
                leaf["pattern"], "a\x00b"
            )


def test_every_json_body_operation_documents_its_400():
    from yiwang.tests.openapi_doc import openapi_document

    document = openapi_document()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if "application/json" not in operation.get("requestBody", {}).get("content", {}):
                continue
            refused = operation["responses"].get("400", {})
            body = refused.get("content", {}).get("application/json", {}).get("schema", {})
            assert body.get("$ref", "").endswith("/Error"), (method, path)
            assert "NUL" in refused["description"], (method, path)


@pytest.mark.parametrize("content_type", ["application/json", "multipart/form-data"])
def test_nul_in_a_declared_text_field_is_the_documented_400(world, content_type):
    from yiwang.workorders.models import WorkOrder

    before = WorkOrder.objects.count()
    body = {"description": "路灯不亮\x00", "address": "东街 1 号", "category": "01001"}
    fmt = "json" if content_type == "application/json" else "multipart"
    response = api_client(world.users["resident"]).post("/api/v1/workorders/", body, format=fmt)
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["code"] in {"invalid", "invalid_text"}
    assert WorkOrder.objects.count() == before


def test_a_body_without_content_type_is_the_documented_415(world):
    """Found by schemathesis (seed 1, POST party/wishes/): a body sent with no Content-Type
    answers 415, which no operation documented; every operation that reads a body now
    documents 413 and 415 in the JSON error format."""
    from yiwang.tests.openapi_doc import openapi_document

    for item in openapi_document()["paths"].values():
        for method, operation in item.items():
            if "requestBody" in operation:
                assert {"413", "415"} <= set(operation["responses"]), (method, operation)
    client = api_client(world.users["resident"])
    response = client.generic("POST", "/api/v1/party/wishes/", b"\xf1\x87\xb3\x90", content_type="")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
