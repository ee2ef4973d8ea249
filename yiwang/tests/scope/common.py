"""What every part of the scope matrix shares: the personas, the row type, the street's two
sides. Side A: grid A of 东社区, 综合行政执法局; side D: grid D of 西社区, 社会事业局."""

from __future__ import annotations

from dataclasses import dataclass

PERSONAS = [
    "admin",
    "leader",
    "dispatcher",
    "grid_a",
    "grid_b",
    "zhuanyuan",  # 党群专员 of 东社区 (the community of grids A and B)
    "zhifa",  # 综合行政执法局, department staff
    "officer",  # 综合行政执法局, 执法队员
    "shiye",  # 社会事业局, department staff
    "window",
    "resident",  # lives on side A, reports the A-side order
    "resident2",  # reports the D-side order
]
ALL = frozenset(PERSONAS)
STREET = frozenset({"admin", "leader", "dispatcher"})
RESIDENTS = frozenset({"resident", "resident2"})
NOBODY = frozenset()
PROBE_ID = 987654321
BODY_FIRST = "validates the body before it looks the object up (400, not 404)"

GRID = {"A": "320571001001001", "D": "320571001002002"}
COMMUNITY = {"A": "320571001001", "D": "320571001002"}
POINT = {"A": (120.005, 31.005), "D": (120.015, 31.015)}


@dataclass(frozen=True)
class Row:
    """What one operation answers. `kind`: list, detail, write or open (no scope: every
    signed-in persona gets `status`). `resource`: a key of `SEES` when the path or the answer
    names objects of the world; None when the test world has no such object (then the path
    gets an id that does not exist, and only "not found, nothing changed" is asserted). `may`:
    the personas the operation is for; the others get 403 (or 404). `query`: added to the URL.
    `refused_400`: a known gap (reported): this write reads its body before it looks the object
    up, so a refused write answers 400 instead of 404; it must still change nothing.
    `params`: ((path parameter, resource), ...): fill that parameter with the id of the
    resource's object on the same side (e.g. a material of the application in `{id}`).
    `deep`: a list whose rows carry the object's id deeper than their own `id` (GeoJSON
    properties, a step's application): every id anywhere in the answer counts as listed.
    `verbs`: ((verb, personas), ...): for the URL ending in that `{action}` verb, `may` is
    those personas instead (an action path whose verbs are for different people)."""

    kind: str
    resource: str | None = None
    may: frozenset = ALL
    anonymous: int = 401
    query: str = ""
    status: int = 200
    refused_400: str = ""
    params: tuple = ()
    deep: bool = False
    verbs: tuple = ()
