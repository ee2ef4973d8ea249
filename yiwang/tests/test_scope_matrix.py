"""Issue 11, item 13: the scope matrix. Every API operation (read from the OpenAPI document, so
a new endpoint appears here by itself) × every persona of the test world × an object inside
and one outside the persona's scope.

`RULES` declares, for each operation, what each persona must get:
- reads (`list`, `detail`): 200 for the personas that may use the operation, 403 for the
  others; a list holds exactly the objects the persona's scope covers (`SEES`), a detail
  answers 404 for an object outside it ("not yours" answers like "not found");
- writes (`write`): every persona that may not write there (wrong role, or the object outside
  their scope) gets 403 or 404, and nothing changes (no audit event, no new row, the object's
  version and row unchanged);
- every GET answer, to every persona, is free of the plain ID numbers and phones of the world
  (masked fields stay masked; the plain value only through an audited POST reveal).
An operation with no row fails `test_every_operation_has_a_scope_row`.

The world is built once for the module (in a transaction rolled back at the end); each
operation's requests run in a savepoint rolled back after them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.db import transaction

from yiwang.tests.openapi_doc import openapi_document
from yiwang.tests.scope_world import SECRETS, build_objects

pytestmark = pytest.mark.django_db

PERSONAS = [
    "admin",
    "leader",
    "dispatcher",
    "grid_a",
    "grid_b",
    "zhifa",
    "shiye",
    "window",
    "resident",
    "resident2",
]
ALL = frozenset(PERSONAS)
STREET = frozenset({"admin", "leader", "dispatcher"})
NOBODY = frozenset()
PROBE_ID = 987654321


def _operations():
    doc = openapi_document()
    ops = []
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            ops.append((operation["operationId"], method.upper(), path, operation))
    return ops


OPERATIONS = _operations()


@dataclass(frozen=True)
class Row:
    """What one operation answers. `kind`: list, detail, write or open (no scope: every
    signed-in persona gets `status`). `resource`: a key of `SEES` when the path or the answer
    names objects of the world; None when the test world has no such object yet (then the path
    gets an id that does not exist, and only "not found, nothing changed" is asserted). `may`:
    the personas the operation is for; the others get 403 (or 404). `query`: added to the URL.
    `refused_400`: a known gap (reported): this write reads its body before it looks the object
    up, so a refused write answers 400 instead of 404; it must still change nothing."""

    kind: str
    resource: str | None = None
    may: frozenset = ALL
    anonymous: int = 401
    query: str = ""
    status: int = 200
    refused_400: str = ""


RESIDENTS = frozenset({"resident", "resident2"})
BODY_FIRST = "validates the body before it looks the object up (400, not 404)"
# Which personas see the A-side object and the D-side object of each resource.
PEOPLE_A = STREET | {"grid_a", "window"}
PEOPLE_D = STREET | {"window"}
PLACES_A = PEOPLE_A | {"zhifa", "shiye"}
PLACES_D = PEOPLE_D | {"zhifa", "shiye"}
SEES = {
    "person": {"A": PEOPLE_A, "D": PEOPLE_D},
    "household": {"A": PEOPLE_A, "D": PEOPLE_D},
    "house": {"A": PLACES_A, "D": PLACES_D},
    "entity": {"A": PLACES_A, "D": PLACES_D},
    "workorder": {
        "A": STREET | {"grid_a", "zhifa", "resident"},
        "D": STREET | {"shiye", "resident2"},
    },
    "grid": {"A": STREET | {"grid_a"}, "D": STREET},
}


# One row per API operation (operationId), checked against the OpenAPI document.
RULES = {
    "approvals_applications_action": Row("write"),
    "approvals_applications_get": Row("detail"),
    "approvals_applications_list": Row("list"),
    "approvals_applications_submit": Row("write"),
    "approvals_bundles_get": Row("detail", anonymous=404),  # 办事指南: public
    "approvals_bundles_list": Row("open", anonymous=200),  # 办事指南: public
    "approvals_catalogue_export": Row("open", anonymous=200),  # 办事指南: public
    "approvals_items_get": Row("detail", anonymous=404),  # 办事指南: public
    "approvals_items_list": Row("open", anonymous=200),  # 办事指南: public
    "approvals_kpis": Row("list"),
    "approvals_materials_add": Row("write"),
    "approvals_materials_file": Row("detail"),
    "approvals_materials_list": Row("detail"),
    "approvals_materials_reusable": Row("list"),
    "approvals_rectifications_action": Row("write"),
    "approvals_rectifications_list": Row("list"),
    "approvals_steps_list": Row("list"),
    "auth_logout_create": Row("write"),
    "auth_me_retrieve": Row("list"),
    "auth_sessions_destroy": Row("write"),
    "auth_sessions_list": Row("list"),
    "auth_token_create": Row("write", anonymous=400),  # sign-in: open, wrong credentials 400
    "basedata_entities_create": Row("write", "entity"),
    "basedata_entities_list": Row("list", "entity"),
    "basedata_entities_partial_update": Row("write", "entity"),
    "basedata_entities_retrieve": Row("detail", "entity"),
    "basedata_export_retrieve": Row("detail"),
    "basedata_grid_load_retrieve": Row("list", may=ALL - RESIDENTS),
    "basedata_households_create": Row("write", "household"),
    "basedata_households_list": Row("list", "household"),
    "basedata_households_partial_update": Row("write", "household"),
    "basedata_households_retrieve": Row("detail", "household"),
    "basedata_houses_create": Row("write", "house"),
    "basedata_houses_list": Row("list", "house"),
    "basedata_houses_partial_update": Row("write", "house"),
    "basedata_houses_retrieve": Row("detail", "house"),
    "basedata_import_create": Row("write"),
    "basedata_imports_error_report_retrieve": Row("detail"),
    "basedata_imports_retrieve": Row("detail"),
    "basedata_people_colour_create": Row("write", "person"),
    "basedata_people_create": Row("write", "person"),
    "basedata_people_list": Row("list", "person"),
    "basedata_people_partial_update": Row("write", "person"),
    "basedata_people_retrieve": Row("detail", "person"),
    "basedata_people_reveal_create": Row("write", "person"),
    "basedata_people_search_create": Row("write"),
    "basedata_people_tags_create": Row("write", "person"),
    "basedata_tags_list": Row("list"),
    "basedata_templates_retrieve": Row("detail"),
    "categories_list": Row("list"),
    "command_analysis_retrieve": Row("list"),
    "command_assessments_retrieve": Row("list", query="?month=2026-11"),
    "command_assessments_store_create": Row("write"),
    "command_assessments_weights_update": Row("write"),
    "command_assignment_action": Row("write"),
    "command_incident_action": Row("write"),
    "command_incidents_create": Row("write"),
    "command_incidents_list": Row("list"),
    "command_incidents_retrieve": Row("detail"),
    "command_layers_colours_retrieve": Row("list"),
    "command_layers_firms_retrieve": Row("list"),
    "command_map_retrieve": Row("list"),
    "command_overview_retrieve": Row("list"),
    "command_tasks_create": Row("write"),
    "command_tasks_list": Row("list"),
    "command_tasks_retrieve": Row("detail"),
    "economy_evaluation_scheme_retrieve": Row("list", may=frozenset({"admin", "leader"})),
    "economy_evaluation_scheme_update": Row("write"),
    "economy_evaluations_create": Row("write"),
    "economy_evaluations_export_retrieve": Row("detail"),
    "economy_evaluations_list": Row("list"),
    "economy_evaluations_map_retrieve": Row("detail"),
    "economy_evaluations_retrieve": Row("detail"),
    "economy_figures_import_create": Row("write"),
    "economy_firms_contacts_create": Row("write"),
    "economy_firms_create": Row("write"),
    "economy_firms_figures_create": Row("write"),
    "economy_firms_list": Row("list"),
    "economy_firms_officials_create": Row("write"),
    "economy_firms_partial_update": Row("write"),
    "economy_firms_requests_create": Row("write"),
    "economy_firms_retrieve": Row("detail"),
    "economy_firms_visits_create": Row("write"),
    "economy_kpis_retrieve": Row("list"),
    "economy_my_firm_retrieve": Row("open", status=404),  # no persona is bound to a firm
    "economy_policies_create": Row("write"),
    "economy_policies_eligible_list": Row("detail"),
    "economy_policies_list": Row("list"),
    "economy_policies_partial_update": Row("write"),
    "economy_policies_push_create": Row("write"),
    "economy_policies_retrieve": Row("detail"),
    "economy_requests_list": Row("list"),
    "economy_requests_rate_create": Row("write"),
    "enforcement_cases_action": Row("write"),
    "enforcement_cases_document": Row("write"),
    "enforcement_cases_dossier": Row("detail"),
    "enforcement_cases_get": Row("detail"),
    "enforcement_cases_list": Row("list"),
    "enforcement_cases_open": Row("write"),
    "enforcement_documents_pdf": Row("detail"),
    "enforcement_documents_void": Row("write"),
    "enforcement_kpis": Row("list"),
    "enforcement_matters_export": Row("open", anonymous=200),  # 权责清单: public
    "enforcement_matters_import": Row("write"),
    "enforcement_matters_list": Row("open", anonymous=200),  # 权责清单: public
    "enforcement_plans_create": Row("write"),
    "enforcement_plans_draw": Row("write"),
    "enforcement_plans_get": Row("detail"),
    "enforcement_plans_list": Row("list"),
    "enforcement_plans_result": Row("write"),
    "enforcement_referral_receipt": Row("write"),
    "enforcement_summons_action": Row("write"),
    "grids_list": Row("open"),
    "grids_locate_retrieve": Row("open", query="?lon=120.005&lat=31.005"),
    "grids_retrieve": Row("detail", "grid"),
    "kpis_retrieve": Row("list"),
    "notifications_list": Row("list"),
    "notifications_read_all_create": Row("write"),
    "notifications_read_create": Row("write"),
    "party_activities_retrieve": Row("list"),
    "party_activities_signup_create": Row("write"),
    "party_alliance_create": Row("write"),
    "party_alliance_retrieve": Row("list"),
    "party_colours_compute_create": Row("write"),
    "party_colours_retrieve": Row("list"),
    "party_members_transfer_create": Row("write"),
    "party_organisations_meetings_create": Row("write", refused_400=BODY_FIRST),
    "party_organisations_retrieve": Row("list"),
    "party_projects_progress_create": Row("write"),
    "party_topic_action": Row("write"),
    "party_topic_detail": Row("detail"),
    "party_topic_list": Row("list"),
    "party_topic_propose": Row("write"),
    "party_topics_comments_create": Row("write"),
    "party_topics_vote_create": Row("write"),
    "party_volunteers_record_retrieve": Row("open", status=404),  # no persona is a volunteer
    "party_wish_action": Row("write"),
    "party_wish_list": Row("list"),
    "party_wish_post": Row("write"),
    "patrol_detail": Row("detail"),
    "patrol_list": Row("list"),
    "patrol_start": Row("write"),
    "patrols_coverage_retrieve": Row("open", status=404),  # without a grid of theirs: 404
    "patrols_end_create": Row("write"),
    "patrols_found_share_retrieve": Row("list"),
    "patrols_points_create": Row("write", refused_400=BODY_FIRST),
    "patrols_reports_create": Row("write"),
    "responsibility_rules_list": Row("list"),
    "triage_hotspots_retrieve": Row("list"),
    "visit_detail": Row("detail"),
    "visit_list": Row("list"),
    "visit_record": Row("write"),
    "visits_coverage_retrieve": Row("list"),
    "visits_due_retrieve": Row("list"),
    "workorders_action": Row(
        "write", "workorder", refused_400="merge, extend_decide: " + BODY_FIRST
    ),
    "workorders_assist_task_action": Row("write", "workorder"),
    "workorders_create": Row("write", "workorder"),
    "workorders_list": Row("list", "workorder"),
    "workorders_photos_retrieve": Row("detail"),  # no photo in the world: 404 for every persona
    "workorders_retrieve": Row("detail", "workorder"),
    "workorders_support": Row("write", "workorder"),
}


# ------------------------------------------------------------------------------- the engine


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    """The test world, its objects and a token per persona, built once for the module."""
    from yiwang.testing import api_client, build_world

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = build_world()
            objects = build_objects(world)
            clients = {p: api_client(world.users[p]) for p in PERSONAS}
            clients[None] = api_client(None)
            for client in clients.values():
                client.raise_request_exception = False  # a 500 is a finding, not a crash
            yield world, objects, clients
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _path_values(path: str, operation: dict, obj_id) -> list[str]:
    """The path, filled in: the object id (or PROBE_ID), every documented value of an enum
    parameter (each is an operation of its own), a value that names nothing for the rest."""
    paths = [path]
    for param in operation.get("parameters", []):
        if param["in"] != "path":
            continue
        name, schema = param["name"], param.get("schema", {})
        if name in ("id", "code"):
            values = [str(obj_id)]
        elif schema.get("enum"):
            values = [str(v) for v in schema["enum"]]
        elif schema.get("type") == "integer":
            values = [str(PROBE_ID)]
        else:
            values = ["nope"]
        paths = [p.replace("{" + name + "}", v) for p in paths for v in values]
    return paths


def _call(client, method: str, url: str, body: dict | None = None):
    if method == "GET":
        return client.get(url)
    return getattr(client, method.lower())(url, body or {}, format="json")


def _fingerprint(model=None, pk=None):
    """What a refused write must leave as it was: the audit log, the resource's rows."""
    from yiwang.core.models import AuditEvent

    mark = [AuditEvent.objects.count()]
    if model is not None:
        mark.append(model.objects.count())
        if pk is not None:
            mark.append(json.dumps(list(model.objects.filter(pk=pk).values()), default=str))
    return mark


