"""Error codes of the enforcement services (machines read `code`, people read the message)."""

from __future__ import annotations

from enum import StrEnum


class EnforcementErrorCode(StrEnum):
    INVALID = "invalid"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    STALE_VERSION = "stale_version"
    WRONG_STAGE = "wrong_stage"  # the step is not allowed at the case's stage (out of order)
    UNKNOWN_MATTER = "unknown_matter"
    PENALTY_OUT_OF_RANGE = "penalty_out_of_range"  # outside the matter's legal range
    SIMPLE_THRESHOLD = "simple_threshold"  # 简易程序 beyond 行政处罚法 Art. 51
    ON_SPOT_COLLECTION = "on_spot_collection"  # 当场收缴 beyond Art. 68
    OFFICERS_REQUIRED = "officers_required"  # fewer than two certified officers (Art. 42)
    OFFICER_CONFLICT = "officer_conflict"  # 回避 (Art. 43)
    DEADLINE_PASSED = "deadline_passed"  # e.g. decision after 90 days without extension (Art. 60)
    HEARING_NOT_OFFERED = "hearing_not_offered"
    HEARING_NOTICE = "hearing_notice"  # notice less than 7 working days before (Art. 64)
    CHAIR_INVESTIGATED = "chair_investigated"  # hearing chaired by an investigator (Art. 64)
    REVIEW_REQUIRED = "review_required"  # 法制审核 missing (Art. 58)
    COLLECTIVE_REQUIRED = "collective_required"  # 集体讨论 missing for a major case (Art. 57)
    RIGHTS_PERIOD_OPEN = "rights_period_open"  # deciding before the hearing request period ends
    EVIDENCE_REQUIRED = "evidence_required"
    STATEMENT_UNREVIEWED = "statement_unreviewed"  # 陈述申辩 not re-checked (Art. 45)
    PUBLICATION = "publication"  # publication refused (not due, already published)
    DOCUMENT_NUMBERED = "document_numbered"  # a number asked twice for one document
    INSPECTOR_CONFLICT = "inspector_conflict"
    GRID_WORKER_INSPECTOR = "grid_worker_inspector"  # 国办发〔2024〕54号
    POOL_TOO_SMALL = "pool_too_small"
