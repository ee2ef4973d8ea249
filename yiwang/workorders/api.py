"""REST API of work orders (thin: parse, call a service or selector, serialize).

    POST /api/v1/workorders/                       intake (JSON or multipart with `photos`)
    GET  /api/v1/workorders/?status=&grid=&…       scoped, paginated list (with supporter_count)
    GET  /api/v1/workorders/<id>/                  one order with `events`, photos, sub-tasks
    POST /api/v1/workorders/<id>/<action>/         dispatch, accept, return, assist, extend,
                                                   extend_decide, complete, verify, reopen,
                                                   supervise, resolve_on_spot, merge, cancel, rate
    POST /api/v1/workorders/<id>/assist-tasks/<task>/<accept|complete>/
    POST /api/v1/workorders/<id>/support/          我也遇到 (the caller's lon/lat: only an order
                                                   seen nearby answers, otherwise 404)
    GET  /api/v1/workorders/<id>/photos/<photo>/   the image (scoped like the order)
    GET  /api/v1/categories/                       category tree with the applicable rule
    GET  /api/v1/responsibility-rules/             the current responsibility list
    GET  /api/v1/kpis/?from=&to=&grid=&department=

Idempotency: `POST /workorders/` with an `Idempotency-Key` header (≤ 200 chars) is stored per
(reporter, channel, key); a retry returns the first order with **200** (the first answer was
201) and the header `Idempotent-Replayed: true`. The body of the retry is not compared.
Action names accept `-` or `_` (`resolve-on-spot` = `resolve_on_spot`).
"""

from __future__ import annotations

import copy
import datetime as dt

from django.http import FileResponse
from django.utils import timezone
from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.accounts.models import Role
from yiwang.core.api import choice_list_schema, parse_bool
from yiwang.core.errors import NotFound, ValidationFailed
from yiwang.core.pagination import Pagination as BasePagination
from yiwang.core.parsers import JSONObjectParser
from yiwang.core.pii import mask_name
from yiwang.core.schema import EMPTY_IS_ABSENT
from yiwang.workorders import selectors
from yiwang.workorders import services as sv
from yiwang.workorders.models import WorkOrder, WorkOrderPhoto

# --- serializers (output) ---------------------------------------------------------------------


class FieldsBuiltOnce:
    """For a ModelSerializer: build the fields from the model once per class and copy them for
    each instance. DRF introspects the model on every instantiation, which was a fifth of the CPU
    of an intake's 201 (the detail has 56 fields; `yiwang bench intake`)."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return copy.deepcopy(built)


def _photo_url(request, photo) -> str:
    path = f"/api/v1/workorders/{photo.order_id}/photos/{photo.pk}/"
    return request.build_absolute_uri(path) if request is not None else path


class PhotoSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    kind = serializers.CharField(help_text="report 上报照片 / evidence 处置照片")

    class Meta:
        model = WorkOrderPhoto
        fields = ["id", "kind", "url", "width", "height", "size", "content_type", "uploaded_at"]

    def get_url(self, obj) -> str:
        return _photo_url(self.context.get("request"), obj)


class WorkOrderSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """An order as lists show it."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    category = serializers.SerializerMethodField()
    category_name = serializers.SerializerMethodField()
    grid = serializers.SerializerMethodField()
    grid_name = serializers.SerializerMethodField()
    primary_department_name = serializers.SerializerMethodField()
    sla = serializers.SerializerMethodField()
    reporter_display = serializers.SerializerMethodField()
    supporter_count = serializers.SerializerMethodField(
        help_text="我也遇到：附议的居民人数（他们没有另行上报，计入本工单）"
    )

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "code",
            "status",
            "status_display",
            "channel",
            "channel_display",
            "priority",
            "category",
            "category_name",
            "grid",
            "grid_name",
            "region_code",
            "primary_department",
            "primary_department_name",
            "deadline",
            "deadline_provisional",
            "sla",
            "supervised",
            "description",
            "address",
            "lon",
            "lat",
            "reported_at",
            "reporter_display",
            "satisfaction",
            "supporter_count",
            "external_id",
            "version",
            "updated_at",
        ]

    def get_category(self, obj) -> str | None:
        return obj.category.code if obj.category_id else None

    def get_category_name(self, obj) -> str | None:
        return obj.category.name if obj.category_id else None

    def get_grid(self, obj) -> str | None:
        return obj.grid.code if obj.grid_id else None

    def get_grid_name(self, obj) -> str | None:
        return obj.grid.name if obj.grid_id else None

    def get_primary_department_name(self, obj) -> str | None:
        return obj.primary_department.name if obj.primary_department_id else None

    def get_supporter_count(self, obj) -> int:
        counted = getattr(obj, "supporter_count", None)  # annotated by the selectors
        return counted if counted is not None else obj.supporters.count()

    def get_sla(self, obj) -> str | None:
        return obj.sla_at(self.context.get("now") or timezone.now())

    def get_reporter_display(self, obj) -> str:
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        if obj.reporter_id:
            reporter = obj.reporter
            name = reporter.display_name or reporter.username
            if viewer is not None and viewer.pk == obj.reporter_id:
                return name
            roles = {m.role for m in reporter.memberships.all()}  # prefetched by the views
            if roles - {Role.RESIDENT} or reporter.is_staff:
                return name  # staff and grid workers report in their working capacity
            return mask_name(name)
        return mask_name(obj.reporter_name) if obj.reporter_name else "匿名"


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_name")
    action = serializers.CharField()
    action_display = serializers.CharField(source="get_action_display")
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    note = serializers.CharField()
    data = serializers.JSONField()
    attachments = serializers.SerializerMethodField()

    def get_attachments(self, obj) -> list[dict]:
        photos = obj.attachments.all()
        if not photos:  # most events: no serialiser built for nothing
            return []
        return PhotoSerializer(photos, many=True, context=self.context).data


class AssistTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    department = serializers.IntegerField(source="department_id")
    department_name = serializers.CharField(source="department.name")
    source = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    note = serializers.CharField()
    result_note = serializers.CharField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()


class ExtensionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    reason = serializers.CharField()
    value = serializers.FloatField()
    unit = serializers.CharField()
    requested_at = serializers.DateTimeField()
    old_deadline = serializers.DateTimeField(allow_null=True)
    proposed_deadline = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()
    new_deadline = serializers.DateTimeField(allow_null=True)


class WorkOrderDetailSerializer(WorkOrderSerializer):
    """One order with its timeline (`events`), photos, sub-tasks and what the viewer may do."""

    events = serializers.SerializerMethodField()
    photos = PhotoSerializer(many=True, read_only=True)
    assist_tasks = AssistTaskSerializer(many=True, read_only=True)
    extensions = ExtensionSerializer(many=True, read_only=True)
    rule = serializers.SerializerMethodField()
    merged_into_code = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(WorkOrderSerializer.Meta):
        fields = WorkOrderSerializer.Meta.fields + [
            "yellow_at",
            "triage_reason",
            "category_source",
            "category_confidence",
            "dispatched_at",
            "accepted_at",
            "completed_at",
            "archived_at",
            "completed_on_time",
            "resolved_on_spot",
            "resolved_in_grid",
            "no_photo_reason",
            "archived_workdays",
            "supervise_count",
            "return_count",
            "reopen_count",
            "extension_count",
            "rating_comment",
            "rated_at",
            "merged_into",
            "merged_into_code",
            "rule",
            "events",
            "photos",
            "assist_tasks",
            "extensions",
            "allowed_actions",
        ]

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, obj) -> list[dict]:
        """The timeline, with the reporter's own events named as `reporter_display` names
        them: a viewer who sees the reporter masked (张*) sees the same in `events[].actor`."""
        rows = EventSerializer(obj.events.all(), many=True, context=self.context).data
        shown = self.get_reporter_display(obj)
        for event, row in zip(obj.events.all(), rows, strict=True):
            if _is_reporter_event(obj, event):
                row["actor"] = shown
        return rows

    def get_rule(self, obj) -> dict | None:
        if not obj.rule_id:
            return None
        return {"id": obj.rule_id, "version": obj.rule.version, "limit": obj.rule.limit_display}

    def get_merged_into_code(self, obj) -> str | None:
        return obj.merged_into.code if obj.merged_into_id else None

    def get_allowed_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return selectors.work_order_actions(user=request.user, order=obj) if request else []