MODELS = {
    "person": "basedata.Person",
    "household": "basedata.Household",
    "house": "basedata.House",
    "entity": "basedata.LegalEntity",
    "workorder": "workorders.WorkOrder",
    "grid": "grids.Region",
}


def _model(resource):
    from django.apps import apps

    return apps.get_model(MODELS[resource]) if resource else None


def _listed_ids(resp, resource) -> set:
    """The ids (grids: codes) of the world's objects that a list answer holds."""
    try:
        body = resp.json()
    except (ValueError, TypeError):
        return set()
    rows = body.get("results", body) if isinstance(body, dict) else body
    key = "code" if resource == "grid" else "id"
    found, stack = set(), [rows]
    while stack:  # trees (grids, categories) nest their rows
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if key in item:
                found.add(item[key])
            stack.extend(v for v in item.values() if isinstance(v, (list, dict)))
    return found


def _sides(row: Row, objects) -> list[tuple[str, object]]:
    if row.resource is None:
        return [("probe", PROBE_ID)]
    ids = objects.ids[row.resource]
    return [("A", ids["A"]), ("D", ids["D"])]


def _check_operation(op, row: Row, matrix) -> list[str]:
    """Every way this operation answers against its row; the list of disagreements."""
    world, objects, clients = matrix
    _, method, path, operation = op
    problems = []
    has_object = "{id}" in path or "{code}" in path
    sides = _sides(row, objects) if has_object else [("-", None)]
    model = _model(row.resource)
    for side, obj_id in sides:
        for url in _path_values(path, operation, obj_id):
            url += row.query
            problems += _anonymous(clients[None], method, url, row)
            for persona in PERSONAS:
                sid = transaction.savepoint()
                try:
                    problems += _one(
                        clients[persona], persona, method, url, row, side, model, obj_id, objects
                    )
                finally:
                    transaction.savepoint_rollback(sid)
    return problems


