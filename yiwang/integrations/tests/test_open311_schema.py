"""Schemathesis on the Open311 OpenAPI description, in process against the WSGI app.

Every operation (JSON and XML, GET and POST) is fuzzed with a small number of examples; the
checks are: no 5xx, documented status codes and content types, and JSON bodies that conform
to the schema. Half of the generated POSTs carry the valid api_key and a real service code,
so the create path (intake, grid lookup, deadline) is fuzzed too, not only the refusals; and
half of the reads by id, token or service code ask for one that exists.
"""

from __future__ import annotations

import pytest

from yiwang.integrations.tests.conftest import API_KEY

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis (test extra) missing")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _load_schema():
    from yiwang.wsgi import application

    # The description is static: loading it touches no database.
    return schemathesis.openapi.from_wsgi("/open311/v2/openapi.json", application)


schema = _load_schema()


@pytest.fixture
def _keep_test_connection():
    """Calling the WSGI app directly fires request_started/finished, whose
    close_old_connections would close the connection holding the test's transaction (on
    PostgreSQL; SQLite's in-memory database ignores it). Django's test client disconnects it
    the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def existing(o311, _keep_test_connection):
    """Three orders to read back: dispatched with a photo, in triage, archived."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yiwang.integrations.open311.parsing import RequestInput
    from yiwang.integrations.services import open311_request_create
    from yiwang.integrations.tests.conftest import png_bytes
    from yiwang.workorders.models import WorkOrder

    photo = SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")
    made = [
        open311_request_create(
            api_key=API_KEY,
            data=RequestInput(service_code="09009", lat=31.005, long=120.005, description="违停"),
            photos=[photo],
        ),
        open311_request_create(
            api_key=API_KEY,
            data=RequestInput(service_code="09009", address_string="青剑湖路", address_id="7"),
        ),
        open311_request_create(
            api_key=API_KEY,
            data=RequestInput(service_code="09009", lat=31.005, long=120.015, email="a@b.cn"),
        ),
    ]
    WorkOrder.objects.filter(pk=made[2].work_order_id).update(status="archived")
    return made


def _steer(case, existing) -> None:
    """Point about half of the generated cases at things that exist: a valid key and service
    code for POSTs, known ids, tokens and service codes for the GETs by path."""
    params = case.path_parameters or {}
    pick = existing[len(str(params or case.query)) % len(existing)]
    if "service_request_id" in params and len(params["service_request_id"]) % 2 == 0:
        params["service_request_id"] = pick.work_order.code
    if "token" in params and len(params["token"]) % 2 == 0:
        params["token"] = pick.token
    if "service_code" in params and len(params["service_code"]) % 2 == 0:
        params["service_code"] = "09009"
    body = case.body
    if case.method == "POST" and isinstance(body, dict):
        if len(str(body.get("api_key", ""))) % 2 == 0:
            body["api_key"] = API_KEY
            if len(str(body.get("service_code", ""))) % 2 == 0:
                body["service_code"] = "09009"


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_open311_conforms_to_its_openapi_description(case, existing):
    _steer(case, existing)
    case.call_and_validate(checks=CHECKS)