def _is_reporter_event(order: WorkOrder, event) -> bool:
    if order.reporter_id is not None:
        return event.actor_id == order.reporter_id
    # reported by name only (12345 hotline, a grid worker for someone): a nameless system event
    # carrying the reporter's name
    return (
        event.actor_id is None
        and bool(order.reporter_name)
        and event.actor_name == order.reporter_name
    )


def _detail(request, order: WorkOrder, *, warnings=None, status=200, headers=None) -> Response:
    """The order after an action, as the actor now sees it. An action can take the order out of
    the actor's sight (a department returning it to triage): then the short form, from the
    service's own result, with `"visible": false`."""
    try:
        fresh = selectors.work_order_get(user=request.user, id=order.pk)
    except NotFound:
        order.refresh_from_db()
        body = WorkOrderSerializer(order, context={"request": request}).data
        body["visible"] = False
    else:
        body = WorkOrderDetailSerializer(fresh, context={"request": request}).data
        body["visible"] = True
    body["warnings"] = list(warnings if warnings is not None else getattr(order, "warnings", []))
    return Response(body, status=status, headers=headers)


def _created(request, order: WorkOrder) -> Response:
    """The 201 of an intake, built from what the service wrote instead of a second, scoped read
    (the same body as `GET /workorders/<id>/` gives the caller). The caller is the reporter
    (the API files in their own name), and everyone sees what they reported."""
    mine = order.reporter_id is not None and order.reporter_id == request.user.pk
    if not mine or getattr(order, "intake_rows", None) is None:
        return _detail(request, order, status=201)
    order = selectors.work_order_as_created(order)
    body = WorkOrderDetailSerializer(order, context={"request": request}).data
    body["visible"] = True
    body["warnings"] = list(order.warnings)
    return Response(body, status=201)


# --- request parsing --------------------------------------------------------------------------


def _data(request) -> dict:
    data = request.data
    if not hasattr(data, "get"):
        raise ValidationFailed("请求体必须是 JSON 对象。")
    return data


def _photos(request) -> list:
    return request.FILES.getlist("photos") if request.FILES else []


def _list(data, name) -> list:
    if hasattr(data, "getlist"):
        values = data.getlist(name)
        if len(values) == 1 and isinstance(values[0], str) and "," in values[0]:
            values = values[0].split(",")
    else:
        values = data.get(name)
        if isinstance(values, str):
            values = values.split(",")
        elif values is None:
            values = []
        elif not isinstance(values, list):
            values = [values]
    return [v.strip() if isinstance(v, str) else v for v in values if v not in (None, "")]


