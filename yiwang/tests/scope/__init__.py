"""The parts of the scope matrix (`test_scope_matrix.py`), one module per pillar.

Each module says, for its pillar:
- `RULES`: operationId -> `common.Row`, one row per API operation of the pillar;
- `MODELS`: resource -> "app.Model" of the objects it builds;
- `SEES`: resource -> {"A": personas, "D": personas} who may see the A-side and D-side object;
- `SECRETS`: plain personal data of its objects that no GET answer may carry;
- `build(world) -> {resource: {"A": id, "D": id}}`: one object on each side of the street,
  made through the services like real data (it may use the objects of `base`, built first).
"""

from __future__ import annotations

import importlib

PARTS = ["base", "approvals", "enforcement", "party", "economy", "command", "fieldwork"]


def parts():
    return [importlib.import_module(f"{__name__}.{name}") for name in PARTS]


def merged(attribute: str) -> dict | list:
    """One pillar attribute over all parts; a key claimed twice is an error."""
    values = [getattr(part, attribute) for part in parts()]
    if isinstance(values[0], list):
        return [item for value in values for item in value]
    out = {}
    for value in values:
        clash = set(out) & set(value)
        assert not clash, f"{attribute} claimed twice: {sorted(clash)}"
        out.update(value)
    return out


def build_objects(world) -> dict:
    """resource -> {"A": id, "D": id} for every part, base first."""
    ids = {}
    for part in parts():
        ids.update(part.build(world, ids))
    return ids
