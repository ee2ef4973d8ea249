"""Issue 11, item 14: schemathesis over the whole OpenAPI description, every operation and
method, every built-in check (the Python API's equivalent of `--checks all`), as each role of
the test world and anonymously: no server error and no answer that differs from the schema.

Bounded in time: per operation and persona one positive and one negative example
(YIWANG_FUZZ_EXAMPLES raises it), no Hypothesis database, each draw seeded from the operation,
persona and mode so that CI is repeatable (YIWANG_FUZZ_SEED changes every draw). An operation
whose parameters admit no schema-violating value has no negative example (nothing to test).
"""

from __future__ import annotations

import os
import zlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from yiwang.tests.openapi_doc import openapi_document

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("YIWANG_FUZZ_EXAMPLES", 1))
SEED = int(os.environ.get("YIWANG_FUZZ_SEED", 0))
PERSONAS = [None, "admin", "leader", "dispatcher", "grid_a", "zhifa", "window", "resident"]


# Operations whose input has a rule that JSON Schema cannot state (a check digit, a reference
# to a row that must exist and be the caller's, a rule across fields, a file's content): a
# schema-valid example may fairly answer 400 with the JSON error, so for these alone 400 joins
# the statuses `positive_data_acceptance` expects. Every other check still runs on them (no
# 500, the 400's body matches the documented error schema, …). Each entry says which rule.
SEMANTIC = {
    "POST /api/v1/auth/token/": "the username and password must match an account",
    "POST /api/v1/approvals/applications/": "exactly one of item or bundle (a rule across "
    "fields), naming a catalogue entry that exists and is published",
    "POST /api/v1/basedata/entities/": "the USCC's check character (GB 32100-2015)",
    "POST /api/v1/basedata/households/": "the grid code must name an existing grid",
    "POST /api/v1/basedata/houses/": "a grid code that exists, or lon and lat together inside "
    "a grid (a rule across fields and a reference)",
    "POST /api/v1/basedata/people/": "the ID number's check digit (GB 11643) and a grid code "
    "that exists",
    "POST /api/v1/basedata/people/search/": "the value's format depends on field (a rule across "
    "fields: phone number or ID number with its check digit)",
    "POST /api/v1/basedata/import/{kind}/": "the file's content must be an .xlsx workbook",
    "GET /api/v1/basedata/export/{kind}/": "unmasked=true needs a purpose of at least two "
    "characters (a rule across parameters)",
    "POST /api/v1/enforcement/matters/import/": "the file's content must be an .xlsx workbook",
    "POST /api/v1/workorders/": "a location: lon and lat together, or an address (a rule across "
    "fields)",
    "GET /api/v1/command/overview/": "to >= from, at most three years apart",
    "GET /api/v1/patrols/found-share/": "to >= from (a rule across parameters)",
    "GET /api/v1/categories/": "lon and lat together (a rule across parameters)",
    "GET /api/v1/kpis/": "to >= from, each defaulting (from: the 1st of this month; to: "
    "today): a rule across parameters",
    "GET /api/v1/basedata/grid-load/": "min <= max, either defaulting to the configured "
    "standard (a rule across parameters and settings)",
    "GET /api/v1/visits/due/": "lon and lat together (a rule across parameters)",
    "GET /api/v1/triage/hotspots/": "the category code names an existing category",
    "POST /api/v1/workorders/{id}/{action}/": "`into` (merge) names an existing order the caller "
    "can see; the action's own fields depend on the action (a rule across fields)",
    "GET /api/v1/command/analysis/": "to >= from, at most three years apart; compare_from and "
    "compare_to together",
    "POST /api/v1/command/tasks/": "due later than now; the grids (or the region's grids) exist "
    "and are the caller's to assign",
    "POST /api/v1/command/assessments/store/": "the month is over (before the current one)",
    "PUT /api/v1/command/assessments/weights/": "the weights' keys are the facts of the chosen "
    "kind and sum to 100",
    "POST /api/v1/economy/firms/": "the USCC check character (GB 32100); the grid must exist",
    "POST /api/v1/economy/figures/import/": "the file is an .xlsx workbook of the template",
    "PUT /api/v1/economy/evaluation-scheme/": "the weights name known indicators and sum to "
    "100; cut-offs 0 < A < B < C < 100",
    "POST /api/v1/economy/evaluations/": "the year is not after the current one and has firms "
    "with figures to evaluate",
    "POST /api/v1/economy/policies/": "the rule is a well-formed condition tree over the firm "
    "fields (core.conditions)",
    "POST /api/v1/party/alliance/": "the community (or street) code exists; a uscc is in the "
    "法人库; without uscc a name",
    "POST /api/v1/party/organisations/{id}/meetings/": "the organisation exists and is the "
    "caller's; held_on is not in the future",
    "POST /api/v1/party/topics/": "the community exists and the caller lives or works there",
}


