"""Issue 11, item 12: the OpenAPI description matches the API: paginated lists are documented
as pages, the JSON error format for 400/401/403/404/409, materials with their real types."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db
WRITE = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def _ref(response) -> str:
    return response["content"]["application/json"]["schema"].get("$ref", "")


def test_every_operation_documents_its_error_statuses(schema):
    missing = []
    for path, method, operation in _operations(schema):
        codes = set(operation["responses"])
        expected = {"400"} | ({"404"} if "{" in path else set())
        expected |= {"409"} if method in WRITE else set()
        if not expected <= codes:
            missing.append((method, path, sorted(expected - codes)))
    assert missing == []
    error = schema["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["$ref"].endswith("/ErrorDetail")


def test_signed_in_operations_document_401_and_open_ones_do_not(schema):
    token = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert "401" not in token
    me = schema["paths"]["/api/v1/auth/me/"]["get"]["responses"]
    assert {"401", "403"} <= set(me)
    assert _ref(me["401"]).endswith("/Error")


@pytest.mark.parametrize(
    "path, component",
    [
        ("/api/v1/workorders/", "PaginatedWorkOrderList"),
        ("/api/v1/basedata/people/", "PaginatedPersonList"),
        ("/api/v1/basedata/houses/", "PaginatedHouseList"),
        ("/api/v1/basedata/entities/", "PaginatedEntityList"),
        ("/api/v1/basedata/households/", "PaginatedHouseholdList"),
    ],
)
def test_paginated_lists_are_documented_as_pages(schema, world, client_for, path, component):
    documented = schema["paths"][path]["get"]["responses"]["200"]
    assert _ref(documented).endswith(f"/{component}")
    page = schema["components"]["schemas"][component]
    answered = client_for(world.users["admin"]).get(path).json()
    assert set(answered) == set(page["properties"])  # count, next, previous, results


def test_materials_are_documented_with_the_types_they_are_served_with(schema):
    (path,) = [p for p in schema["paths"] if p.endswith("/file/") and "materials" in p]
    content = schema["paths"][path]["get"]["responses"]["200"]["content"]
    assert {"application/pdf", "image/jpeg", "image/png"} <= set(content)
    assert "application/octet-stream" not in content


def test_every_list_that_answers_a_page_is_documented_as_one(schema):
    """Views that page by hand (paginate_queryset) in any app, named or not."""
    import re

    from django.urls import Resolver404, get_resolver

    from yiwang.core.schema import paginates

    paged = []
    for path, item in schema["paths"].items():
        if "get" not in item:
            continue
        try:
            match = get_resolver().resolve(re.sub(r"\{[^}]+\}", "1", path))
        except Resolver404:
            continue
        view = getattr(match.func, "view_class", None)
        if view is not None and paginates(view, "get"):
            paged.append(path)
            documented = item["get"]["responses"]["200"]["content"]["application/json"]
            assert documented["schema"].get("type") != "array", path  # a page, not a list
    assert {"/api/v1/workorders/", "/api/v1/approvals/applications/"} <= set(paged)
    page = schema["paths"]["/api/v1/approvals/applications/"]["get"]["responses"]["200"]
    assert _ref(page).endswith("/PaginatedApplicationSummaryList")
