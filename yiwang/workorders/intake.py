"""The smart-triage hook (智能分拣) of intake.

Workorders never imports triage: triage registers its parts here in its `apps.ready()`
(`register(classifier=..., duplicates=..., corrections=...)`); without them every report simply
waits for a person. When an order arrives without a category, intake asks the registered
classifier `suggest(text) -> list[(category_code, probability)]`. If its best guess is
an active small class and clears the auto-dispatch threshold, the order takes
that category (`category_source="auto"`) and may be dispatched automatically; otherwise it waits
in triage for a person. The hook is defensive: a missing triage app, a classifier that raises
or returns nonsense never stops a report; the error is logged and the order goes to triage.
The threshold is `YIWANG_TRIAGE_AUTO_THRESHOLD` when set, else the one the classifier states
with its answer (`.threshold`, chosen on validation data for >= 98 % precision; None: never
auto-dispatch), else 0.8.

Duplicate check (疑似重复): `find_duplicates(...)` asks the registered duplicates provider for open
orders nearby with similar text before the creating transaction (read-only), and
`flag_duplicates(order, found)` stores them inside it; neither ever stops a report (a savepoint,
taken only when there is something to store, keeps a failed insert from spoiling the order).
`duplicates_merged(...)` settles the flags when an order is merged, and `category_corrected(...)`
hands a person's category choice to the triage app as training data.
"""

from __future__ import annotations

import logging
import math
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction

logger = logging.getLogger("yiwang.workorders")

# The parts triage registers: "classifier" (suggest), "duplicates" (radius_m,
# likely_duplicates, duplicate_flags_create, merged), "corrections" (category_corrected).
_PROVIDERS: dict[str, object] = {}
DEFAULT_THRESHOLD = 0.8
DEFAULT_NEARBY_RADIUS_M = 200.0


@dataclass
class Suggestion:
    category: object | None = None  # Category when auto-classified, else None
    probability: float | None = None  # the top probability, when the classifier answered
    candidates: list = field(default_factory=list)  # [(code, prob)], best first, at most 5
    error: str = ""


def threshold(stated=DEFAULT_THRESHOLD) -> float:
    """The auto-dispatch threshold: the setting when set, else the classifier's `stated` one."""
    configured = getattr(settings, "YIWANG_TRIAGE_AUTO_THRESHOLD", None)
    if configured is not None:
        return float(configured)
    return math.inf if stated is None else float(stated)


def register(**parts) -> None:
    """Called by the triage app in its `ready()`: each part is a module or object with the
    functions named in _PROVIDERS' comment."""
    unknown = set(parts) - {"classifier", "duplicates", "corrections"}
    if unknown:
        raise ValueError(f"unknown triage parts: {sorted(unknown)}")
    _PROVIDERS.update(parts)


def _optional(part: str):
    """The registered triage part, or None when the triage app is not installed."""
    return _PROVIDERS.get(part)


def _classifier():
    return getattr(_optional("classifier"), "suggest", None)


def suggest_category(text: str) -> Suggestion:
    """Ask the classifier for a category; never raises."""
    from yiwang.workorders.models import Category

    try:
        suggest = _classifier()
        if suggest is None:
            return Suggestion()
        raw = suggest(text)
        limit = threshold(getattr(raw, "threshold", DEFAULT_THRESHOLD))
        candidates = []
        for code, prob in list(raw or [])[:50]:
            prob = float(prob)
            if math.isfinite(prob):
                candidates.append((str(code), prob))
        candidates.sort(key=lambda cp: cp[1], reverse=True)
    except Exception as exc:  # the classifier is optional: log it, never fail the report
        logger.exception("triage classifier failed; the order goes to manual triage")
        return Suggestion(error=f"{type(exc).__name__}: {exc}"[:200])
    if not candidates:
        return Suggestion()
    code, prob = candidates[0]
    result = Suggestion(probability=prob, candidates=candidates[:5])
    if prob >= limit:
        category = Category.objects.filter(code=code, is_active=True, parent__isnull=False).first()
        if category is None:
            logger.warning("triage classifier suggested unknown category %r", code)
        result.category = category
    return result


def nearby_radius_m() -> float:
    """What "nearby" means for 疑似重复 and 我也遇到, in metres: the duplicate check's radius
    (the duplicates provider's `radius_m`, setting YIWANG_TRIAGE_DUPLICATE_RADIUS_M), else
    DEFAULT_NEARBY_RADIUS_M without the triage app."""
    radius = getattr(_optional("duplicates"), "radius_m", None)
    return float(radius()) if radius is not None else DEFAULT_NEARBY_RADIUS_M


def find_duplicates(*, description: str, lon, lat, reported_at) -> list:
    """Open orders that a new report likely duplicates (疑似重复): [(pk, similarity, metres)].
    Never raises."""
    if lat is None or lon is None:
        return []
    try:
        module = _optional("duplicates")
        if module is None:
            return []
        # Inside a caller's transaction a failed read would spoil it (PostgreSQL): a savepoint.
        # Outside one (a web request) the read runs alone, with no transaction to take.
        guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
        with guard:
            return module.likely_duplicates(
                description=description, lon=lon, lat=lat, reported_at=reported_at
            )
    except Exception:  # the check is a help for the dispatcher: log it, never fail the report
        logger.exception("duplicate check failed for a report at %s, %s; it is kept", lon, lat)
        return []


def flag_duplicates(order, found: list) -> int:
    """Store the `found` duplicates as the new order's flags; the number stored. Never raises."""
    if not found:
        return 0
    try:
        with transaction.atomic():
            return len(_optional("duplicates").duplicate_flags_create(order, found))
    except Exception:
        logger.exception("duplicate flags of order %s not stored; the report is kept", order.pk)
        return 0


def category_corrected(*, actor, order, category) -> None:
    """坐席纠正: a person set `category` on `order`; the triage app keeps it as training data
    when the machine had guessed otherwise (in the caller's transaction)."""
    module = _optional("corrections")
    if module is not None:
        module.category_correction_record(actor=actor, order=order, category=category)


def duplicates_merged(*, actor, order, into) -> None:
    """合并: settle the merged order's duplicate flags (in the merge's transaction)."""
    module = _optional("duplicates")
    if module is not None:
        module.duplicate_flags_merged(actor=actor, order=order, into=into)