def _bool(value, *, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in (None, ""):
        raise ValidationFailed("请选择同意或不同意。", fields={field: ["必填"]})
    return parse_bool(value)


def _first(data, *names):
    for name in names:
        value = data.get(name)
        if value not in (None, ""):
            return value
    return ""


CREATE_REQUEST = inline_serializer(
    "WorkOrderCreate",
    {
        "description": serializers.CharField(max_length=4000),
        "lon": serializers.FloatField(required=False),
        "lat": serializers.FloatField(required=False),
        "address": serializers.CharField(required=False),
        "category": serializers.CharField(required=False, help_text="小类编码，如 09009"),
        "channel": serializers.ChoiceField(WorkOrder.Channel.choices, required=False),
        "reported_at": serializers.DateTimeField(required=False),
        "priority": serializers.ChoiceField(WorkOrder.Priority.choices, required=False),
        "reporter_name": serializers.CharField(required=False),
        "reporter_phone": serializers.CharField(required=False),
        "photos": serializers.ListField(child=serializers.ImageField(), required=False),
    },
)


class Pagination(BasePagination):
    max_page_size = 200


# Query parameters as the views read them: `_id_param` (digits, at most a database id) and
# `_date` (2000-01-01 to 2099-12-31).
ID_PARAM = {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}
KPI_DATE = {"type": "string", "format": "date", "pattern": "^20[0-9]{2}-"}


# --- views ------------------------------------------------------------------------------------


class WorkOrderListCreateView(APIView):
    parser_classes = [JSONObjectParser, MultiPartParser, FormParser]
    pagination_class = Pagination  # also tells the OpenAPI schema that the list is paginated

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                choice_list_schema(WorkOrder.Status.values, spaced=True),
                description="状态，逗号分隔",
            ),
            OpenApiParameter("grid", str, description="区域编码（前缀匹配）"),
            OpenApiParameter("department", ID_PARAM),
            OpenApiParameter("category", str),
            OpenApiParameter("sla", str, enum=["green", "yellow", "red"]),
            OpenApiParameter("q", str),
        ],
        responses=WorkOrderSerializer(many=True),
    )
    def get(self, request):
        _id_param(request.query_params, "department")  # refused here, not deep in SQL
        qs = (
            selectors.work_order_list(
                user=request.user, filters=request.query_params, request=request
            )
            .select_related("reporter")
            .prefetch_related("reporter__memberships")
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        data = WorkOrderSerializer(
            page, many=True, context={"request": request, "now": timezone.now()}
        ).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        request={"application/json": CREATE_REQUEST, "multipart/form-data": CREATE_REQUEST},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
        responses={201: WorkOrderDetailSerializer, 200: WorkOrderDetailSerializer},
    )
    def post(self, request):
        data = _data(request)
        order = sv.work_order_create(
            actor=request.user,
            description=data.get("description"),
            lon=data.get("lon"),
            lat=data.get("lat"),
            address=data.get("address") or "",
            category=data.get("category") or None,
            channel=data.get("channel") or None,
            priority=data.get("priority") or None,
            reported_at=data.get("reported_at") or None,
            reporter_name=data.get("reporter_name") or "",
            reporter_phone=data.get("reporter_phone") or "",
            photos=_photos(request),
            idempotency_key=request.headers.get("Idempotency-Key", ""),
        )
        if order.replayed:
            return _detail(request, order, status=200, headers={"Idempotent-Replayed": "true"})
        return _created(request, order)


class WorkOrderDetailView(APIView):
    @extend_schema(responses=WorkOrderDetailSerializer)
    def get(self, request, pk: int):
        order = selectors.work_order_get(user=request.user, id=pk)
        return Response(WorkOrderDetailSerializer(order, context={"request": request}).data)


def _into(request, value):
    """`into` of a merge: an order id or code the dispatcher can see."""
    if value in (None, ""):
        raise ValidationFailed("请指定要并入的工单。", fields={"into": ["必填"]})
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    found = (
        WorkOrder.objects.visible_to(request.user).filter(code=text).values_list("pk", flat=True)
    )
    if not found:
        raise ValidationFailed(f"要并入的工单 {text} 不存在。", fields={"into": ["工单不存在"]})
    return found[0]


def _reopen_flag(data) -> bool:
    value = data.get("reopen", True)
    return value if isinstance(value, bool) else parse_bool(value)


