"""Chinese error pages whatever DEBUG says (错误页面).

With DEBUG=1 (the demo) Django answers an `Http404` or `PermissionDenied` raised by a view with
its English technical page; people must see the project's Chinese 404/403 pages with the right
status in the demo as in production. The API keeps its JSON errors (core.api handlers).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse

MACHINE_PREFIXES = ("/api/", "/open311/")


class ChineseErrorPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith(MACHINE_PREFIXES):
            return None
        if isinstance(exception, Http404):
            return self._page(request, "404.html", 404)
        if isinstance(exception, PermissionDenied):
            return self._page(request, "403.html", 403)
        return None

    @staticmethod
    def _page(request, template: str, status: int):
        response = TemplateResponse(
            request, template, {"request_path": request.path}, status=status
        )
        return response.render()
