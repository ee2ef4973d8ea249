"""Site-root routes of 业务对接: Open311 GeoReport v2 under /open311/v2/.

Every Open311 route ends in `.json` or `.xml`; anything else under /open311/ (an unknown
path or format) answers Open311's 404 in JSON.
"""

from django.urls import path, re_path

from yiwang.integrations.open311 import views

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    path("open311/v2/openapi.json", views.openapi, name="open311-openapi"),
    re_path(r"^open311/(?:v2/)?discovery" + FMT, views.discovery, name="open311-discovery"),
    re_path(r"^open311/v2/services" + FMT, views.service_list, name="open311-services"),
    re_path(
        r"^open311/v2/services/(?P<service_code>[^/]+?)" + FMT,
        views.service_definition,
        name="open311-service",
    ),
    re_path(r"^open311/v2/requests" + FMT, views.requests_collection, name="open311-requests"),
    re_path(
        r"^open311/v2/requests/(?P<service_request_id>[^/]+?)" + FMT,
        views.request_detail,
        name="open311-request",
    ),
    re_path(
        r"^open311/v2/tokens/(?P<token>[^/]+?)" + FMT, views.token_detail, name="open311-token"
    ),
    re_path(r"^open311/(?P<rest>.*)$", views.not_found, name="open311-not-found"),
]
