"""Error codes of base data (Saleor's error-code enums): what machines read in `error.code`."""

from __future__ import annotations

from enum import StrEnum

from yiwang.core.errors import Conflict, ValidationFailed


class BaseDataErrorCode(StrEnum):
    INVALID = "invalid"
    DUPLICATE = "duplicate"
    NOT_XLSX = "not_xlsx"
    EMPTY_FILE = "empty_file"
    BAD_SHEETS = "bad_sheets"
    BAD_HEADERS = "bad_headers"
    FILE_TOO_LARGE = "file_too_large"
    PURPOSE_REQUIRED = "purpose_required"


class FileRejected(ValidationFailed):
    """The whole file is unusable (not an .xlsx, empty, wrong sheets or headers): nothing saved."""

    code = BaseDataErrorCode.NOT_XLSX.value


class Duplicate(Conflict):
    code = BaseDataErrorCode.DUPLICATE.value