# action name -> (service, request → keyword arguments besides actor, order and version)
ACTIONS = {
    "dispatch": (
        sv.work_order_dispatch,
        lambda r, d: {
            "category": d.get("category") or None,
            "department": d.get("department") or None,
            "grid": d.get("grid") or None,
            "priority": d.get("priority") or None,
            "limit_value": d.get("limit_value"),
            "limit_unit": d.get("limit_unit") or None,
            "note": d.get("note") or "",
        },
    ),
    "accept": (sv.work_order_accept, lambda r, d: {"note": d.get("note") or ""}),
    "return": (sv.work_order_return, lambda r, d: {"reason": _first(d, "reason", "note")}),
    "assist": (
        sv.work_order_assist,
        lambda r, d: {"departments": _list(d, "departments"), "note": _first(d, "note", "reason")},
    ),
    "extend": (
        sv.work_order_extend_request,
        lambda r, d: {
            "value": d.get("value"),
            "unit": d.get("unit") or "work_days",
            "reason": _first(d, "reason", "note"),
        },
    ),
    "extend_decide": (
        sv.work_order_extend_decide,
        lambda r, d: {
            "approve": _bool(d.get("approve"), field="approve"),
            "note": d.get("note") or "",
            "new_deadline": d.get("new_deadline") or None,
        },
    ),
    "complete": (
        sv.work_order_complete,
        lambda r, d: {
            "note": d.get("note"),
            "photos": _photos(r),
            "no_photo_reason": d.get("no_photo_reason") or "",
        },
    ),
    "verify": (sv.work_order_verify, lambda r, d: {"note": d.get("note") or ""}),
    "reopen": (
        sv.work_order_reopen,
        lambda r, d: {
            "reason": _first(d, "reason", "note"),
            "department": d.get("department") or None,
        },
    ),
    "supervise": (sv.work_order_supervise, lambda r, d: {"note": d.get("note")}),
    "resolve_on_spot": (
        sv.work_order_resolve_on_spot,
        lambda r, d: {
            "note": d.get("note"),
            "photos": _photos(r),
            "category": d.get("category") or None,
            "no_photo_reason": d.get("no_photo_reason") or "",
        },
    ),
    "merge": (
        sv.work_order_merge,
        lambda r, d: {"into": _into(r, d.get("into")), "note": d.get("note") or ""},
    ),
    "cancel": (sv.work_order_cancel, lambda r, d: {"reason": _first(d, "reason", "note")}),
    "rate": (
        sv.work_order_rate,
        lambda r, d: {
            "satisfaction": d.get("satisfaction"),
            "comment": _first(d, "comment", "note"),
            "reopen": _reopen_flag(d),
        },
    ),
}


ACTION_REQUEST = inline_serializer(
    "WorkOrderAction",
    {
        "version": serializers.IntegerField(),
        "note": serializers.CharField(required=False),
        "reason": serializers.CharField(required=False),
        "category": serializers.CharField(required=False),
        "department": serializers.CharField(required=False),
        "departments": serializers.ListField(child=serializers.CharField(), required=False),
        "grid": serializers.CharField(required=False),
        "limit_value": serializers.FloatField(required=False),
        "limit_unit": serializers.CharField(required=False),
        "value": serializers.FloatField(required=False),
        "unit": serializers.CharField(required=False),
        "approve": serializers.BooleanField(required=False),
        "new_deadline": serializers.DateTimeField(required=False),
        "into": serializers.CharField(required=False),
        "satisfaction": serializers.ChoiceField(WorkOrder.Satisfaction.choices, required=False),
        "comment": serializers.CharField(required=False),
        "reopen": serializers.BooleanField(required=False),
        "photos": serializers.ListField(child=serializers.ImageField(), required=False),
        "no_photo_reason": serializers.CharField(required=False),
    },
)


class WorkOrderActionView(APIView):
    parser_classes = [JSONObjectParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="workorders_action",
        request={"application/json": ACTION_REQUEST, "multipart/form-data": ACTION_REQUEST},
        responses=WorkOrderDetailSerializer,
        parameters=[
            OpenApiParameter("action", str, OpenApiParameter.PATH, enum=sorted(ACTIONS)),
        ],
    )
    def post(self, request, pk: int, action: str):
        name = action.replace("-", "_")
        if name not in ACTIONS:
            raise NotFound(f"未知的操作：{action}。")
        data = _data(request)
        service, arguments = ACTIONS[name]
        order = service(
            actor=request.user, order=pk, version=data.get("version"), **arguments(request, data)
        )
        return _detail(request, order)


SUPPORT_REQUEST = inline_serializer(
    "WorkOrderSupport",
    {
        "description": serializers.CharField(required=False),
        "lon": serializers.FloatField(help_text="调用者所在位置（WGS-84）"),
        "lat": serializers.FloatField(help_text="调用者所在位置（WGS-84）"),
    },
)
SUPPORT_RESPONSE = inline_serializer(
    "WorkOrderSupported",
    {"id": serializers.IntegerField(), "code": serializers.CharField(),
     "supporters": serializers.IntegerField()},
)  # fmt: skip


