"""REST API of 审批服务 under /api/v1/approvals/: thin views over services and selectors.

GET  items/                      事项清单 (public): q, life_event, department, type, street
GET  items/<code>/               办事指南 of one item
GET  items/export.xlsx           the catalogue as .xlsx
GET  bundles/  bundles/<code>/   一件事 with merged form, de-duplicated materials, items
GET  applications/               my visible applications (status, kind, mine, top, q)
POST applications/               {"item" | "bundle": code, "form": {...}, "materials": [...]}
GET  applications/<id>/          detail with timeline, steps, sub-applications, rating
POST applications/<id>/<action>/ accept, request_materials, supplement, reject,
                                 approve_step, deny, deliver, rate (each with "version")
GET|POST applications/<id>/materials/          list / hand in one material (multipart)
GET  applications/<id>/materials/<mid>/file/   download
GET  materials/reusable/?keys=a,b              my materials that may be reused (免提交)
GET  steps/                      my review steps (state=active by default)
GET  rectifications/  POST rectifications/<id>/<follow_up|close>/
GET  kpis/                       the indicators (from, to, street)
"""

from __future__ import annotations

import base64
import binascii
import json

from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.approvals import selectors, services
from yiwang.approvals.catalogue import fields_for, masked_form, requirements_for
from yiwang.approvals.errors import ApprovalErrorCode as E
from yiwang.approvals.models import Application, ApplicationStep, Status
from yiwang.approvals.permissions import may_hand_in
from yiwang.approvals.xlsx import catalogue_to_xlsx
from yiwang.core.api import parse_bool, query_bool, query_choice
from yiwang.core.errors import Forbidden, NotFound, ValidationFailed
from yiwang.core.parsers import JSONObjectParser
from yiwang.core.pii import mask_id_number, mask_phone
from yiwang.core.schema import EMPTY_IS_ABSENT

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# ---------------------------------------------------------------------------------------------
# Representations
# ---------------------------------------------------------------------------------------------


def _dt(value):
    return value.isoformat() if value else None


def item_json(item, *, detail: bool = False) -> dict:
    out = {
        "code": item.code,
        "name": item.name,
        "item_type": item.item_type,
        "item_type_label": item.get_item_type_display(),
        "affair_type": item.affair_type,
        "affair_type_label": item.get_affair_type_display(),
        "statutory_limit_days": item.statutory_limit_days,
        "promised_limit_days": item.promised_limit_days,
        "department": {"code": item.department.code, "name": item.department.name},
        "service_modes": item.service_modes,
        "channels": item.channels,
        "max_visits": item.max_visits,
        "community_may_accept": item.community_may_accept,
        "life_events": item.life_events,
        "online": item.online,
        "is_charged": item.is_charged,
        "materials": [r.as_dict() for r in requirements_for(item=item)],
    }
    if detail:
        flow = next((f for f in item.flows.all() if f.is_current), None)
        out.update(
            {
                "limit_note": item.limit_note,
                "target": item.target,
                "legal_basis": item.legal_basis,
                "conditions": item.conditions,
                "fees": item.fees,
                "result_name": item.result_name,
                "form_fields": item.form_fields,
                "steps": [
                    {
                        "order": s.order,
                        "name": s.name,
                        "department": s.department.name,
                        "limit_days": s.limit_days,
                        "condition": s.condition,
                    }
                    for s in (flow.steps.all() if flow else [])
                ],
                "flow_version": flow.version if flow else None,
            }
        )
    return out


def bundle_json(bundle) -> dict:
    items = [bi.item for bi in bundle.bundle_items.all()]
    bundle._approvals_items = items
    return {
        "code": bundle.code,
        "name": bundle.name,
        "description": bundle.description,
        "life_events": bundle.life_events,
        "lead_department": bundle.lead_department.name,
        "max_visits": bundle.max_visits,
        "items": [
            {
                "code": i.code,
                "name": i.name,
                "department": i.department.name,
                "affair_type_label": i.get_affair_type_display(),
                "promised_limit_days": i.promised_limit_days,
            }
            for i in items
        ],
        "form_fields": fields_for(bundle=bundle),
        "materials": [r.as_dict() for r in requirements_for(bundle=bundle)],
        "produced_materials": bundle.produced_materials,
    }