def _config():
    from schemathesis.config import SchemathesisConfig

    statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]
    return SchemathesisConfig.from_dict(
        {
            # Every declared free-text field says "no NUL" (core.schema.TEXT_PATTERN), so
            # negative examples send NUL there and get the documented 400. What OpenAPI 3.0 (read
            # as JSON Schema draft 4, which has no `propertyNames`) cannot say is the same of the
            # NAMES of undeclared properties, which any object body admits; the parser refuses
            # NUL there too (core.parsers). So positive examples draw no NUL: the one rule the
            # document cannot state, told to the generator instead.
            "generation": {"allow-x00": False},
            "operations": [
                {
                    "include-name": label,
                    "checks": {"positive_data_acceptance": {"expected-statuses": statuses}},
                }
                for label in SEMANTIC
            ],
        }
    )


def _load_schema():
    loaded = schemathesis.openapi.from_dict(openapi_document(), config=_config())
    loaded.app = get_wsgi_application()
    return loaded


SCHEMA = _load_schema()
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]

# Operations that still answer otherwise than documented (found by this test, owned by other
# apps, reported to the lead with the failing request). An entry that starts passing shows as
# XPASS; remove it then. A new operation that fails is not in this list and fails the suite.
R = "schema-valid input refused (400): a rule the request schema does not state"
N = "schema-violating query accepted (200): a parameter outside its documented type or enum"
KNOWN = {}


@pytest.fixture(scope="module")
def personas(django_db_setup, django_db_blocker):
    """The test world and a token per persona, built once for the module inside a transaction
    that is rolled back at the end; each operation runs in a savepoint of its own."""
    from yiwang.testing import build_world

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = build_world()
            headers = {None: {}}
            for name in PERSONAS[1:]:
                headers[name] = {"Authorization": f"Token {_token(world.users[name])}"}
            yield headers
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def same_connection():
    """Requests run inside the test's transaction (as Django's test client does): a finished
    request must not close the connection that holds it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _token(user) -> str:
    from yiwang.accounts.sessions import token_create

    _, key = token_create(user=user)
    return key


def _fuzz(operation, strategy, mode, persona, headers):
    draw = zlib.crc32(f"{operation.label} {persona} {mode}".encode()) + SEED

    @seed(draw)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        case.call_and_validate(headers=headers)

    try:
        run()
    except Unsatisfiable:
        assert mode == GenerationMode.NEGATIVE  # every value fits the schema: nothing to negate


def _param(operation):
    reason = KNOWN.get(operation.label)
    marks = [pytest.mark.xfail(reason=reason, strict=False)] if reason else []
    return pytest.param(operation, id=operation.label, marks=marks)


@pytest.mark.parametrize("operation", [_param(op) for op in OPERATIONS])
def test_operation_answers_as_documented(operation, personas, same_connection):
    """Schema-valid requests as every persona; schema-violating ones as the admin (whom no
    role check stops before the input is read) and anonymously."""
    positive = operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
    negative = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    for persona, headers in personas.items():
        _fuzz(operation, positive, GenerationMode.POSITIVE, persona, headers)
    for persona in (None, "admin"):
        _fuzz(operation, negative, GenerationMode.NEGATIVE, persona, personas[persona])


def test_every_check_runs():
    """`call_and_validate` runs every built-in check (the `--checks all` of the command line);
    only max_response_time needs a limit to mean anything (speed is for benchmarks)."""
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    names = set(CHECKS.get_all_names())
    config = SCHEMA.config.checks_config_for(operation=OPERATIONS[0], phase="fuzzing")
    disabled = {name for name in names if not config.get_by_name(name=name).enabled}
    assert {"not_a_server_error", "response_schema_conformance", "ignored_auth"} <= names
    assert disabled <= {"max_response_time"}, disabled
