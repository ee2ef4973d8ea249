"""Issue 11, item 13: the scope matrix. Every API operation (read from the OpenAPI document, so
a new endpoint appears here by itself) × every persona of the test world × an object inside
and one outside the persona's scope.

`RULES` (one module per pillar in `yiwang.tests.scope`) declares, for each operation, what each
persona must get:
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

import dataclasses
import json
import tempfile

import pytest
from django.db import transaction

from yiwang.tests import scope
from yiwang.tests.openapi_doc import openapi_document
from yiwang.tests.scope.common import PERSONAS, PROBE_ID, Row

pytestmark = pytest.mark.django_db


def _operations():
    doc = openapi_document()
    ops = []
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            ops.append((operation["operationId"], method.upper(), path, operation))
    return ops


OPERATIONS = _operations()
# One row per API operation (operationId), from the pillar modules of `yiwang.tests.scope`.
RULES = scope.merged("RULES")
SEES = scope.merged("SEES")
MODELS = scope.merged("MODELS")
SECRETS = scope.merged("SECRETS")


# ------------------------------------------------------------------------------- the engine


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    """The test world, its objects and a token per persona, built once for the module."""
    from django.test import override_settings

    from yiwang.testing import api_client, build_world

    with (
        django_db_blocker.unblock(),
        tempfile.TemporaryDirectory(prefix="yiwang-scope-media-") as media,
        override_settings(MEDIA_ROOT=media),  # uploaded materials stay out of the project
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = build_world()
            objects = scope.build_objects(world)
            clients = {p: api_client(world.users[p]) for p in PERSONAS}
            clients[None] = api_client(None)
            for client in clients.values():
                client.raise_request_exception = False  # a 500 is a finding, not a crash
            yield world, objects, clients
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _path_values(path: str, operation: dict, obj_id, side="-", row=None, objects=None) -> list:
    """The path, filled in: the object id (or PROBE_ID), the same side's object for a parameter
    the row names in `params`, every documented value of an enum parameter (each is an
    operation of its own), a value that names nothing for the rest."""
    paths = [path]
    named = dict(row.params) if row else {}
    for param in operation.get("parameters", []):
        if param["in"] != "path":
            continue
        name, schema = param["name"], param.get("schema", {})
        if name in ("id", "code"):
            values = [str(obj_id)]
        elif name in named:
            values = [str(objects[named[name]][side] if side in ("A", "D") else PROBE_ID)]
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


def _model(resource):
    from django.apps import apps

    return apps.get_model(MODELS[resource]) if resource else None


def _listed_ids(resp, resource, deep=False) -> set:
    """The ids (grids: codes) of the rows a list answer holds: the items of `results`, of the
    answer itself when it is a list, or of the answer's top-level lists; trees (grids,
    categories) also their `children`. Ids nested inside a row (a firm's officials, an order's
    department) are other objects and are not counted, unless the row says `deep` (then every
    id anywhere in the answer counts)."""
    try:
        body = resp.json()
    except (ValueError, TypeError):
        return set()
    key = "code" if resource == "grid" else "id"
    if deep:
        return _ids_in(body, key, lambda row: row.values())
    if isinstance(body, dict):
        body = body.get("results", [v for v in body.values() if isinstance(v, list)])
    return _ids_in(body, key, lambda row: [row.get("children", [])])


def _ids_in(body, key, inner) -> set:
    """Every `key` of the dicts in `body`, walking lists and what `inner(row)` gives of a row."""
    found, stack = set(), [body]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if key in item:
                found.add(item[key])
            stack.extend(v for v in inner(item) if isinstance(v, (list, dict)))
    return found


def _sides(row: Row, objects) -> list[tuple[str, object]]:
    if row.resource is None:
        return [("probe", PROBE_ID)]
    ids = objects[row.resource]
    return [("A", ids["A"]), ("D", ids["D"])]


def _check_operation(op, row: Row, matrix) -> list[str]:
    """Every way this operation answers against its row; the list of disagreements."""
    world, objects, clients = matrix
    _, method, path, operation = op
    problems = []
    has_object = "{id}" in path or "{code}" in path
    sides = _sides(row, objects) if has_object else [("-", None)]
    model = _model(row.resource)
    base_row = row
    for side, obj_id in sides:
        for url in _path_values(path, operation, obj_id, side, base_row, objects):
            row = _row_for_verb(base_row, url)
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


def _row_for_verb(row: Row, url: str) -> Row:
    """The row with the `may` of the verb the URL ends in, when the row names one in `verbs`."""
    for verb, may in row.verbs:
        if url.rstrip("/").endswith("/" + verb):
            return dataclasses.replace(row, may=may)
    return row


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
        content = b"".join(resp.streaming_content) if resp.streaming else resp.content
        text = content.decode("utf-8", "replace")
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
    listed = _listed_ids(resp, row.resource, row.deep)
    problems = []
    for side, obj_id in objects[row.resource].items():
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
