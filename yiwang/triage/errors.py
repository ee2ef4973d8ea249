"""Error codes of the 智能分拣 (smart triage) services."""

from __future__ import annotations

from enum import StrEnum


class TriageErrorCode(StrEnum):
    UNKNOWN_LABELS = "unknown_labels"  # labels that match no active category
    BAD_MODEL = "bad_model"  # not a classifier model, or another format version
    TOO_FEW_EXAMPLES = "too_few_examples"  # not enough archived orders to retrain
    ACTIVE_MODEL_CHANGED = "active_model_changed"  # another model was installed meanwhile
