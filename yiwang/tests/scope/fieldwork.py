"""The scope matrix for 巡查走访: patrols and visits.

Side A: a patrol of `grid_a` in grid A and a visit of `grid_a` at the A-side household of
`base` (with a need turned into a work order); side D: the same by 网格员丁, the grid worker of
grid D (no persona: the matrix only asks that nobody else reaches them).

Who sees field work (`fieldwork/models.py`): the worker who did it, the street, the community's
staff (党群专员) and the grid workers of the grid. The window (综窗) and the departments see the
registries they check, but field work — a worker's tracks, who knocked on which door — is none
of their business."""

from __future__ import annotations

from yiwang.tests.scope.common import GRID, POINT, STREET, Row

MODELS = {"patrol": "fieldwork.Patrol", "visit": "fieldwork.Visit"}
FIELD_A = STREET | {"grid_a", "zhuanyuan"}
FIELD_D = STREET
SEES = {"patrol": {"A": FIELD_A, "D": FIELD_D}, "visit": {"A": FIELD_A, "D": FIELD_D}}
SECRETS: list = []

# Who goes out on patrol and knocks on doors: 网格员, 党群专员 (and the admin, who may do all).
FIELD_WORKERS = frozenset({"admin", "grid_a", "grid_b", "zhuanyuan"})
# A patrol's track, reports and end are its own worker's alone: the A-side patrol is grid_a's,
# the D-side one 网格员丁's, so every other persona is refused on both sides.
PATROL_OWNER = frozenset({"grid_a"})

RULES = {
    "patrol_detail": Row("detail", "patrol"),
    "patrol_list": Row("list", "patrol"),
    "patrol_start": Row("write", may=FIELD_WORKERS),
    # The weekly coverage of grid A: those who see grid A; the others get 404 (not yours).
    "patrols_coverage_retrieve": Row("list", may=FIELD_A, query=f"?grid={GRID['A']}"),
    "patrols_end_create": Row("write", "patrol", may=PATROL_OWNER),
    "patrols_found_share_retrieve": Row("list"),
    "patrols_points_create": Row("write", "patrol", may=PATROL_OWNER),
    "patrols_reports_create": Row("write", "patrol", may=PATROL_OWNER),
    "visit_detail": Row("detail", "visit"),
    "visit_list": Row("list", "visit"),
    "visit_record": Row("write", may=FIELD_WORKERS),
    "visits_coverage_retrieve": Row("list"),
    "visits_due_retrieve": Row("list"),
}


def build(world, ids: dict) -> dict:
    workers = {"A": world.users["grid_a"], "D": _grid_d_worker(world)}
    return {
        "patrol": {side: _patrol(workers[side], side) for side in "AD"},
        "visit": {side: _visit(workers[side], ids["household"][side], side) for side in "AD"},
    }


def _grid_d_worker(world):
    """网格员丁, who works grid D (as the harness makes grid_a and grid_b)."""
    from yiwang.accounts.models import Role
    from yiwang.grids.models import GridWorker, Region
    from yiwang.testing import make_user

    user = make_user("grid_d", roles=[(world.street, Role.GRID_WORKER)], display_name="网格员丁")
    GridWorker.objects.create(
        region=Region.objects.get(code=GRID["D"]), user=user, name="网格员丁", phone="13800000004"
    )
    return user


def _patrol(worker, side) -> int:
    from yiwang.fieldwork.services import patrol_start

    lon, lat = POINT[side]
    return patrol_start(actor=worker, lon=lon, lat=lat).pk


def _visit(worker, household, side) -> int:
    from yiwang.fieldwork.services import visit_record

    lon, lat = POINT[side]
    visit = visit_record(
        actor=worker,
        household=household,
        lon=lon,
        lat=lat,
        met="户主",
        notes=f"{side}户走访",
        needs=[{"description": f"{side}楼道灯坏了"}],
    )
    return visit.pk
