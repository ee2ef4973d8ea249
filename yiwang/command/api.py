"""REST API of the command center (指挥调度一中心), thin over services and selectors.

GET  /api/v1/command/overview/?region=&from=&to=        the screen's figures in one call
GET  /api/v1/command/map/?parent=                       GeoJSON of the next level down
GET  /api/v1/command/analysis/?metric=&by=&from=&to=&compare_from=&compare_to=&export=xlsx
GET  /api/v1/command/tasks/   POST {"title","instructions","grids"|"region","due"}
GET  /api/v1/command/tasks/<id>/                        progress counts and per-grid rows
POST /api/v1/command/tasks/<id>/assignments/<grid>/confirm/   and .../report/ {"note"}
GET  /api/v1/command/incidents/   POST {"level","type","description","lon","lat"}
GET  /api/v1/command/incidents/<id>/   POST .../ack/   POST .../close/
POST /api/v1/command/incidents/<id>/plan/ {"plan": id}  预案: a task to the grids around it
GET  /api/v1/command/assessments/?month=YYYY-MM&kind=department|grid_worker&export=xlsx
PUT  /api/v1/command/assessments/weights/ {"kind","weights":{fact: percent},"version"}
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.command import selectors, services, xlsx
from yiwang.command.services.incidents import incident_get_for
from yiwang.core.api import parse_bool
from yiwang.core.errors import ValidationFailed

PERIOD = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="开始日期（含），默认本月1日"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="结束日期（含），默认今天"),
    OpenApiParameter("region", str, description="区域编码（街道/社区/网格，前缀匹配）"),
]


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise ValidationFailed("请求内容须为 JSON 对象。")
    return request.data


def _wants_xlsx(request) -> bool:
    """`?export=xlsx` (not `format`: DRF reads `format` to choose a renderer)."""
    return request.query_params.get("export", "") == "xlsx"


class OverviewView(APIView):
    @extend_schema(parameters=PERIOD, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        p = request.query_params
        date_from, date_to = selectors.parse_period(p.get("from"), p.get("to"))
        return Response(
            selectors.overview(
                user=request.user,
                region=p.get("region", ""),
                date_from=date_from,
                date_to=date_to,
            )
        )


class MapView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("parent", str, description="上级区域编码；空为街道"),
            OpenApiParameter("hotspots", bool, description="1：同时统计今日热点预警"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        return Response(
            selectors.map_layer(
                user=request.user,
                parent=request.query_params.get("parent", ""),
                hotspots=parse_bool(request.query_params.get("hotspots", "")),
            )
        )


class AnalysisView(APIView):
    @extend_schema(
        parameters=[
            *PERIOD,
            OpenApiParameter("metric", str, enum=list(selectors.METRICS)),
            OpenApiParameter("by", str, enum=list(selectors.DIMENSIONS)),
            OpenApiParameter("compare_from", OpenApiTypes.DATE, description="对比期开始"),
            OpenApiParameter("compare_to", OpenApiTypes.DATE, description="对比期结束"),
            OpenApiParameter("export", str, enum=["xlsx"], description="xlsx：导出表格"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        p = request.query_params
        date_from, date_to = selectors.parse_period(p.get("from"), p.get("to"))
        compare_from = compare_to = None
        if p.get("compare_from") or p.get("compare_to"):
            if not (p.get("compare_from") and p.get("compare_to")):
                raise ValidationFailed(
                    "对比期须同时给出 compare_from 与 compare_to。",
                    fields={"compare_to": ["必填"]},
                )
            compare_from, compare_to = selectors.parse_period(
                p.get("compare_from"), p.get("compare_to")
            )
        data = selectors.analysis(
            user=request.user,
            metric=p.get("metric", "reported"),
            by=p.get("by", "community"),
            date_from=date_from,
            date_to=date_to,
            region=p.get("region", ""),
            compare_from=compare_from,
            compare_to=compare_to,
        )
        return xlsx.analysis_workbook(data) if _wants_xlsx(request) else Response(data)


class TaskListView(APIView):
    @extend_schema(operation_id="command_tasks_list", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        tasks = selectors.task_list(user=request.user)[:100]
        return Response({"results": [selectors.task_progress(t) for t in tasks]})

    @extend_schema(
        operation_id="command_tasks_create",
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        data = _body(request)
        task = services.task_create(
            actor=request.user,
            title=data.get("title"),
            instructions=data.get("instructions", ""),
            grids=data.get("grids"),
            region=data.get("region"),
            due=data.get("due"),
            report_fields=data.get("report_fields"),
        )
        return Response(selectors.task_progress(task), status=201)


class TaskDetailView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk: int):
        return Response(selectors.task_progress(selectors.task_get(user=request.user, id=pk)))


class AssignmentActionView(APIView):
    @extend_schema(
        operation_id="command_assignment_action",
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request, pk: int, grid: str, action: str):
        data = _body(request)
        if action == "confirm":
            row = services.task_assignment_confirm(
                actor=request.user, task_id=pk, grid_code=grid, version=data.get("version")
            )
        elif action == "report":
            row = services.task_assignment_report(
                actor=request.user,
                task_id=pk,
                grid_code=grid,
                note=data.get("note"),
                values=data.get("values"),
                version=data.get("version"),
            )
        else:
            from yiwang.core.errors import NotFound

            raise NotFound("未知操作。")
        progress = selectors.task_progress(row.task)
        mine = next(a for a in progress["assignments"] if a["grid"] == grid)
        return Response(
            {
                **mine,
                "task": {
                    k: progress[k] for k in ("id", "expected", "confirmed", "reported", "on_time")
                },
            }
        )


class IncidentListView(APIView):
    @extend_schema(operation_id="command_incidents_list", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        rows = selectors.incidents_open(user=request.user)
        return Response({"results": [selectors.incident_row(i) for i in rows]})

    @extend_schema(
        operation_id="command_incidents_create",
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        data = _body(request)
        incident = services.incident_raise(
            actor=request.user,
            level=data.get("level"),
            type=data.get("type"),
            description=data.get("description"),
            lon=data.get("lon"),
            lat=data.get("lat"),
        )
        return Response(selectors.incident_row(incident), status=201)


class IncidentDetailView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk: int):
        return Response(selectors.incident_row(incident_get_for(user=request.user, id=pk)))


class IncidentActionView(APIView):
    @extend_schema(
        operation_id="command_incident_action",
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request, pk: int, action: str):
        data = _body(request)
        if action == "ack":
            incident = services.incident_ack(actor=request.user, id=pk, note=data.get("note", ""))
        elif action == "close":
            incident = services.incident_close(actor=request.user, id=pk, note=data.get("note", ""))
        elif action == "plan":
            task = services.incident_apply_plan(actor=request.user, id=pk, plan=data.get("plan"))
            return Response(selectors.task_progress(task), status=201)
        else:
            from yiwang.core.errors import NotFound

            raise NotFound("未知操作。")
        return Response(selectors.incident_row(incident))


class AssessmentView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM"),
            OpenApiParameter("kind", str, enum=["department", "grid_worker"]),
            OpenApiParameter("export", str, enum=["xlsx"], description="xlsx：导出表格"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        p = request.query_params
        data = selectors.assessment_rows(
            user=request.user, month=p.get("month", ""), kind=p.get("kind", "department")
        )
        return xlsx.assessment_workbook(data) if _wants_xlsx(request) else Response(data)


class AssessmentWeightsView(APIView):
    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def put(self, request):
        data = _body(request)
        row = services.assessment_scheme_set(
            actor=request.user,
            kind=data.get("kind"),
            weights=data.get("weights"),
            version=data.get("version"),
        )
        return Response({"kind": row.kind, "weights": row.weights, "version": row.version})
