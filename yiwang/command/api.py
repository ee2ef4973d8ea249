"""REST API of the command center (指挥调度一中心), thin over services and selectors.

GET  /api/v1/command/overview/?region=&from=&to=        the screen's figures in one call
GET  /api/v1/command/map/?parent=                       GeoJSON of the next level down
GET  /api/v1/command/layers/colours/?month=&region=     四色网格 of a month, facts per grid
GET  /api/v1/command/layers/firms/?region=              亩均效益 class of each firm (points)
GET  /api/v1/command/analysis/?metric=&by=&from=&to=&compare_from=&compare_to=&export=xlsx
GET  /api/v1/command/tasks/   POST {"title","instructions","grids"|"region","due"}
GET  /api/v1/command/tasks/<id>/                        progress counts and per-grid rows
POST /api/v1/command/tasks/<id>/assignments/<grid>/confirm/   and .../report/ {"note"}
GET  /api/v1/command/incidents/   POST {"level","type","description","lon","lat"}
GET  /api/v1/command/incidents/<id>/   POST .../ack/   POST .../close/
POST /api/v1/command/incidents/<id>/plan/ {"plan": id}  预案: a task to the grids around it
GET  /api/v1/command/assessments/?month=YYYY-MM&kind=department|grid_worker&export=xlsx
POST /api/v1/command/assessments/store/ {"month"}        freeze a month that is over (409: stored)
PUT  /api/v1/command/assessments/weights/ {"kind","weights":{fact: percent},"version"}
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.command import selectors, services, xlsx
from yiwang.command.models import AssessmentKind, IncidentLevel, IncidentType
from yiwang.command.services.broadcast import MAX_GRIDS
from yiwang.command.services.incidents import incident_get_for
from yiwang.core.api import query_bool
from yiwang.core.errors import ValidationFailed
from yiwang.core.validators import MONTH_PATTERN

# The input rules the selectors and services apply, stated in the OpenAPI description so that
# a client (and schemathesis) knows them: a region code is digits (selectors.REGION_RE), a month
# is YYYY-MM with a month 01–12 (core.months.month_bounds), a text must not be blank once trimmed.
REGION_PATTERN = r"^\d{1,40}$"
REGION_QUERY = r"^\d{0,40}$"  # in a query, empty means "not given"
NOT_BLANK = r"\S"
REGION = OpenApiParameter(
    "region", str, pattern=REGION_QUERY, description="区域编码（街道/社区/网格，前缀匹配）"
)
# A GET that also answers `?export=xlsx` documents both media types.
JSON_OR_XLSX = {
    (200, "application/json"): OpenApiTypes.OBJECT,
    (200, xlsx.XLSX): OpenApiTypes.BINARY,
}
PERIOD = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="开始日期（含），默认本月1日"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="结束日期（含），默认今天"),
    REGION,
]


TASK_INPUT = inline_serializer(
    "CommandTaskInput",
    fields={
        "title": serializers.RegexField(NOT_BLANK, max_length=100),
        "instructions": serializers.CharField(required=False, allow_blank=True, max_length=4000),
        "grids": serializers.ListField(
            child=serializers.RegexField(REGION_PATTERN),
            required=False,
            max_length=MAX_GRIDS,
            help_text="网格编码（须为您可布置的网格）",
        ),
        "region": serializers.RegexField(
            REGION_PATTERN, required=False, help_text="区域编码：其下全部网格"
        ),
        "due": serializers.DateTimeField(help_text="完成时限，须晚于现在"),
        "report_fields": serializers.ListField(
            child=serializers.RegexField(NOT_BLANK), required=False, max_length=20
        ),
    },
)
INCIDENT_INPUT = inline_serializer(
    "CommandIncidentInput",
    fields={
        # a pattern, not an enum component: "level" names other enums in the description
        "level": serializers.RegexField(
            f"^({'|'.join(IncidentLevel.values)})$",
            help_text="；".join(f"{v}：{label}" for v, label in IncidentLevel.choices),
        ),
        "type": serializers.ChoiceField(
            choices=[*IncidentType.values, *IncidentType.labels], help_text="类型代码或中文名"
        ),
        "description": serializers.RegexField(NOT_BLANK, max_length=4000),
        "lon": serializers.FloatField(min_value=-180, max_value=180),
        "lat": serializers.FloatField(min_value=-90, max_value=90),
    },
)
MONTH_INPUT = inline_serializer(
    "CommandMonthInput", fields={"month": serializers.RegexField(MONTH_PATTERN)}
)
WEIGHTS_INPUT = inline_serializer(
    "CommandWeightsInput",
    fields={
        "kind": serializers.ChoiceField(choices=AssessmentKind.choices),
        "weights": serializers.DictField(
            child=serializers.FloatField(min_value=0, max_value=100),
            help_text="{指标: 百分比}，指标属于所选考核对象，合计 100",
        ),
        "version": serializers.IntegerField(required=False),
    },
)


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise ValidationFailed("请求内容须为 JSON 对象。")
    return request.data


def _wants_xlsx(request) -> bool:
    """`?export=xlsx` (not `format`: DRF reads `format` to choose a renderer); any other value
    is refused, as the description's enum says."""
    value = request.query_params.get("export")
    if value not in (None, "xlsx"):
        raise ValidationFailed("export 只能为 xlsx。", fields={"export": ["可选：xlsx"]})
    return value == "xlsx"


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
            OpenApiParameter(
                "parent", str, pattern=REGION_QUERY, description="上级区域编码；空为街道"
            ),
            OpenApiParameter("hotspots", bool, description="1：同时统计今日热点预警"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        return Response(
            selectors.map_layer(
                user=request.user,
                parent=request.query_params.get("parent", ""),
                hotspots=query_bool(request.query_params, "hotspots"),
            )
        )


class ColourLayerView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "month", str, pattern=f"^({MONTH_PATTERN[1:-1]})?$", description="默认本月"
            ),
            REGION,
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        p = request.query_params
        return Response(
            selectors.colour_layer(
                user=request.user, region=p.get("region", ""), month=p.get("month", "")
            )
        )


