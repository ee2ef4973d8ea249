"""The Open311 HTTP layer: thin views that parse, call selectors/services and render.

Plain Django views (not DRF): the format is chosen by the URL suffix, the error format is
Open311's own, and clients post without CSRF tokens (csrf_exempt: key-authenticated API).
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from yiwang.core.errors import ServiceError
from yiwang.integrations import selectors, services
from yiwang.integrations.open311 import documents
from yiwang.integrations.open311.formats import Open311Error, render, render_error
from yiwang.integrations.open311.openapi import openapi_document
from yiwang.integrations.open311.parsing import body_source, parse_filters, parse_request_input


def open311_endpoint(*methods: str):
    """Method check, jurisdiction check, and every refusal rendered in Open311's format."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, *args, fmt: str = "json", **kwargs):
            try:
                if request.method not in methods:
                    response = render_error(
                        fmt, Open311Error(405, f"不支持 {request.method} 方法 (method not allowed)")
                    )
                    response["Allow"] = ", ".join(methods)
                    return response
                _check_jurisdiction(request)
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as error:
                return render_error(fmt, error)
            except ServiceError as error:
                return render_error(fmt, Open311Error(error.status, _describe(error)))

        return wrapper

    return decorate


def _describe(error: ServiceError) -> str:
    """The GeoReport error `description`: the Chinese message, the fields whose messages add
    something, and the platform's machine code when it is a specific one (GeoReport's own
    `code` is the HTTP status), e.g. "该位置不在…范围内… [outside_street]"."""
    details = "; ".join(
        f"{name}: {'，'.join(str(m) for m in messages)}"
        for name, messages in (error.fields or {}).items()
        if [str(m) for m in messages] != [error.message]
    )
    text = f"{error.message} ({details})" if details else error.message
    if error.code != type(error).code:
        text += f" [{error.code}]"
    return text


def _check_jurisdiction(request) -> None:
    expected = getattr(settings, "YIWANG_OPEN311_JURISDICTION", "")
    given = (request.GET.get("jurisdiction_id") or "").strip()
    if request.method == "POST" and not given:
        try:
            given = (request.POST.get("jurisdiction_id") or "").strip()
        except Exception:  # malformed bodies are reported by the parser
            given = ""
    if expected and given and given != expected:
        raise Open311Error(404, f"未知的辖区 jurisdiction_id：{given} (unknown jurisdiction_id)")


def _base_url(request) -> str:
    return request.build_absolute_uri("/open311/v2").rstrip("/")


@open311_endpoint("GET", "HEAD")
def discovery(request, fmt):
    return render(fmt, "discovery", documents.discovery_document(_base_url(request)))


@open311_endpoint("GET", "HEAD")
def service_list(request, fmt):
    return render(fmt, "services", selectors.open311_service_list())


@open311_endpoint("GET", "HEAD")
def service_definition(request, service_code, fmt):
    return render(
        fmt, "service_definition", selectors.open311_service_definition(code=service_code)
    )


@open311_endpoint("GET", "HEAD", "POST")
def requests_collection(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    api_key = selectors.open311_api_key_for_read(request.GET.get("api_key", ""))
    filters = parse_filters(request.GET)
    orders = selectors.open311_request_list(api_key=api_key, filters=filters)
    items = [documents.request_document(order, request) for order in orders]
    return render(fmt, "service_requests", items)


def _create(request, fmt):
    data = parse_request_input(body_source(request))
    photos = [f for name in request.FILES for f in request.FILES.getlist(name)]
    submission = services.open311_request_create(
        api_key=data.api_key,
        data=data,
        photos=photos,
        idempotency_key=request.headers.get("Idempotency-Key") or None,
    )
    return render(fmt, "service_requests", [documents.created_document(submission)], status=201)


@open311_endpoint("GET", "HEAD")
def request_detail(request, service_request_id, fmt):
    api_key = selectors.open311_api_key_for_read(request.GET.get("api_key", ""))
    order = selectors.open311_request_get(api_key=api_key, id=service_request_id)
    return render(fmt, "service_requests", [documents.request_document(order, request)])


@open311_endpoint("GET", "HEAD")
def token_detail(request, token, fmt):
    submission = selectors.open311_token_get(token=token)
    return render(fmt, "service_requests", [documents.token_document(submission)])


def openapi(request):
    return JsonResponse(openapi_document(), json_dumps_params={"ensure_ascii": False})


@csrf_exempt
def not_found(request, rest=""):
    """Anything else under /open311/: Open311's 404 in JSON (unknown path or format)."""
    return render_error(
        "json", Open311Error(404, "未找到该地址；格式后缀须为 .json 或 .xml (not found)")
    )
