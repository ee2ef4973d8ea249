"""The floors of the house (design.md "Layout"), read from the source with `ast`: no app imports
an app on a higher floor, no two apps import each other (the app graph has no cycle), and, since
the dispatcher's console moved into command, workorders imports nothing of triage (triage fills
workorders' hooks instead). Tests and migrations are left out: tests may import anything."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yiwang

ROOT = Path(yiwang.__file__).parent
# From the ground up; pillars share a floor and may use one another sideways (no cycles).
FLOORS = {
    "core": 0,
    "accounts": 1,
    "notifications": 1,
    "grids": 2,
    "basedata": 3,
    **dict.fromkeys(
        ["workorders", "triage", "approvals", "enforcement", "fieldwork", "party", "economy"], 4
    ),
    "command": 5,
    "integrations": 5,
}


def _apps() -> list[str]:
    return sorted(p.name for p in ROOT.iterdir() if (p / "apps.py").exists())


def _sources(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        parts = path.relative_to(ROOT / app).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield path


def _imported_apps(path: Path, apps: set[str]) -> set[str]:
    """The other apps `path` imports (any `import` or `from … import`, at any depth)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
            if node.module == "yiwang":  # from yiwang import triage
                names += [f"yiwang.{alias.name}" for alias in node.names]
    found = set()
    for name in names:
        parts = name.split(".")
        if len(parts) > 1 and parts[0] == "yiwang" and parts[1] in apps:
            found.add(parts[1])
    return found


def _edges(app: str) -> dict[str, list[str]]:
    """The apps `app` imports: {imported app: [files]}."""
    apps = set(_apps())
    edges: dict[str, list[str]] = {}
    for path in _sources(app):
        for other in _imported_apps(path, apps) - {app}:
            edges.setdefault(other, []).append(str(path.relative_to(ROOT)))
    return edges


def _graph() -> dict[str, dict[str, list[str]]]:
    return {app: _edges(app) for app in _apps()}


def test_every_app_has_a_floor():
    assert set(_apps()) <= set(FLOORS), "new app: give it a floor here and in design.md"


def test_workorders_imports_nothing_of_triage():
    imports = _edges("workorders").get("triage", [])
    assert not imports, f"workorders imports triage in {imports}: use a hook triage fills"


def test_the_kernel_knows_no_domain():
    assert _edges("core") == {}


def test_no_app_imports_a_higher_floor():
    upward = [
        f"{app} (floor {FLOORS[app]}) → {other} (floor {FLOORS[other]}): {files[0]}"
        for app, edges in _graph().items()
        for other, files in edges.items()
        if FLOORS[other] > FLOORS[app]
    ]
    assert not upward, "\n".join(upward)


def test_no_two_apps_import_each_other():
    graph = {app: set(edges) for app, edges in _graph().items()}
    cycles = []

    def visit(app, path):
        for other in sorted(graph[app]):
            if other in path:
                cycles.append(" → ".join([*path[path.index(other) :], other]))
            elif len(path) < len(graph):
                visit(other, [*path, other])

    for app in sorted(graph):
        visit(app, [app])
    assert not cycles, "\n".join(sorted(set(cycles)))


def test_the_checker_sees_an_upward_import(tmp_path):
    """The parser catches imports inside functions and `from yiwang import x` too."""
    module = tmp_path / "m.py"
    module.write_text(
        "def f():\n    from yiwang.triage.selectors import flagged_orders\n"
        "from yiwang import command\nimport yiwang.core.pii\n",
        encoding="utf-8",
    )
    assert _imported_apps(module, {"triage", "command", "core"}) == {"triage", "command", "core"}


def test_workorders_names_no_triage_module():
    module_path = re.compile(r"yiwang\.triage(\.\w+)*")
    named = [
        str(path.relative_to(ROOT))
        for path in _sources("workorders")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and module_path.fullmatch(node.value)
    ]
    assert not named, f"workorders names triage modules in {named}"