class FirmLayerView(APIView):
    @extend_schema(
        parameters=[REGION],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        return Response(
            selectors.firm_class_layer(
                user=request.user, region=request.query_params.get("region", "")
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
        responses=JSON_OR_XLSX,
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
        request=TASK_INPUT,
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
        parameters=[
            OpenApiParameter("action", str, OpenApiParameter.PATH, enum=["confirm", "report"])
        ],
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
        request=INCIDENT_INPUT,
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
        parameters=[
            OpenApiParameter("action", str, OpenApiParameter.PATH, enum=["ack", "close", "plan"])
        ],
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
            OpenApiParameter("month", str, required=True, pattern=MONTH_PATTERN),
            OpenApiParameter("kind", str, enum=["department", "grid_worker"]),
            OpenApiParameter("export", str, enum=["xlsx"], description="xlsx：导出表格"),
        ],
        responses=JSON_OR_XLSX,
    )
    def get(self, request):
        p = request.query_params
        data = selectors.assessment_rows(
            user=request.user, month=p.get("month", ""), kind=p.get("kind", "department")
        )
        return xlsx.assessment_workbook(data) if _wants_xlsx(request) else Response(data)


class AssessmentStoreView(APIView):
    @extend_schema(request=MONTH_INPUT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        data = _body(request)
        stored = services.assessment_month_store(actor=request.user, month=data.get("month"))
        return Response(
            {
                "month": stored[0].month.strftime("%Y-%m"),
                "stored_at": stored[0].stored_at.isoformat(),
                "kinds": {s.kind: {"rows": len(s.rows), "weights": s.weights} for s in stored},
            },
            status=201,
        )


class AssessmentWeightsView(APIView):
    @extend_schema(request=WEIGHTS_INPUT, responses=OpenApiTypes.OBJECT)
    def put(self, request):
        data = _body(request)
        row = services.assessment_scheme_set(
            actor=request.user,
            kind=data.get("kind"),
            weights=data.get("weights"),
            version=data.get("version"),
        )
        return Response({"kind": row.kind, "weights": row.weights, "version": row.version})
