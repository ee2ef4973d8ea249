"""REST API of field work (thin: parse, call a service or selector, serialize).

GET  /api/v1/visits/due/?lon=&lat=        my households due or overdue this round
GET  /api/v1/visits/?household=           visits I can see (paginated)
POST /api/v1/visits/                      {"household", "lon", "lat", "accuracy_m", "met",
                                           "notes", "visited_at"?, "needs": [{"description",
                                           "category"?} for a work order, or {"description",
                                           "service": <事项编码>, "person"?} for a 上门办
                                           application]} → 201, each need with what it
                                           opened ("work_order" code or "application" number)
GET  /api/v1/visits/<id>/
GET  /api/v1/visits/coverage/?round=      coverage per worker, grid, community
POST /api/v1/patrols/                     {"lon"?, "lat"?, "at"? (a track sent later)} → 201
GET  /api/v1/patrols/                     patrols I can see (paginated)
GET  /api/v1/patrols/<id>/                one patrol with its track (segments)
POST /api/v1/patrols/<id>/points/         {"points": [{"lon","lat","at","accuracy_m"}]}
POST /api/v1/patrols/<id>/reports/        {"description","lon","lat","category"} → 201
POST /api/v1/patrols/<id>/end/            {"at"?} → distance_m, duration_s, gaps
GET  /api/v1/patrols/coverage/?grid=&week=YYYY-MM-DD
GET  /api/v1/patrols/found-share/?from=&to=
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.core.errors import NotFound, ValidationFailed
from yiwang.core.pagination import Pagination
from yiwang.core.schema import EMPTY_IS_ABSENT
from yiwang.fieldwork import geo, selectors
from yiwang.fieldwork import services as sv
from yiwang.fieldwork.models import Patrol, Visit


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise ValidationFailed("请求内容须为 JSON 对象。")
    return request.data


def _date(value, *, field: str, default: dt.date) -> dt.date:
    if value in (None, ""):
        return default
    try:
        parsed = parse_date(str(value))
    except ValueError:  # well-formed but impossible, e.g. 2026-02-30
        parsed = None
    if parsed is None:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD。", fields={field: ["日期格式不正确"]})
    return parsed


def _int(value, *, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{field} 必须是整数。", fields={field: ["必须是整数"]})


def order_brief(order) -> dict | None:
    if order is None:
        return None
    return {
        "id": order.pk,
        "code": order.code,
        "status": order.status,
        "status_display": order.get_status_display(),
    }


def application_brief(app) -> dict | None:
    if app is None:
        return None
    return {
        "id": app.pk,
        "number": app.number,
        "status": app.status,
        "status_display": app.get_status_display(),
        "channel": app.channel,
        "service": app.item.name if app.item_id else (app.bundle.name if app.bundle_id else ""),
    }


def need_data(need) -> dict:
    return {
        "id": need.pk,
        "description": need.description,
        "category": need.category,
        "service": need.service_code,
        "work_order": order_brief(need.work_order),
        "application": application_brief(need.application),
    }


def visit_data(visit: Visit) -> dict:
    return {
        "id": visit.pk,
        "household": {"id": visit.household_id, "code": visit.household.code,
                      "address": visit.household.address},
        "visitor": str(visit.visitor),
        "visited_at": visit.visited_at,
        "round": visit.round_number,
        "source": visit.source,
        "lon": visit.lon,
        "lat": visit.lat,
        "accuracy_m": visit.accuracy_m,
        "distance_m": visit.distance_m,
        "location_flag": visit.location_flag,
        "met": visit.met,
        "notes": visit.notes,
        "needs": [
            need_data(n)
            for n in visit.needs.select_related(
                "work_order", "application__item", "application__bundle"
            )
        ],
    }  # fmt: skip


def patrol_data(patrol: Patrol, *, track: bool = False) -> dict:
    data = {
        "id": patrol.pk,
        "worker": str(patrol.worker),
        "grid": patrol.region_code,
        "status": patrol.status,
        "started_at": patrol.started_at,
        "ended_at": patrol.ended_at,
        "distance_m": round(patrol.distance_m, 1),
        "duration_s": patrol.duration_s,
        "points": patrol.point_count,
        "flagged_points": patrol.flagged_count,
        "gaps": patrol.gaps,
        "version": patrol.version,
    }
    if track:
        data["track"] = selectors.patrol_track(patrol)
        data["reports"] = [
            order_brief(r.work_order) for r in patrol.reports.select_related("work_order")
        ]
    return data


class VisitDueView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("lon", float), OpenApiParameter("lat", float)],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        lon, lat = geo.point(request.query_params.get("lon"), request.query_params.get("lat"),
                             required=False)  # fmt: skip
        rows = selectors.visit_due_list(
            user=request.user, near=(lon, lat) if lon is not None else None
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(page)


class VisitListCreateView(APIView):
    @extend_schema(
        operation_id="visit_list",
        parameters=[OpenApiParameter("household", int)],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        household = _int(request.query_params.get("household"), field="household")
        qs = selectors.visit_list(user=request.user, household=household)
        if household is not None and not -(2**63) <= household < 2**63:
            qs = qs.none()  # no row has a key beyond 64 bits (and the database cannot compare it)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([visit_data(v) for v in page])

    @extend_schema(
        operation_id="visit_record",
        request=inline_serializer("VisitRecordInput", {"household": serializers.IntegerField()}),
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        data = _body(request)
        visit = sv.visit_record(
            actor=request.user,
            household=data.get("household"),
            lon=data.get("lon"),
            lat=data.get("lat"),
            accuracy_m=data.get("accuracy_m"),
            met=data.get("met", ""),
            notes=data.get("notes", ""),
            needs=data.get("needs"),
            visited_at=data.get("visited_at"),
            source=data.get("source"),
        )
        return Response(visit_data(visit), status=201)


class VisitDetailView(APIView):
    @extend_schema(operation_id="visit_detail", responses=OpenApiTypes.OBJECT)
    def get(self, request, pk: int):
        return Response(visit_data(selectors.visit_get(user=request.user, id=pk)))


MAX_ROUND = 1200


class VisitCoverageView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "round",
                {"type": "integer", "minimum": 1, "maximum": MAX_ROUND},
                description=f"轮次，1–{MAX_ROUND}",
                extensions=EMPTY_IS_ABSENT,
            )
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        number = _int(request.query_params.get("round"), field="round")
        if number is not None and number < 1:
            raise ValidationFailed("轮次从 1 开始。", fields={"round": ["须 ≥ 1"]})
        if number is not None and number > MAX_ROUND:
            # 1,200 rounds of one month each is a century: a larger number names no real round.
            raise ValidationFailed("轮次超出范围。", fields={"round": [f"须 ≤ {MAX_ROUND}"]})
        return Response(selectors.visit_coverage(user=request.user, round_number=number))


class PatrolListCreateView(APIView):
    @extend_schema(operation_id="patrol_list", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.patrol_list(user=request.user), request, view=self
        )
        return paginator.get_paginated_response([patrol_data(p) for p in page])

    @extend_schema(
        operation_id="patrol_start",
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        patrol = sv.patrol_start(
            actor=request.user, lon=data.get("lon"), lat=data.get("lat"), at=data.get("at")
        )
        return Response(patrol_data(patrol), status=201)


class PatrolDetailView(APIView):
    @extend_schema(operation_id="patrol_detail", responses=OpenApiTypes.OBJECT)
    def get(self, request, pk: int):
        patrol = selectors.patrol_get(user=request.user, id=pk)
        return Response(patrol_data(patrol, track=True))


PATROL_POINTS_REQUEST = inline_serializer(
    "PatrolPointsInput",
    {
        "points": serializers.ListField(
            child=inline_serializer(
                "PatrolPointInput",
                {
                    "lon": serializers.FloatField(min_value=-180, max_value=180),
                    "lat": serializers.FloatField(min_value=-90, max_value=90),
                    "at": serializers.DateTimeField(),
                    "accuracy_m": serializers.FloatField(
                        min_value=0, max_value=100000, required=False, allow_null=True
                    ),
                },
            ),
            min_length=1,
            max_length=sv.MAX_BATCH,
        )
    },
)


class PatrolPointsView(APIView):
    @extend_schema(request=PATROL_POINTS_REQUEST, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk: int):
        result = sv.patrol_points_add(
            actor=request.user, patrol=pk, points=_body(request).get("points")
        )
        return Response(result)


class PatrolReportView(APIView):
    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, pk: int):
        data = _body(request)
        order = sv.patrol_report(
            actor=request.user,
            patrol=pk,
            description=data.get("description"),
            lon=data.get("lon"),
            lat=data.get("lat"),
            category=data.get("category"),
            address=data.get("address") or "",
        )
        return Response(order_brief(order), status=201)


class PatrolEndView(APIView):
    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk: int):
        data = request.data if isinstance(request.data, dict) else {}
        return Response(
            patrol_data(sv.patrol_end(actor=request.user, patrol=pk, at=data.get("at")))
        )


class PatrolCoverageView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("grid", str), OpenApiParameter("week", OpenApiTypes.DATE)],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        from yiwang.grids.models import Region

        today = timezone.localdate()
        week = _date(request.query_params.get("week"), field="week",
                     default=today - dt.timedelta(days=today.weekday()))  # fmt: skip
        code = request.query_params.get("grid", "")
        grid = Region.objects.visible_to(request.user).filter(code=code, level="grid").first()
        if grid is None:
            raise NotFound("网格不存在。", fields={"grid": ["未找到"]})
        result = selectors.patrol_grid_coverage(user=request.user, grid=grid, week_start=week)
        return Response({"grid": code, "week": week} | result)


class PatrolFoundShareView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE),
            OpenApiParameter("to", OpenApiTypes.DATE),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        today = timezone.localdate()
        start = _date(request.query_params.get("from"), field="from", default=today.replace(day=1))
        end = _date(request.query_params.get("to"), field="to", default=today)
        if end < start:
            raise ValidationFailed("结束日期早于开始日期。", fields={"to": ["早于开始日期"]})
        return Response(selectors.patrol_found_share(user=request.user, start=start, end=end))
