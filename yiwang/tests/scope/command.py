"""The scope matrix for 指挥调度:
incidents, tasks, the map layers, overview, analysis, assessments.

Side A: a task (工作布置) the dispatcher sends to grid A and an incident (应急事件) grid A's
worker raises in grid A; side D: a task to grid D and an incident the dispatcher raises in
grid D (no grid worker there). The street's desk roles see both; a grid worker the task and
the incident of their own grid; the community's staff (党群专员 of 东社区) those of the
community's grids; departments, the window and residents none.
"""

from __future__ import annotations

from yiwang.tests.scope.common import GRID, POINT, STREET, Row

SECRETS: list = []

GRID_WORKERS = frozenset({"grid_a", "grid_b"})
STREET_HEADS = frozenset({"admin", "leader"})  # 考核: the admin and the street's leaders

MODELS = {"task": "command.Task", "incident": "command.Incident"}

# The grid-A rows: the street, grid A's worker, and the staff of 东社区 (the community the grid
# belongs to, who supervise its grid workers and are a link of an incident's chain).
GRID_A_ROWS = STREET | {"grid_a", "zhuanyuan"}
SEES = {
    "task": {"A": GRID_A_ROWS, "D": STREET},
    "incident": {"A": GRID_A_ROWS, "D": STREET},
}

# `params` fills the grid of the task's assignment with the same side's grid (base's `grid`);
# the engine tries every verb of the `{action}` enum.
OF_GRID = (("grid", "grid"),)

RULES = {
    # The screen's aggregates (analysis, assessments, map, overview, the firm layer) answer
    # every signed-in user the figures of their own territory (a resident: their own orders;
    # a department: what reached it): no object of either side to list, so `may` stays ALL;
    # the rows of the firm layer and of the ranking per persona: command/tests/test_scope.py.
    "command_analysis_retrieve": Row("list"),
    "command_assessments_retrieve": Row("list", query="?month=2026-11"),
    "command_assessments_store_create": Row("write", may=STREET_HEADS),
    "command_assessments_weights_update": Row("write", may=STREET_HEADS),
    # 收到/上报 (confirm, report): only a worker of the assignment's grid; the desk watches.
    "command_assignment_action": Row("write", "task", may=GRID_WORKERS, params=OF_GRID),
    # 结束/启动预案 (close, plan): the desk only, and only an incident it sees; 确认接报 (ack):
    # the people of the incident's chain (A: grid_a raised it, so its grid link is empty and
    # the community link, 东社区's 党群专员, is next; then the street), never the raiser.
    "command_incident_action": Row(
        "write", "incident", may=STREET, verbs=(("ack", STREET | {"zhuanyuan"}),)
    ),
    # 上报: grid workers and the desk (services.incidents.RAISE_ROLES).
    "command_incidents_create": Row("write", may=STREET | GRID_WORKERS),
    "command_incidents_list": Row("list", "incident"),
    "command_incidents_retrieve": Row("detail", "incident"),
    # The 四色网格 layer holds the grids the user sees (base's grid scope).
    "command_layers_colours_retrieve": Row("list", "grid", deep=True),  # GeoJSON properties
    "command_layers_firms_retrieve": Row("list"),
    "command_map_retrieve": Row("list"),
    "command_overview_retrieve": Row("list"),
    "command_tasks_create": Row("write", may=STREET),
    "command_tasks_list": Row("list", "task"),
    "command_tasks_retrieve": Row("detail", "task"),
}


def build(world, ids: dict) -> dict:
    return {
        "task": {side: _task(world, side) for side in "AD"},
        "incident": {side: _incident(world, side) for side in "AD"},
    }


def _task(world, side: str) -> int:
    import datetime as dt

    from django.utils import timezone

    from yiwang.command.services.broadcast import task_create

    return task_create(
        actor=world.users["dispatcher"],
        title=f"{side}地下室排查",
        grids=[GRID[side]],
        due=timezone.now() + dt.timedelta(days=2),
    ).pk


def _incident(world, side: str) -> int:
    from yiwang.command.services.incidents import incident_raise

    reporter = {"A": "grid_a", "D": "dispatcher"}[side]
    lon, lat = POINT[side]
    return incident_raise(
        actor=world.users[reporter],
        level="yellow",
        type="natural_disaster",
        description=f"{side}积水",
        lon=lon,
        lat=lat,
    ).pk
