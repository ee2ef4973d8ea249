"""API plumbing shared by every app: the one error format and small helpers.

Errors are always `{"error": {"code": "...", "message": "...", "fields": {...}}}` with a 4xx
status (design.md); a 500 for bad input is a bug.
"""

from __future__ import annotations

import logging
import re

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from yiwang.core.errors import ServiceError, ValidationFailed
from yiwang.core.parsers import JSONObjectParser, JSONParser

logger = logging.getLogger("yiwang.api")

DRF_CODES = {
    exceptions.NotAuthenticated: ("not_authenticated", "请先登录或提供有效的令牌。"),
    exceptions.AuthenticationFailed: (
        "authentication_failed",
        "身份验证失败：用户名、密码或令牌无效。",
    ),
    exceptions.PermissionDenied: ("forbidden", "您没有执行此操作的权限。"),
    exceptions.NotFound: ("not_found", "未找到。"),
    exceptions.MethodNotAllowed: ("method_not_allowed", "不支持该请求方法。"),
    exceptions.NotAcceptable: ("not_acceptable", "无法提供所请求的格式。"),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", "不支持的请求内容类型。"),
    exceptions.Throttled: ("throttled", "请求过于频繁，请稍后再试。"),
    exceptions.ParseError: ("parse_error", "请求内容无法解析（JSON 格式错误？）。"),
}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _flatten(detail) -> dict:
    if isinstance(detail, dict):
        return {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {}


def exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body("too_large", "请求内容过大。"), status=413)
    if isinstance(exc, SuspiciousOperation):
        return Response(error_body("bad_request", "请求无效。"), status=400)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        message = "；".join(exc.messages) if exc.messages else "请求数据有误。"
        return Response(error_body("invalid", message, fields), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.values()), ["请求数据有误。"])[0] if fields else "请求数据有误。"
        response.data = error_body("invalid", f"请求数据有误：{first}", fields)
        return response
    code, message = DRF_CODES.get(type(exc), (getattr(exc, "default_code", "error"), None))
    if message is None:
        message = str(getattr(exc, "detail", "")) or "请求出错。"
    response.data = error_body(code, message)
    return response


def error_response(code: str, message: str, status_code: int = 400, fields: dict | None = None):
    return Response(error_body(code, message, fields), status=status_code)


def json_404(request, exception=None):
    """Site-wide 404 handler: JSON under /api/ and /open311/, the HTML page elsewhere."""
    if request.path.startswith(("/api/", "/open311/")):
        return JsonResponse(error_body("not_found", "未找到该地址。"), status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def json_400(request, exception=None):
    """Site-wide 400 handler (a request Django itself refused, e.g. a body over the limit)."""
    if request.path.startswith(("/api/", "/open311/")):
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse(error_body("too_large", "请求内容过大。"), status=413)
        return JsonResponse(error_body("bad_request", "请求无效。"), status=400)
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def json_403(request, exception=None):
    if request.path.startswith(("/api/", "/open311/")):
        return JsonResponse(error_body("forbidden", "您没有执行此操作的权限。"), status=403)
    from django.views.defaults import permission_denied

    return permission_denied(request, exception)


def json_500(request):
    logger.exception("server error on %s", request.path)
    if request.path.startswith(("/api/", "/open311/")):
        return JsonResponse(
            error_body("server_error", "服务器内部错误，请联系管理员。"), status=500
        )
    from django.views.defaults import server_error

    return server_error(request)


def parse_bool(value) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


TRUE_WORDS, FALSE_WORDS = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def query_bool(params, name: str) -> bool:
    """A boolean query parameter: true/false, 1/0 or absent; anything else is a 400."""
    raw = str(params.get(name, "")).strip().lower()
    if raw in TRUE_WORDS | FALSE_WORDS:
        return raw in TRUE_WORDS
    raise ValidationFailed(f"参数 {name} 应为 true 或 false。", fields={name: ["应为布尔值"]})


def query_choice(params, name: str, choices, *, many: bool = False) -> str:
    """An enumerated query parameter ("" when absent; with `many`, a comma-separated list of
    choices); an unknown value is a 400 naming the allowed ones, never silently ignored."""
    raw = str(params.get(name, "")).strip()
    values = [v for v in raw.split(",") if v] if many else ([raw] if raw else [])
    allowed = [str(c) for c in choices]
    if any(v not in allowed for v in values):
        raise ValidationFailed(
            f"参数 {name} 的取值无效，可选：{'、'.join(allowed)}。", fields={name: ["取值无效"]}
        )
    return raw


def choice_list_schema(choices, *, spaced: bool = False) -> dict:
    """The OpenAPI schema of a `query_choice(..., many=True)` parameter: exactly what it accepts
    (known values, comma-separated; empty items and surrounding spaces ignored), so that a
    schema-valid value is never refused and an unknown one is documented as invalid. `spaced`:
    a filter that also strips each item (`a, b`)."""
    one = "|".join(re.escape(str(c)) for c in choices)
    if spaced:
        head, comma, tail = r"[\s,]*", r"\s*,[\s,]*", r"[\s,]*"
    else:
        head, comma, tail = r"\s*,*", ",+", r",*\s*"
    return {"type": "string", "pattern": rf"^{head}(?:(?:{one})(?:{comma}(?:{one}))*)?{tail}$"}


__all__ = [
    "JSONObjectParser",
    "JSONParser",
    "choice_list_schema",
    "error_body",
    "error_response",
    "exception_handler",
    "json_400",
    "json_403",
    "json_404",
    "json_500",
    "query_bool",
    "query_choice",
    "status",
]
