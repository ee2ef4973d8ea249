"""The one page-number pagination of every API list: pages of 50, `page_size` 1 to
`max_page_size`. A `page_size` that is no whole number in that range is refused (400), as the
OpenAPI description says, never silently clamped or ignored."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination

from yiwang.core.errors import ValidationFailed


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        top = self.max_page_size
        if raw is not None and not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= top):
            raise ValidationFailed(
                f"每页条数 page_size 应为 1～{top} 的整数。",
                fields={"page_size": [f"1～{top} 的整数"]},
            )
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters
