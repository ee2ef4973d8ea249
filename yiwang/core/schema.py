"""The OpenAPI description (drf-spectacular) as the API answers: every operation documents the
JSON error format for the 4xx statuses it can give (400 always: any input may be refused; 401
and 403 unless anonymous callers are allowed; 404 always (a path, parameter or body may name an
object that is missing or not the caller's, a page may lie beyond the last); 409 for writes:
a stale version or a state that does not allow the action; 413 and 415 where a body is read: one
over the size limit, or of a type no parser reads, such as a body with no Content-Type).

Free text in a request (a string field with no format, enum or pattern of its own) carries
`TEXT_PATTERN`: no NUL character, which `core.parsers` refuses (400) as no database stores it.
A lone surrogate ("\\ud800", refused too) needs no pattern: UTF-8 cannot carry one, and a JSON
escape that spells one is no Unicode text, which JSON Schema strings are."""

from __future__ import annotations

import inspect
from functools import cache

from drf_spectacular import openapi
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from yiwang.core.pagination import Pagination


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="机器读的错误码，如 invalid, not_found, stale_version")
    message = serializers.CharField(help_text="给人看的中文说明")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="出错的字段及原因",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERRORS = {
    400: "请求数据有误（字段、格式或取值；文本中不得含空字符 NUL 或孤立代理项）",
    401: "未登录，或令牌无效、已过期、已注销",
    403: "您的角色无权执行此操作",
    404: "未找到，或不在您的数据范围内（路径、参数或请求体所指的对象、本人的记录；页码超出范围）",
    409: "状态不允许此操作，或版本号已过期（请刷新后重试）",
    413: "请求内容过大（超过上传上限）",
    415: "不支持的请求内容类型（请用 JSON、表单或 multipart，并注明 Content-Type）",
    429: "请求过于频繁，或登录失败次数过多、已暂时锁定（稍后再试）",
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
BODY_METHODS = {"POST", "PUT", "PATCH"}
# Query parameters and request fields that are WGS-84 degrees wherever they appear (lon/lat),
# with the range every view checks (a number outside it is a 400: the description says so).
COORDINATES = {"lon": (-180, 180), "lat": (-90, 90)}
# A query parameter whose view reads an empty value (`?from=`) as absent says so with
# `extensions=EMPTY_IS_ABSENT` (drf-spectacular passes only x- keys through): it is documented as
# `allowEmptyValue`, so that `?from=` is schema-valid, as the view treats it.
EMPTY_IS_ABSENT = {"x-empty-is-absent": True}
# Text without NUL (ECMA-262, as JSON Schema reads `pattern`; Python's `re` reads it alike).
TEXT_PATTERN = r"^[^\u0000]*$"


class AutoSchema(openapi.AutoSchema):
    def _get_paginator(self):
        """Plain APIViews paginate by hand; name the paginator with `pagination_class` on the
        view. Without it, a view whose method calls `paginate_queryset` is still documented as
        answering a page (count, next, previous, results), as it does."""
        paginator = super()._get_paginator()
        if paginator is None and self.method == "GET" and paginates(type(self.view), "get"):
            return Pagination()
        return paginator

    def _get_format_parameters(self):
        """DRF's `?format=` (URL_FORMAT_OVERRIDE) reads an empty value as absent: say so."""
        parameters = super()._get_format_parameters()
        for parameter in parameters:
            parameter["allowEmptyValue"] = True
        return parameters

    def _get_parameters(self):
        parameters = super()._get_parameters()
        for parameter in parameters:
            if parameter["in"] == "query":
                bound_coordinate(parameter["name"], parameter.get("schema", {}))
                if parameter.pop("x-empty-is-absent", False):
                    parameter["allowEmptyValue"] = True
        return parameters

    def _map_basic_serializer(self, serializer, direction):
        """Request fields, once their validators are in (a RegexField's own pattern wins)."""
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request":
            for name, field in schema.get("properties", {}).items():
                bound_coordinate(name, field)
                for leaf in (field, field.get("items"), field.get("additionalProperties")):
                    if isinstance(leaf, dict):
                        refuse_nul(leaf)
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self.error_codes():
            key = str(code)
            if key in responses:
                continue
            body = self._get_response_for_code(
                ErrorSerializer, key, ["application/json"], direction
            )
            body["description"] = ERRORS[code]
            responses[key] = body
        return responses

    def error_codes(self) -> list[int]:
        codes = [400]
        if not self._allows_anonymous():
            codes += [401, 403]
        if self._names_objects():
            codes.append(404)
        if self.method in WRITE_METHODS:
            codes.append(409)
        if self.method in BODY_METHODS:
            codes += [413, 415]
        if getattr(self.view, "throttle_scope", None):  # a rate limit or a login lockout
            codes.append(429)
        return codes

    def _names_objects(self) -> bool:
        """Can this operation answer 404? Any can: its path, a parameter or the body may name
        an object (a grid code, a household id), a page may lie beyond the last, and the
        caller's own object may be missing (my firm, my volunteer record)."""
        return True

    def _allows_anonymous(self) -> bool:
        try:
            permissions = self.view.get_permissions()
        except Exception:  # a view whose permissions need a request: assume sign-in
            return False
        return any(isinstance(p, AllowAny) for p in permissions)


def bound_coordinate(name: str | None, schema: dict) -> None:
    """A `lon` or `lat` number is WGS-84 degrees: give it the range the views check."""
    bounds = COORDINATES.get(name)
    if bounds and schema.get("type") == "number":
        schema.setdefault("minimum", bounds[0])
        schema.setdefault("maximum", bounds[1])


def refuse_nul(schema: dict) -> None:
    """Free text in a request admits no NUL: give a plain string schema `TEXT_PATTERN`."""
    plain = schema.get("type") == "string" and not {"format", "enum", "pattern"} & set(schema)
    if plain:
        schema["pattern"] = TEXT_PATTERN


@cache
def paginates(view_class, method: str) -> bool:
    """Does this view's method page its answer (calls a paginator's `paginate_queryset`)?"""
    handler = getattr(view_class, method, None)
    try:
        return handler is not None and "paginate_queryset(" in inspect.getsource(handler)
    except (OSError, TypeError):
        return False
