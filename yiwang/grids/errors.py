"""Error codes of the grid app (machines read the code, people the Chinese message)."""

from enum import StrEnum


class GridErrorCode(StrEnum):
    INVALID = "invalid"
    MALFORMED_JSON = "malformed_json"
    EMPTY = "empty"
    NOT_FEATURE_COLLECTION = "not_feature_collection"
    NOT_POLYGON = "not_polygon"
    UNCLOSED_RING = "unclosed_ring"
    TOO_FEW_POINTS = "too_few_points"
    INVALID_GEOMETRY = "invalid_geometry"
    UNREPAIRABLE = "unrepairable"
    EMPTY_GEOMETRY = "empty_geometry"
    OUTSIDE_PARENT = "outside_parent"
    COORDINATE_OUT_OF_RANGE = "coordinate_out_of_range"
    SWAPPED_COORDINATES = "swapped_coordinates"
    MISSING_COORDINATES = "missing_coordinates"
    OUTSIDE_GRIDS = "outside_grids"
    BAD_CODE = "bad_code"
    DUPLICATE_CODE = "duplicate_code"
    BAD_PARENT = "bad_parent"
    NO_PARENT = "no_parent"
    CODE_EXHAUSTED = "code_exhausted"
    HAS_CHILDREN = "has_children"
    BAD_PHONE = "bad_phone"