def step_json(step: ApplicationStep) -> dict:
    return {
        "order": step.order,
        "name": step.name,
        "department": step.department.name,
        "role": step.role,
        "state": step.state,
        "state_label": step.get_state_display(),
        "limit_days": step.limit_days,
        "started_at": _dt(step.started_at),
        "deadline": _dt(step.deadline),
        "acted_at": _dt(step.acted_at),
        "opinion": step.opinion,
    }


def application_json(app: Application, *, user, detail: bool = False) -> dict:
    out = {
        "id": app.pk,
        "number": app.number,
        "kind": app.kind,
        "title": app.title,
        "item": {"code": app.item.code, "name": app.item.name} if app.item_id else None,
        "bundle": {"code": app.bundle.code, "name": app.bundle.name} if app.bundle_id else None,
        "parent": app.parent_id,
        "status": app.status,
        "status_label": app.get_status_display(),
        "version": app.version,
        "channel": app.channel,
        "street": {"code": app.street.code, "name": app.street.name},
        "department": app.department.name if app.department_id else None,
        "applicant": {
            "name": app.applicant_name,
            # Masked for everyone, the applicant too: no GET answer carries a plain ID number
            # or phone (issue 11); the applicant knows their own.
            "phone": mask_phone(app.applicant_phone),
            "id_number": mask_id_number(app.applicant_id_number),
            "company": app.company_name,
        },
        "submitted_at": _dt(app.submitted_at),
        "accepted_at": _dt(app.accepted_at),
        "deadline": _dt(app.deadline),
        "deadline_provisional": app.deadline_provisional,
        "decided_at": _dt(app.decided_at),
        "delivered_at": _dt(app.delivered_at),
        "delivery_method": app.delivery_method or None,
        "decided_on_spot": app.decided_on_spot,
        "visits": app.visits,
        "max_visits": app.max_visits,
        "within_visits": app.within_visits,
        "paused_workdays": app.paused_workdays,
        "missing_materials": app.missing_materials,
        "reason": app.reason,
        "legal_basis": app.legal_basis,
    }
    if not detail:
        return out
    target = {"bundle": app.bundle} if app.kind == Application.Kind.BUNDLE else {"item": app.item}
    full = app.full_form
    out["form"] = masked_form(fields_for(**target), full)
    out["steps"] = [step_json(s) for s in app.steps.all()]
    out["materials"] = [
        {
            "id": m.pk,
            "key": m.key,
            "name": m.name,
            "source": m.source,
            "original_name": m.original_name,
            "content_type": m.content_type,
            "size": m.size,
            "is_current": m.is_current,
            "uploaded_at": _dt(m.uploaded_at),
            "url": (
                f"/api/v1/approvals/applications/{app.owner.pk}/materials/{m.pk}/file/"
                if m.file
                else None
            ),
        }
        for m in app.owner.materials.all()
    ]
    out["sub_applications"] = [
        {**application_json(c, user=user), "steps": [step_json(s) for s in c.steps.all()]}
        for c in selectors.sub_applications(user=user, application=app)
    ]
    out["timeline"] = [
        {
            "at": _dt(e.at),
            "application": e.application.number,
            "item": e.application.item.name if e.application.item_id else None,
            "action": e.action,
            "label": e.label,
            "from_status": e.from_status or None,
            "to_status": e.to_status or None,
            "note": e.note,
            "actor": e.actor_name,
        }
        for e in selectors.timeline(application=app, user=user)
    ]
    rating = app.rating if selectors.hasattr_rating(app) else None
    out["rating"] = (
        {
            "level": rating.level,
            "label": rating.get_level_display(),
            "comment": rating.comment,
            "created_at": _dt(rating.created_at),
            "rectification": _rect_json(rating.rectification)
            if hasattr(rating, "rectification")
            else None,
        }
        if rating
        else None
    )
    out["missing_materials"] = [
        {**g, "received_at": _dt(g["received_at"])} for g in selectors.gaps_with_progress(app)
    ]
    out["papers"] = [
        {
            "id": p.pk,
            "kind": p.kind,
            "label": p.get_kind_display(),
            "number": p.number,
            "application": p.application.number,
            "issued_at": _dt(p.issued_at),
            "url": f"/approvals/applications/{app.pk}/papers/{p.pk}.pdf",
        }
        for p in selectors.papers_of(app)
    ]
    out["results"] = [
        {
            "id": r.pk,
            "name": r.name,
            "number": r.number,
            "application": r.application.number,
            "item": r.data.get("item", ""),
            "issued_at": _dt(r.issued_at),
            "url": f"/approvals/applications/{app.pk}/results/{r.pk}.pdf",
        }
        for r in selectors.results_of(user=user, application=app)
    ]
    out["allowed_actions"] = selectors.allowed_actions(user=user, application=app)
    return out


