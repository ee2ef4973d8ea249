"""Schemathesis on the Open311 OpenAPI description, in process against the WSGI app.

Every operation (JSON and XML, GET and POST) is fuzzed with a small number of examples; the
checks are: no 5xx, documented status codes and content types, and JSON bodies that conform
to the schema. Half of the generated POSTs carry the valid api_key and a real service code,
so the create path (intake, grid lookup, deadline) is fuzzed too, not only the refusals.
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


def _steer(case) -> None:
    """Give about half of the generated POSTs a valid key and service code."""
    body = case.body
    if case.method != "POST" or not isinstance(body, dict):
        return
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
def test_open311_conforms_to_its_openapi_description(case, o311):
    _steer(case)
    case.call_and_validate(checks=CHECKS)
