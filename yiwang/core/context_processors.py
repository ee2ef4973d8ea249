from django.conf import settings


def site(request):
    return {"SITE_NAME": "一网 · 镇街一体化平台", "TILE_URL": settings.YIWANG_TILE_URL}
