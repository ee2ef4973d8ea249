"""REST API of 智能分拣 (thin: parse, call a selector, serialize).

    GET /api/v1/triage/hotspots/?date=&grid=&category=   热点预警 for one day

`date` (YYYY-MM-DD, default today, not in the future), `grid` (a grid, community or street
code: prefix), `category` (a small- or big-class code). Answers the day's warnings, most
significant first, with the test's `alpha` and its stated false-alarm rate.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.core.errors import ValidationFailed
from yiwang.triage import selectors
from yiwang.triage.hotspots import DEFAULT_ALPHA, DEFAULT_WINDOW
from yiwang.workorders.models import Category


def _day(value):
    today = timezone.localdate()
    if value in (None, ""):
        return today
    try:
        day = parse_date(str(value).strip())
    except ValueError:
        day = None
    if day is None:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD。", fields={"date": ["日期格式不正确"]})
    if day > today:
        raise ValidationFailed("日期不能晚于今天。", fields={"date": ["不能是将来的日期"]})
    return day


class HotspotView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, description="日期，默认今天"),
            OpenApiParameter("grid", str, description="网格、社区或街道编码（前缀匹配）"),
            OpenApiParameter("category", str, description="事项分类编码（小类或大类）"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        params = request.query_params
        day = _day(params.get("date"))
        region = params.get("grid", "").strip()
        if region and not region.isdigit():
            raise ValidationFailed("网格编码只能是数字。", fields={"grid": ["只能是数字"]})
        category = params.get("category", "").strip()
        if category and not Category.objects.filter(code=category).exists():
            raise ValidationFailed(
                f"未知的事项分类：{category}。", fields={"category": ["分类不存在"]}
            )
        warnings = selectors.hotspot_list(
            user=request.user, day=day, region=region, category=category
        )
        return Response(
            {
                "date": day.isoformat(),
                "window_days": DEFAULT_WINDOW,
                "alpha": DEFAULT_ALPHA,
                "false_alarm_rate": DEFAULT_ALPHA,
                "false_alarm_note": selectors.FALSE_ALARM_NOTE,
                "warnings": warnings,
            }
        )