def _rect_json(rect) -> dict:
    return {
        "id": rect.pk,
        "application": rect.application_id,
        "number": rect.application.number,
        "department": rect.department.name,
        "state": rect.state,
        "state_label": rect.get_state_display(),
        "version": rect.version,
        "opened_at": _dt(rect.opened_at),
        "deadline": _dt(rect.deadline),
        "closed_at": _dt(rect.closed_at),
        "outcome": rect.outcome or None,
        "result": rect.result,
        "on_time": rect.on_time,
        "follow_ups": [
            {"kind": f.kind, "note": f.note, "at": _dt(f.at)} for f in rect.follow_ups.all()
        ],
    }


# ---------------------------------------------------------------------------------------------
# Catalogue
# ---------------------------------------------------------------------------------------------

CATALOGUE_PARAMS = [
    OpenApiParameter("q", str, description="名称或关键词"),
    OpenApiParameter("life_event", str, description="生命周期/主题，如 出生、开店"),
    OpenApiParameter("department", str),
    OpenApiParameter("type", str, description="事项类型编码，如 01"),
    OpenApiParameter("street", str, description="街道编码：只列已下放至该街道的事项"),
]


class ItemListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="approvals_items_list",
        parameters=CATALOGUE_PARAMS,
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        qs = selectors.item_list(filters=request.query_params)
        return Response({"count": qs.count(), "results": [item_json(i) for i in qs]})


class ItemDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="approvals_items_get", responses=OpenApiTypes.OBJECT)
    def get(self, request, code):
        return Response(item_json(selectors.item_get(code=code), detail=True))


class CatalogueExportView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="approvals_catalogue_export", responses={(200, XLSX): OpenApiTypes.BINARY}
    )
    def get(self, request):
        data = catalogue_to_xlsx(selectors.item_list(), selectors.bundle_list())
        response = HttpResponse(data, content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="approvals-catalogue.xlsx"'
        return response


class BundleListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="approvals_bundles_list",
        parameters=CATALOGUE_PARAMS[:2],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        qs = selectors.bundle_list(filters=request.query_params)
        return Response({"count": len(qs), "results": [bundle_json(b) for b in qs]})


class BundleDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="approvals_bundles_get", responses=OpenApiTypes.OBJECT)
    def get(self, request, code):
        return Response(bundle_json(selectors.bundle_get(code=code)))


# ---------------------------------------------------------------------------------------------
# Applications
# ---------------------------------------------------------------------------------------------


class MaterialSpec(serializers.Serializer):
    key = serializers.CharField()
    reuse = serializers.IntegerField(required=False)
    paper = serializers.BooleanField(required=False, default=False)
    filename = serializers.CharField(required=False)
    content_base64 = serializers.CharField(required=False)


class SubmitInput(serializers.Serializer):
    item = serializers.CharField(required=False)
    bundle = serializers.CharField(required=False)
    form = serializers.JSONField(required=False)
    channel = serializers.CharField(required=False, help_text="online / window / home")
    street = serializers.CharField(required=False, help_text="街道编码；默认为申请人所在街道")
    applicant = serializers.JSONField(required=False, help_text="窗口代办/上门办时的申请人")
    materials = MaterialSpec(many=True, required=False)


