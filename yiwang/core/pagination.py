"""The one page-number pagination of every API list: pages of 50, `page_size` 1 to
`max_page_size`. A `page` or `page_size` that is no whole number in its range (`page=`, `page=0`,
`page=x`) is refused (400), as the OpenAPI description says, never silently clamped, ignored or
read as page 1 (nor `page=last`: the description says integer); a whole page number beyond the
last answers 404."""

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

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
            raise ValidationFailed(
                "页码 page 应为从 1 起的整数。", fields={self.page_query_param: ["从 1 起的整数"]}
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        return parameters
