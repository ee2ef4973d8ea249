"""The OpenAPI description (drf-spectacular) as the API answers: every operation documents the
JSON error format for the 4xx statuses it can give (400 always: any input may be refused; 401
and 403 unless anonymous callers are allowed; 404 always (a path, parameter or body may name an
object that is missing or not the caller's, a page may lie beyond the last); 409 for writes:
a stale version or a state that does not allow the action)."""

from __future__ import annotations

import inspect
from functools import cache

from drf_spectacular import openapi
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny


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
    400: "请求数据有误（字段、格式或取值）",
    401: "未登录，或令牌无效、已过期、已注销",
    403: "您的角色无权执行此操作",
    404: "未找到，或不在您的数据范围内（路径、参数或请求体所指的对象、本人的记录；页码超出范围）",
    409: "状态不允许此操作，或版本号已过期（请刷新后重试）",
    429: "请求过于频繁，或登录失败次数过多、已暂时锁定（稍后再试）",
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class AutoSchema(openapi.AutoSchema):
    def _get_paginator(self):
        """Plain APIViews paginate by hand; name the paginator with `pagination_class` on the
        view. Without it, a view whose method calls `paginate_queryset` is still documented as
        answering a page (count, next, previous, results), as it does."""
        paginator = super()._get_paginator()
        if paginator is None and self.method == "GET" and paginates(type(self.view), "get"):
            return PageNumberPagination()
        return paginator

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


@cache
def paginates(view_class, method: str) -> bool:
    """Does this view's method page its answer (calls a paginator's `paginate_queryset`)?"""
    handler = getattr(view_class, method, None)
    try:
        return handler is not None and "paginate_queryset(" in inspect.getsource(handler)
    except (OSError, TypeError):
        return False
