"""Error codes of the approvals app (machine-readable `error.code` values)."""

from __future__ import annotations

from enum import StrEnum


class ApprovalErrorCode(StrEnum):
    MISSING_MATERIALS = "missing_materials"  # a required material is absent
    WRONG_FILE_TYPE = "wrong_file_type"  # extension or content not allowed for the material
    FILE_TOO_LARGE = "file_too_large"
    UNKNOWN_MATERIAL = "unknown_material"  # the item/bundle asks for no such material
    NOT_REUSABLE = "not_reusable"  # 免提交 not allowed or no such earlier material
    NOT_DEVOLVED = "not_devolved"  # the item is not devolved to this street
    UNKNOWN_ITEM = "unknown_item"
    INVALID_FORM = "invalid_form"  # the application form is incomplete or wrong
    NOT_STEP_HOLDER = "not_step_holder"  # someone who does not hold the step acted on it
    NOT_WINDOW_CLERK = "not_window_clerk"
    NOT_APPLICANT = "not_applicant"
    WRONG_STATE = "wrong_state"  # the life cycle does not allow the action now
    ALREADY_RATED = "already_rated"
    NO_GAPS_LISTED = "no_gaps_listed"  # 一次性告知 without any gap
    REASON_REQUIRED = "reason_required"
    INVALID_CATALOGUE = "invalid_catalogue"
    USE_PARENT = "use_parent"  # act on the bundle parent, not on a sub-application
