"""URL map. Each app adds its own `api_urls` (under /api/v1/) and `urls` (pages)."""

from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from yiwang.accounts.api import MeView, TokenLoginView

admin.site.site_header = "一网 · 镇街一体化平台 系统管理"
admin.site.site_title = "一网 系统管理"
admin.site.index_title = "系统管理"

# Apps that expose API routes (module yiwang.<app>.api_urls) or pages (yiwang.<app>.urls).
APPS = [a.split(".")[-1] for a in settings.INSTALLED_APPS if a.startswith("yiwang.")]


def _optional(module: str):
    return import_module(module) if find_spec(module) else None


api_patterns = [
    path("auth/token/", TokenLoginView.as_view(), name="auth-token"),
    path("auth/me/", MeView.as_view(), name="auth-me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]
page_patterns = []
for app in APPS:
    if _optional(f"yiwang.{app}.api_urls"):
        api_patterns.append(path("", include(f"yiwang.{app}.api_urls")))
    if _optional(f"yiwang.{app}.urls"):
        page_patterns.append(path("", include(f"yiwang.{app}.urls")))

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_patterns)),
    path("accounts/", include("django.contrib.auth.urls")),
    *page_patterns,
]

handler400 = "yiwang.core.api.json_400"
handler403 = "yiwang.core.api.json_403"
handler404 = "yiwang.core.api.json_404"
handler500 = "yiwang.core.api.json_500"
