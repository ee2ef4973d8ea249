"""The smart-triage hook (智能分拣) of intake.

When an order arrives without a category, intake asks the optional classifier
`yiwang.triage.intake.suggest(text) -> list[(category_code, probability)]`. If its best guess is
an active small class and clears `YIWANG_TRIAGE_AUTO_THRESHOLD` (default 0.8), the order takes
that category (`category_source="auto"`) and may be dispatched automatically; otherwise it waits
in triage for a person. The hook is defensive: a missing triage app, a classifier that raises
or returns nonsense never stops a report; the error is logged and the order goes to triage.
"""

from __future__ import annotations

import importlib
import logging
import math
from dataclasses import dataclass, field

from django.conf import settings

logger = logging.getLogger("yiwang.workorders")

CLASSIFIER_MODULE = "yiwang.triage.intake"
DEFAULT_THRESHOLD = 0.8


@dataclass
class Suggestion:
    category: object | None = None  # Category when auto-classified, else None
    probability: float | None = None  # the top probability, when the classifier answered
    candidates: list = field(default_factory=list)  # [(code, prob)], best first, at most 5
    error: str = ""


def threshold() -> float:
    return float(getattr(settings, "YIWANG_TRIAGE_AUTO_THRESHOLD", DEFAULT_THRESHOLD))


def _classifier():
    try:
        module = importlib.import_module(CLASSIFIER_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name in {CLASSIFIER_MODULE, "yiwang.triage"}:
            return None
        raise
    return getattr(module, "suggest", None)


def suggest_category(text: str) -> Suggestion:
    """Ask the classifier for a category; never raises."""
    from yiwang.workorders.models import Category

    try:
        suggest = _classifier()
        if suggest is None:
            return Suggestion()
        raw = suggest(text)
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
    if prob >= threshold():
        category = Category.objects.filter(code=code, is_active=True, parent__isnull=False).first()
        if category is None:
            logger.warning("triage classifier suggested unknown category %r", code)
        result.category = category
    return result