def _anonymous(client, method, url, row) -> list[str]:
    resp = _call(client, method, url)
    if resp.status_code != row.anonymous:
        return [f"anonymous {method} {url}: {resp.status_code}, expected {row.anonymous}"]
    return []


def _one(client, persona, method, url, row, side, model, obj_id, objects) -> list[str]:
    where = f"{persona} {method} {url}"
    pk = obj_id if side in ("A", "D") and row.resource != "grid" else None
    before = _fingerprint(model, pk)
    resp = _call(client, method, url)
    status = resp.status_code
    problems = [f"{where}: server error {status}"] if status >= 500 else []
    if method == "GET":
        text = resp.content.decode("utf-8", "replace")
        leaked = [s for s in SECRETS if s in text]
        if leaked:
            problems.append(f"{where}: plain personal data in the answer {leaked}")
    if row.kind == "open":
        if status != row.status:
            problems.append(f"{where}: {status}, expected {row.status} (the same for everyone)")
    elif row.kind == "list":
        problems += _check_list(resp, persona, row, where, objects)
    elif row.kind == "detail":
        problems += _check_detail(status, persona, row, side, where)
    elif row.kind == "write":
        problems += _check_write(status, persona, row, side, where)
        if (
            persona not in row.may
            or (side in SEES.get(row.resource, {}) and persona not in SEES[row.resource][side])
            or side == "probe"
        ):
            after = _fingerprint(model, pk)
            if after != before:
                problems.append(f"{where}: a refused write changed data ({before} -> {after})")
    return problems