class WorkOrderSupportView(APIView):
    """我也遇到: join an open order (seen nearby before reporting) instead of filing a duplicate:
    201 with the order's code and its supporter count; twice or on one's own order 409; an order
    the caller could not have seen near their point (`lon`, `lat`), finished or unknown: 404."""

    parser_classes = [JSONObjectParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="workorders_support",
        request=SUPPORT_REQUEST,
        responses={201: SUPPORT_RESPONSE, 404: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT},
        description=(
            "我也遇到。`lon`/`lat` 为调用者所在位置（必填）：只有调用者在“附近相似问题”中能看到的"
            "工单（未办结、居民可见、在附近半径内）才会受理，其余一律 404，不泄露工单是否存在。"
        ),
    )
    def post(self, request, pk: int):
        data = _data(request)
        supporter = sv.work_order_support(
            actor=request.user,
            order=pk,
            description=data.get("description") or "",
            lon=data.get("lon"),
            lat=data.get("lat"),
        )
        order = supporter.order
        body = {"id": order.pk, "code": order.code, "supporters": order.supporters.count()}
        return Response(body, status=201)


class AssistTaskActionView(APIView):
    parser_classes = [JSONObjectParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="workorders_assist_task_action",
        request=ACTION_REQUEST,
        responses=WorkOrderDetailSerializer,
    )
    def post(self, request, pk: int, task_id: int, action: str):
        data = _data(request)
        order = selectors.work_order_get(user=request.user, id=pk)
        if not order.assist_tasks.filter(pk=task_id).exists():
            raise NotFound("协办任务不存在或无权查看。")
        if action == "accept":
            sv.assist_task_accept(
                actor=request.user,
                task=task_id,
                version=data.get("version"),
                note=data.get("note") or "",
            )
        elif action == "complete":
            sv.assist_task_complete(
                actor=request.user,
                task=task_id,
                version=data.get("version"),
                note=data.get("note"),
                photos=_photos(request),
            )
        else:
            raise NotFound(f"未知的操作：{action}。")
        return _detail(request, order, warnings=[])


class PhotoView(APIView):
    @extend_schema(responses={(200, "image/*"): OpenApiTypes.BINARY})
    def get(self, request, pk: int, photo_id: int):
        order = selectors.work_order_get(user=request.user, id=pk)
        photo = order.photos.filter(pk=photo_id).first()
        if photo is None:
            raise NotFound("照片不存在。")
        try:
            handle = photo.image.open("rb")
        except (FileNotFoundError, OSError):
            raise NotFound("照片文件不存在。")
        mime = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
        return FileResponse(handle, content_type=mime.get(photo.content_type, "image/jpeg"))


class CategoryTreeView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("region", str, description="区域编码：按该处适用的规则"),
            OpenApiParameter("lon", float),
            OpenApiParameter("lat", float),
        ],
        responses=inline_serializer(
            "CategoryTree",
            {
                "code": serializers.CharField(),
                "name": serializers.CharField(),
                "parent": serializers.CharField(allow_null=True),
                "children": serializers.ListField(child=serializers.DictField()),
            },
            many=True,
        ),
    )
    def get(self, request):
        region = request.query_params.get("region", "").strip()
        lon, lat = request.query_params.get("lon"), request.query_params.get("lat")
        if lon or lat:
            try:
                point = float(lon), float(lat)
            except (TypeError, ValueError):
                raise ValidationFailed(
                    "经纬度须同时给出，且为数字。",
                    fields={"lon": ["必须是数字"], "lat": ["必须是数字"]},
                )
            if not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
                raise ValidationFailed(
                    "经纬度超出范围（经度 -180～180，纬度 -90～90）。",
                    fields={"lon": ["-180～180"], "lat": ["-90～90"]},
                )
        if not region and (lon or lat):
            from yiwang.workorders.locating import locate_point

            try:
                found = locate_point(*point)
            except ValueError:
                raise ValidationFailed("经纬度必须是数字。", fields={"lon": ["必须是数字"]})
            region = found.region_code if found else ""
        if not region:
            region = sv._default_region_code()
        return Response(selectors.category_tree(region_code=region))


