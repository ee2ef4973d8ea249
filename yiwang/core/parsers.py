"""Request parsers for the API (DRF's, made strict): kept apart from `core.api` because DRF
loads the parsers named in its settings while its own views module is still loading."""

from __future__ import annotations

from django.conf import settings
from rest_framework import parsers

from yiwang.core.errors import ServiceError, ValidationFailed


class RequestTooLarge(ServiceError):
    status = 413
    code = "too_large"


# Deeper JSON than this is refused: no endpoint takes more than a few levels.
MAX_JSON_DEPTH = 32


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing what no endpoint can use or store, with a 4xx JSON error:
    a body over DATA_UPLOAD_MAX_MEMORY_SIZE, nesting deeper than MAX_JSON_DEPTH, text with a
    NUL character or a lone surrogate ("\\ud800": valid JSON, but not Unicode text, so no
    database stores it)."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = _content_length(request)
        if limit is not None and length > limit:
            raise RequestTooLarge(f"请求内容过大（上限 {limit // (1024 * 1024)} MB）。")
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ValidationFailed("请求内容嵌套过深。", code="parse_error")
        check_json_values(data)
        return data


class JSONObjectParser(JSONParser):
    """A JSON parser for endpoints whose body is an object (`{...}`): `[1]`, `false` or `"ö"`
    answer 400 instead of failing later."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise ValidationFailed("请求体必须是 JSON 对象（{...}）。")
        return data


def _content_length(request) -> int:
    meta = getattr(request, "META", {}) if request is not None else {}
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return 0


def check_json_values(data) -> None:
    """Walk parsed JSON without recursion; refuse deep nesting and text no database stores."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value)
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise ValidationFailed("请求内容嵌套过深。", code="parse_error")
        if isinstance(value, dict):
            for key, item in value.items():
                _check_text(key)
                stack.append((item, depth + 1))
        else:
            stack.extend((item, depth + 1) for item in value)


def _check_text(value: str) -> None:
    if "\x00" in value:
        raise ValidationFailed("文本中不能含有空字符（NUL）。", code="invalid_text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationFailed("文本中含有无效的 Unicode 字符（孤立代理项）。", code="invalid_text")
