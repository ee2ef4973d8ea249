"""Reading Open311 input: POST bodies, query filters and W3C datetimes.

Lenient where real clients differ, strict where the data would be wrong:

- FixMyStreet sends `deviceid` as well as `device_id`, `attribute[code]` fields (some of them
  not in our service definition: kept, never refused), `first_name`/`last_name`/`email`/
  `phone`, `media_url`, and with some back ends a multipart upload in the field `media`;
- a `+` in an offset that the client forgot to percent-encode reaches us as a space
  (`2026-11-22T10:00:00 08:00`): read as `+08:00`;
- a naive datetime or a bare date is read in the server's time zone (Asia/Shanghai).

Every problem raises `Open311Error(400, ...)`, never a 500.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field

from django.utils import timezone

from yiwang.integrations.open311.formats import Open311Error

MAX_DESCRIPTION = 4000  # the specification's limit, and the work order's
MAX_SHORT = 254
MAX_URL = 1000
MAX_IDS = 100  # service_request_id list length in one GET
# Years outside this range would overflow UTC conversion and database comparisons.
MIN_YEAR, MAX_YEAR = 1900, 2999
ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]{1,100})\](\[\])?$")
_SPACE_OFFSET = re.compile(r"^(.*\d)\s(\d{2}:?\d{2})$")


@dataclass
class RequestInput:
    """A normalised POST requests.{format} body."""

    service_code: str = ""
    api_key: str = ""
    jurisdiction_id: str = ""
    lat: float | None = None
    long: float | None = None
    address_string: str = ""
    address_id: str = ""
    description: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    media_url: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def reporter_name(self) -> str:
        """A Chinese name is family name first (张 + 三); a Western one is 'first last'."""
        first, last = self.first_name.strip(), self.last_name.strip()
        if _has_cjk(first + last):
            return (last + first).strip()
        return f"{first} {last}".strip()


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


class _Source:
    """A uniform `get` / `getlist` / `keys` over a QueryDict or a parsed JSON object."""

    def __init__(self, data):
        self.data = data

    def keys(self):
        return list(self.data.keys())

    def getlist(self, key) -> list[str]:
        if hasattr(self.data, "getlist"):
            values = self.data.getlist(key)
        else:
            value = self.data.get(key)
            values = [] if value is None else value if isinstance(value, list) else [value]
        return ["" if v is None else v if isinstance(v, str) else _scalar(key, v) for v in values]

    def get(self, key) -> str:
        values = self.getlist(key)
        return values[-1].strip() if values else ""


def _scalar(key, value) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Open311Error(400, f"{key} 的取值类型不正确 (invalid type for {key})")
    return str(value)


def body_source(request) -> _Source:
    """The POST fields: form-encoded or multipart (Django's parser), or a JSON object."""
    content_type = (request.content_type or "").lower()
    if content_type == "application/json":
        try:
            data = json.loads(request.body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, ValueError):
            raise Open311Error(400, "请求体不是有效的 JSON (request body is not valid JSON)")
        if not isinstance(data, dict):
            raise Open311Error(400, "请求体必须是 JSON 对象 (request body must be a JSON object)")
        merged = {k: v for k, v in request.GET.lists()}
        merged.update(data)
        return _Source(merged)
    try:
        post = request.POST
    except Exception:  # a malformed multipart body
        raise Open311Error(400, "请求体无法解析 (malformed request body)")
    merged = request.GET.copy()
    for key, values in post.lists():
        merged.setlist(key, values)
    return _Source(merged)


def _text(src: _Source, key: str, limit: int = MAX_SHORT, *aliases: str) -> str:
    value = src.get(key)
    for alias in aliases:
        value = value or src.get(alias)
    if len(value) > limit:
        raise Open311Error(400, f"{key} 超过 {limit} 个字符 ({key} is longer than {limit})")
    if "\x00" in value:
        raise Open311Error(400, f"{key} 含有非法字符 ({key} contains a NUL character)")
    return value


def parse_coordinate(raw: str, name: str, low: float, high: float) -> float | None:
    if raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} 必须是数字 ({name} must be a number)")
    if not math.isfinite(value) or not low <= value <= high:
        raise Open311Error(
            400, f"{name} 超出范围 {low}..{high} ({name} must lie between {low} and {high})"
        )
    return value