def _material_input(spec: dict) -> services.MaterialInput:
    key = str(spec.get("key") or "")
    if spec.get("reuse") not in (None, ""):
        return services.MaterialInput(key=key, reuse=spec["reuse"])
    if parse_bool(spec.get("paper", False)):
        return services.MaterialInput(key=key, paper=True)
    try:
        content = base64.b64decode(spec.get("content_base64") or "", validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("材料内容不是有效的 Base64。", fields={key: ["Base64 无效"]})
    return services.MaterialInput(key=key, filename=spec.get("filename") or "", content=content)


def _json_field(value, name):
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ValidationFailed(f"{name} 不是有效的 JSON。", fields={name: ["JSON 无效"]})
    return value


def _multipart_materials(request) -> list[services.MaterialInput]:
    """Multipart: files `material.<key>`, `reuse.<key>`=id, `paper.<key>`=1."""
    out = []
    for name, upload in request.FILES.items():
        if name.startswith("material."):
            out.append(
                services.MaterialInput(
                    key=name.split(".", 1)[1], filename=upload.name, content=upload.read()
                )
            )
    for name, value in request.data.items():
        if name.startswith("reuse.") and value:
            out.append(services.MaterialInput(key=name.split(".", 1)[1], reuse=value))
        elif name.startswith("paper.") and parse_bool(value):
            out.append(services.MaterialInput(key=name.split(".", 1)[1], paper=True))
    return out


# The main fields of `application_json` (the list answers pages of these).
APPLICATION_SUMMARY = inline_serializer(
    "ApplicationSummary",
    {
        "id": serializers.IntegerField(),
        "number": serializers.CharField(),
        "kind": serializers.CharField(),
        "title": serializers.CharField(),
        "status": serializers.CharField(),
        "status_label": serializers.CharField(),
        "version": serializers.IntegerField(),
        "channel": serializers.CharField(),
        "submitted_at": serializers.DateTimeField(allow_null=True),
        "deadline": serializers.DateTimeField(allow_null=True),
    },
    many=True,
)


class ApplicationListView(APIView):
    parser_classes = [JSONObjectParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="approvals_applications_list",
        parameters=[
            OpenApiParameter("status", str, description="逗号分隔"),
            OpenApiParameter("kind", str, enum=["", *Application.Kind.values]),
            OpenApiParameter("mine", bool),
            OpenApiParameter("top", bool),
            OpenApiParameter("q", str),
        ],
        responses=APPLICATION_SUMMARY,
    )
    def get(self, request):
        from yiwang.core.pagination import Pagination

        query_choice(request.query_params, "kind", Application.Kind.values)  # unknown: a 400
        query_bool(request.query_params, "mine")
        query_bool(request.query_params, "top")
        qs = selectors.application_list(user=request.user, filters=request.query_params)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(
            [application_json(a, user=request.user) for a in page]
        )

    @extend_schema(
        operation_id="approvals_applications_submit",
        request=SubmitInput,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        multipart = request.content_type.startswith("multipart/")
        data = SubmitInput(data={k: v for k, v in request.data.items() if "." not in k})
        data.is_valid(raise_exception=True)
        d = data.validated_data
        if multipart:
            materials = _multipart_materials(request)
        else:
            materials = [_material_input(m) for m in request.data.get("materials") or []]
        app = services.application_submit(
            actor=request.user,
            item=d.get("item"),
            bundle=d.get("bundle"),
            form=_json_field(d.get("form"), "form") or {},
            materials=materials,
            channel=d.get("channel"),
            street=d.get("street"),
            applicant=_json_field(d.get("applicant"), "applicant"),
        )
        app = selectors.application_get(user=request.user, id=app.pk)
        return Response(application_json(app, user=request.user, detail=True), status=201)


class ApplicationDetailView(APIView):
    @extend_schema(operation_id="approvals_applications_get", responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        app = selectors.application_get(user=request.user, id=pk)
        return Response(application_json(app, user=request.user, detail=True))


class ActionInput(serializers.Serializer):
    version = serializers.IntegerField(help_text="读取时的版本号（乐观锁）")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    visit = serializers.BooleanField(required=False, default=False, help_text="申请人是否到场")
    gaps = serializers.ListField(child=serializers.DictField(), required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    legal_basis = serializers.CharField(required=False, allow_blank=True, default="")
    opinion = serializers.CharField(required=False, allow_blank=True, default="")
    method = serializers.CharField(required=False, allow_blank=True, default="")
    level = serializers.IntegerField(required=False)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    step = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="评价的环节：accept（窗口受理）、deliver（出件）或审查环节 id；差评据此转整改",
    )


def _act(action: str, user, app, d: dict, raw):
    common = {"actor": user, "application": app, "version": d["version"]}
    if action == "accept":
        return services.application_accept(**common, note=d["note"], visit=d["visit"])
    if action == "request_materials":
        return services.application_request_materials(
            **common, gaps=d.get("gaps") or [], note=d["note"], visit=d["visit"]
        )
    if action == "supplement":
        return services.application_supplement(**common, visit=d["visit"])
    if action == "reject":
        return services.application_reject(
            **common, reason=d["reason"], legal_basis=d["legal_basis"]
        )
    if action == "approve_step":
        return services.application_approve_step(**common, opinion=d["opinion"])
    if action == "deny":
        return services.application_deny(**common, reason=d["reason"], legal_basis=d["legal_basis"])
    if action == "deliver":
        visit = parse_bool(raw["visit"]) if "visit" in raw else None
        return services.application_deliver(
            **common, method=d["method"], note=d["note"], visit=visit
        )
    if action == "rate":
        return services.application_rate(
            **common, level=d.get("level"), comment=d["comment"], step=d["step"] or None
        )
    raise NotFound("未知操作。")


ACTIONS = [
    "accept",
    "request_materials",
    "supplement",
    "reject",
    "approve_step",
    "deny",
    "deliver",
    "rate",
]


class ApplicationActionView(APIView):
    parser_classes = [JSONObjectParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="approvals_applications_action",
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=ACTIONS)],
        request=ActionInput,
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request, pk, action):
        if action not in ACTIONS:
            raise NotFound(f"未知操作 {action}；可用：{', '.join(ACTIONS)}。")
        app = selectors.application_get(user=request.user, id=pk)
        data = ActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        _act(action, request.user, app, data.validated_data, request.data)
        app = selectors.application_get(user=request.user, id=pk)
        return Response(application_json(app, user=request.user, detail=True))


class MaterialInputSerializer(serializers.Serializer):
    key = serializers.CharField()
    file = serializers.FileField(required=False)
    reuse = serializers.IntegerField(required=False)
    paper = serializers.BooleanField(required=False, default=False)


class MaterialListView(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONObjectParser]

    @extend_schema(operation_id="approvals_materials_list", responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        app = selectors.application_get(user=request.user, id=pk)
        return Response(application_json(app, user=request.user, detail=True)["materials"])

    @extend_schema(
        operation_id="approvals_materials_add",
        request=MaterialInputSerializer,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request, pk):
        app = selectors.application_get(user=request.user, id=pk)
        if not may_hand_in(request.user, app):  # refused before the body is read
            raise Forbidden("只有申请人或综窗人员可以提交材料。", code=E.NOT_APPLICANT)
        key = str(request.data.get("key") or "")
        upload = request.FILES.get("file")
        if upload is not None:
            inp = services.MaterialInput(key=key, filename=upload.name, content=upload.read())
        elif request.data.get("reuse") not in (None, ""):
            inp = services.MaterialInput(key=key, reuse=request.data.get("reuse"))
        elif parse_bool(request.data.get("paper", False)):
            inp = services.MaterialInput(key=key, paper=True)
        elif request.data.get("content_base64"):
            inp = _material_input(dict(request.data.items()))
        else:
            raise ValidationFailed(
                "请上传文件 file，或指定复用的材料 reuse。", fields={"file": ["必填"]}
            )
        material = services.material_add(actor=request.user, application=app, material=inp)
        return Response(
            {
                "id": material.pk,
                "key": material.key,
                "name": material.name,
                "source": material.source,
                "size": material.size,
            },
            status=201,
        )


# The content type each kind of material is served (and documented) with.
MATERIAL_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "ofd": "application/ofd",
}


class MaterialFileView(APIView):
    @extend_schema(
        operation_id="approvals_materials_file",
        responses={(200, mime): OpenApiTypes.BINARY for mime in MATERIAL_TYPES.values()},
    )
    def get(self, request, pk, mid):
        material = selectors.material_get(user=request.user, application_id=pk, material_id=mid)
        name = material.original_name or material.file.name.rsplit("/", 1)[-1]
        return FileResponse(
            material.file.open("rb"),
            as_attachment=True,
            filename=name,
            content_type=MATERIAL_TYPES.get(material.content_type, "application/octet-stream"),
        )


class ReusableMaterialsView(APIView):
    @extend_schema(
        operation_id="approvals_materials_reusable",
        parameters=[OpenApiParameter("keys", str)],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        keys = [k for k in (request.query_params.get("keys") or "").split(",") if k]
        found = selectors.reusable_materials(user=request.user, keys=keys)
        return Response(
            {
                k: {
                    "id": m.pk,
                    "name": m.name,
                    "uploaded_at": _dt(m.uploaded_at),
                    "application": m.application_id,
                }
                for k, m in found.items()
            }
        )


class StepListView(APIView):
    @extend_schema(
        operation_id="approvals_steps_list",
        parameters=[OpenApiParameter("state", str)],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        steps = selectors.step_list(user=request.user, filters=request.query_params)
        return Response(
            {
                "count": steps.count(),
                "results": [
                    {
                        **step_json(s),
                        "application": {
                            "id": s.application_id,
                            "number": s.application.number,
                            "title": s.application.title,
                            "status": s.application.status,
                            "version": s.application.version,
                        },
                    }
                    for s in steps[:500]
                ],
            }
        )


class RectificationListView(APIView):
    @extend_schema(
        operation_id="approvals_rectifications_list",
        parameters=[OpenApiParameter("state", str)],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        qs = selectors.rectification_list(user=request.user, filters=request.query_params)
        return Response({"count": qs.count(), "results": [_rect_json(r) for r in qs[:500]]})


class RectificationInput(serializers.Serializer):
    version = serializers.IntegerField(required=False)
    kind = serializers.CharField(required=False, default="progress")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    outcome = serializers.CharField(required=False, allow_blank=True, default="")
    result = serializers.CharField(required=False, allow_blank=True, default="")


RECTIFICATION_ACTIONS = ("follow_up", "close")


class RectificationActionView(APIView):
    parser_classes = [JSONObjectParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="approvals_rectifications_action",
        parameters=[
            OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(RECTIFICATION_ACTIONS))
        ],
        request=RectificationInput,
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request, pk, action):
        rect = selectors.rectification_get(user=request.user, id=pk)
        data = RectificationInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        if action == "follow_up":
            services.rectification_follow_up(
                actor=request.user, rectification=rect, kind=d["kind"], note=d["note"]
            )
        elif action == "close":
            services.rectification_close(
                actor=request.user,
                rectification=rect,
                version=d.get("version"),
                outcome=d["outcome"],
                result=d["result"],
            )
        else:
            raise NotFound("未知操作；可用：follow_up, close。")
        rect = selectors.rectification_get(user=request.user, id=pk)
        return Response(_rect_json(rect))


class KpiView(APIView):
    @extend_schema(
        operation_id="approvals_kpis",
        parameters=[
            OpenApiParameter(
                "from",
                OpenApiTypes.DATE,
                description="YYYY-MM-DD（按提交日期）",
                extensions=EMPTY_IS_ABSENT,
            ),
            OpenApiParameter("to", OpenApiTypes.DATE, extensions=EMPTY_IS_ABSENT),
            OpenApiParameter("street", str),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        return Response(selectors.approval_kpis(user=request.user, filters=request.query_params))


__all__ = ["Status"]
