from django.conf import settings
from django.utils import timezone

from yiwang.core import workdays


def calendar_warning(user) -> str:
    """For administrators: the years whose holidays are still provisional (预估) and that
    deadlines set today may reach, until someone enters the State Council's notice."""
    if not getattr(user, "is_staff", False):
        return ""
    today = timezone.localdate()
    years = workdays.years_needing_entry(today)
    if not years:
        return ""
    names = "、".join(f"{y}年" for y in years)
    return (
        f"{names}的节假日安排尚未录入：落在这些年份的时限按放假办法预估（不含调休上班日），"
        "标为“预估”。国务院办公厅通知发布后，请在系统管理“节假日年度”中导入。"
    )


def site(request):
    return {
        "SITE_NAME": "一网 · 镇街一体化平台",
        "TILE_URL": settings.YIWANG_TILE_URL,
        "CALENDAR_WARNING": calendar_warning(getattr(request, "user", None)),
    }