def parse_request_input(src: _Source) -> RequestInput:
    """Normalise a POST requests body; checks what the specification requires."""
    data = RequestInput(
        service_code=_text(src, "service_code", 100),
        api_key=_text(src, "api_key", 200),
        jurisdiction_id=_text(src, "jurisdiction_id", 100),
        address_string=_text(src, "address_string", 256),
        address_id=_text(src, "address_id", 100),
        description=_text(src, "description", MAX_DESCRIPTION),
        email=_text(src, "email"),
        device_id=_text(src, "device_id", MAX_SHORT, "deviceid"),
        account_id=_text(src, "account_id"),
        first_name=_text(src, "first_name", 100),
        last_name=_text(src, "last_name", 100),
        phone=_text(src, "phone", 32),
        media_url=_text(src, "media_url", MAX_URL),
    )
    data.lat = parse_coordinate(src.get("lat"), "lat", -90.0, 90.0)
    data.long = parse_coordinate(src.get("long") or src.get("lon"), "long", -180.0, 180.0)
    if not data.service_code:
        raise Open311Error(400, "缺少 service_code (service_code is required)")
    if (data.lat is None) != (data.long is None):
        raise Open311Error(400, "lat 和 long 必须同时提供 (lat and long must be given together)")
    if data.lat is None and not data.address_string and not data.address_id:
        raise Open311Error(
            400,
            "必须提供位置：lat/long、address_string 或 address_id 之一"
            " (a location is required: lat & long, address_string or address_id)",
        )
    if data.media_url and not re.match(r"^https?://\S+$", data.media_url, re.IGNORECASE):
        raise Open311Error(400, "media_url 必须是 http(s) 地址 (media_url must be an http(s) URL)")
    for key in src.keys():
        match = ATTRIBUTE_KEY.match(key)
        if match:
            values = [v.strip() for v in src.getlist(key) if v.strip()]
            if any(len(v) > MAX_SHORT * 4 for v in values):
                raise Open311Error(400, f"{key} 过长 ({key} is too long)")
            if values:
                data.attributes.setdefault(match.group(1), []).extend(values)
    return data


def parse_datetime(raw: str, name: str) -> dt.datetime:
    """A W3C / ISO 8601 datetime (or date) → an aware datetime; naive means local time."""
    text = raw.strip()
    space = _SPACE_OFFSET.match(text)
    if space and ("T" in text or text.count(" ") > 1):
        text = f"{space.group(1)}+{space.group(2)}"
    try:
        if len(text) == 10:
            value = dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
        else:
            value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(
            400,
            f"{name} 不是有效的日期时间，应如 2026-11-22T08:00:00+08:00"
            f" ({name} must be a W3C datetime such as 2026-11-22T08:00:00+08:00)",
        )
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise Open311Error(
            400, f"{name} 的年份须在 {MIN_YEAR}..{MAX_YEAR} ({name}: year out of range)"
        )
    return value


def format_datetime(value: dt.datetime | None) -> str | None:
    """ISO 8601 with the local offset, to the second: 2026-11-22T10:00:00+08:00."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


@dataclass
class RequestFilters:
    ids: list[str] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: list[str] = field(default_factory=list)


def _comma_list(raw_values: list[str]) -> list[str]:
    out: list[str] = []
    for raw in raw_values:
        out.extend(part.strip() for part in raw.split(",") if part.strip())
    return out


def parse_filters(query) -> RequestFilters:
    """GET requests.{format} filters: comma lists (or repeated keys), dates, status."""
    src = _Source(query)
    filters = RequestFilters()
    filters.ids = _comma_list(src.getlist("service_request_id"))
    if len(filters.ids) > MAX_IDS:
        raise Open311Error(400, f"service_request_id 最多 {MAX_IDS} 个 (at most {MAX_IDS} ids)")
    filters.service_codes = _comma_list(src.getlist("service_code"))
    statuses = _comma_list(src.getlist("status"))
    bad = [s for s in statuses if s.lower() not in ("open", "closed")]
    if bad:
        raise Open311Error(400, "status 只能是 open 或 closed (status must be open or closed)")
    filters.statuses = sorted({s.lower() for s in statuses})
    if src.get("start_date"):
        filters.start = parse_datetime(src.get("start_date"), "start_date")
    if src.get("end_date"):
        filters.end = parse_datetime(src.get("end_date"), "end_date")
    if filters.start and filters.end and filters.end < filters.start:
        raise Open311Error(400, "end_date 早于 start_date (end_date must not be before start_date)")
    return filters