class ResponsibilityRuleListView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("category", str)],
        responses=inline_serializer("Rule", {"id": serializers.IntegerField()}, many=True),
    )
    def get(self, request):
        rules = selectors.responsibility_rule_list(
            category=request.query_params.get("category", "").strip()
        )
        out = []
        for rule in rules:
            item = selectors._rule_dict(rule)
            item.update(category=rule.category.code, category_name=rule.category.name)
            out.append(item)
        return Response(out)


def _date(value, *, field: str, default: dt.date) -> dt.date:
    if value in (None, ""):
        return default
    parsed = None
    try:
        parsed = parse_date(str(value))
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD。", fields={field: ["日期格式不正确"]})
    if not EARLIEST_DATE <= parsed < LATEST_DATE:  # 0001-01-01 overflows the time arithmetic
        raise ValidationFailed(
            "日期超出范围（应在 2000 年至 2099 年之间）。", fields={field: ["超出范围"]}
        )
    return parsed


EARLIEST_DATE, LATEST_DATE = dt.date(2000, 1, 1), dt.date(2100, 1, 1)
MAX_ID = 2**63 - 1  # the largest id a database column holds


def _id_param(params, name: str) -> int | None:
    """An id from the query string: digits, within the range of a database id."""
    raw = params.get(name)
    if raw in (None, ""):
        return None
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > MAX_ID:
        raise ValidationFailed(f"参数 {name} 必须是编号（整数）。", fields={name: ["必须是整数"]})
    return int(text)


def _count(help_text: str):
    return serializers.IntegerField(help_text=help_text)


def _fraction(help_text: str):
    note = f"{help_text}（0–1，分母为 0 时为 null）"
    return serializers.FloatField(allow_null=True, help_text=note)


# The figures of `selectors.work_order_kpis` (its docstring defines each one).
KPI_RESPONSE = inline_serializer(
    "WorkOrderKpis",
    {
        "from": serializers.DateField(),
        "to": serializers.DateField(),
        "reported": _count("期间上报的工单数"),
        "by_status": serializers.DictField(child=serializers.IntegerField(), help_text="按状态"),
        "due": _count("应结案数：时限落在期间内的工单"),
        "closed": _count("结案数"),
        "closed_on_time": _count("按期结案数"),
        "completion_rate": _fraction("办结率 = closed ÷ due"),
        "on_time_rate": _fraction("按期办结率 = closed_on_time ÷ due"),
        "overdue": _count("超期数"),
        "overdue_open": _count("当前仍未办结且已超期的工单数"),
        "archived": _count("期间归档的工单数"),
        "avg_workdays_to_archive": serializers.FloatField(
            allow_null=True, help_text="从上报到归档的平均工作日"
        ),
        "patrol_reported": _count("网格员上报数"),
        "on_spot": _count("现场处置数"),
        "on_spot_rate": _fraction("现场处置率"),
        "handled": _count("已处置数"),
        "in_grid": _count("网格内解决数"),
        "in_grid_rate": _fraction("网格内解决率"),
        "rated": _count("评价数"),
        "satisfied": _count("满意和基本满意数"),
        "satisfaction_rate": _fraction("满意率"),
        "supported_orders": _count("有“我也遇到”附议的工单数（期间上报的工单中）"),
        "supporters": _count("“我也遇到”附议人次（附议不计为工单）"),
    },
)


class KpiView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "from",
                KPI_DATE,
                description="开始日期（含），默认本月1日",
                extensions=EMPTY_IS_ABSENT,
            ),
            OpenApiParameter(
                "to", KPI_DATE, description="结束日期（含），默认今天", extensions=EMPTY_IS_ABSENT
            ),
            OpenApiParameter("grid", str, description="区域编码（前缀匹配）"),
            OpenApiParameter("department", ID_PARAM, description="主办部门 id"),
        ],
        responses=KPI_RESPONSE,
    )
    def get(self, request):
        today = timezone.localdate()
        params = request.query_params
        date_from = _date(params.get("from"), field="from", default=today.replace(day=1))
        date_to = _date(params.get("to"), field="to", default=today)
        department = _id_param(params, "department")
        return Response(
            selectors.work_order_kpis(
                user=request.user,
                date_from=date_from,
                date_to=date_to,
                region=params.get("grid", "").strip(),
                department=department,
            )
        )