def _check_list(resp, persona, row, where, objects) -> list[str]:
    if persona not in row.may:
        return (
            [] if resp.status_code in (403, 404) else [f"{where}: {resp.status_code}, expected 403"]
        )
    if resp.status_code != 200:
        return [f"{where}: {resp.status_code}, expected 200"]
    if row.resource is None:
        return []
    listed = _listed_ids(resp, row.resource)
    problems = []
    for side, obj_id in objects.ids[row.resource].items():
        expected = persona in SEES[row.resource][side]
        if (obj_id in listed) != expected:
            verb = "misses" if expected else "shows"
            problems.append(f"{where}: the list {verb} the {side}-side {row.resource}")
    return problems


def _check_detail(status, persona, row, side, where) -> list[str]:
    if persona not in row.may:
        return [] if status in (403, 404) else [f"{where}: {status}, expected 403 or 404"]
    if side == "probe":
        return [] if status == 404 else [f"{where}: {status}, expected 404 (no such object)"]
    if side == "-":  # a path without an object (an export, a template)
        return [] if status == 200 else [f"{where}: {status}, expected 200"]
    expected = 200 if persona in SEES[row.resource][side] else 404
    return [] if status == expected else [f"{where}: {status}, expected {expected}"]


def _check_write(status, persona, row, side, where) -> list[str]:
    refused = persona not in row.may or side == "probe"
    if side in ("A", "D") and persona not in SEES[row.resource][side]:
        refused = True
    allowed = (403, 404, 400) if row.refused_400 else (403, 404)
    if refused and status not in allowed:
        return [f"{where}: {status}, expected 403 or 404 (and nothing changed)"]
    return []


# ------------------------------------------------------------------------------- the proofs


def test_every_operation_has_a_scope_row():
    ids = {op[0] for op in OPERATIONS}
    missing = sorted(ids - set(RULES))
    assert missing == [], f"new endpoint without a scope row: {missing}"
    assert sorted(set(RULES) - ids) == [], "a scope row for an operation that is gone"


@pytest.mark.parametrize("op", OPERATIONS, ids=[op[0] for op in OPERATIONS])
def test_operation_answers_as_its_scope_row_says(op, matrix):
    row = RULES.get(op[0])
    if row is None:
        pytest.fail(f"new endpoint without a scope row: {op[0]} ({op[1]} {op[2]})")
    assert _check_operation(op, row, matrix) == []


def test_the_matrix_sees_a_leak(matrix, monkeypatch):
    """The engine is no empty test: a list that forgets its scope is caught."""
    from yiwang.basedata import selectors
    from yiwang.basedata.models import Person

    monkeypatch.setattr(selectors, "_base", lambda model, user: model.objects.all())
    op = next(o for o in OPERATIONS if o[0] == "basedata_people_list")
    problems = _check_operation(op, RULES[op[0]], matrix)
    assert any("shows the D-side person" in p for p in problems), problems
    assert Person.objects.count() == 2
