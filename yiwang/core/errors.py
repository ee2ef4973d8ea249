"""Service errors: every refusal a service can give, with a code machines read and a Chinese
message people read. The API turns them into `{"error": {"code", "message", "fields"}}`."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of all refusals. `status` is the HTTP status the API answers with."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}

    def as_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


class ValidationFailed(ServiceError):
    status = 400
    code = "invalid"


class NotFound(ServiceError):
    """Missing or not visible to the asking user: both answer the same, so ids cannot be probed."""

    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    """The request is well-formed but the target's state does not allow it (or a stale version)."""

    status = 409
    code = "conflict"


class TooManyRequests(ServiceError):
    """A limit on how often something may be done (查询次数) was reached: try again later."""

    status = 429
    code = "throttled"


class StaleVersion(Conflict):
    code = "stale_version"

    def __init__(self, message: str = "数据已被他人修改，请刷新后重试。", **kwargs):
        super().__init__(message, **kwargs)


def check_version(obj, version) -> None:
    """Optimistic concurrency: the client sends the version it read; a different one is stale."""
    if version is None:
        raise ValidationFailed("缺少版本号 version。", fields={"version": ["必填"]})
    version = parse_version(version)
    if version != obj.version:
        raise StaleVersion(fields={"version": [f"当前版本为 {obj.version}"]})


def parse_version(value) -> int:
    """A version number: an integer, or its digits as text (forms). 1.5, true, "1.0" are not."""
    not_integer = ValidationFailed(
        "版本号 version 必须是整数。", fields={"version": ["必须是整数"]}
    )
    if isinstance(value, bool):
        raise not_integer
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _is_ascii_int(value.strip()):
        number = int(value.strip())
    else:
        raise not_integer
    if number < 0:
        raise not_integer
    return number


def _is_ascii_int(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 18
