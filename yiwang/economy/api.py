"""REST API of the economy desk (thin: parse, call a service or selector, serialize).

GET  /api/v1/economy/firms/?q=&grid=&industry=&size_class=&above_scale=&evaluation_class=&mine=
POST /api/v1/economy/firms/                        register a firm (法人 + 企业档案)
GET  /api/v1/economy/firms/<id>/                   profile, contacts (masked), figures, visits
PATCH /api/v1/economy/firms/<id>/                  profile fields + `version`
POST /api/v1/economy/firms/<id>/figures/           one year's figures (`version` to correct)
POST /api/v1/economy/firms/<id>/contacts/          a contact (phone encrypted)
POST /api/v1/economy/firms/<id>/officials/         assign an official {official, kind}
POST /api/v1/economy/firms/<id>/visits/            record a visit
POST /api/v1/economy/firms/<id>/requests/          a request (企业诉求) → work order
GET  /api/v1/economy/requests/                     the requests the user may see
POST /api/v1/economy/requests/<id>/rate/           the firm rates {version, satisfaction}
POST /api/v1/economy/figures/import/               .xlsx (multipart `file`, `dry_run`)
GET/PUT /api/v1/economy/evaluation-scheme/         indicators, weights, cut-offs
GET/POST /api/v1/economy/evaluations/              runs; POST {"year"} → 201 with counts
GET  /api/v1/economy/evaluations/<id>/?class=      a run with its results
GET  /api/v1/economy/evaluations/<id>/export/      the results as .xlsx
GET  /api/v1/economy/evaluations/<id>/map/         firms' points with their class
GET/POST /api/v1/economy/policies/                 policies; POST publishes one
GET  /api/v1/economy/policies/<id>/eligible/       the eligible firms of the user's territory
POST /api/v1/economy/policies/<id>/push/           tell the eligible firms' officials
GET  /api/v1/economy/kpis/?from=&to=               enterprise requests split out
GET  /api/v1/economy/my-firm/                      the company user's own firm
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.accounts.models import User
from yiwang.core.api import parse_bool
from yiwang.core.errors import NotFound, ValidationFailed
from yiwang.core.pagination import Pagination
from yiwang.economy import selectors, xlsx
from yiwang.economy import services as sv
from yiwang.economy.evaluation import explain
from yiwang.economy.industries import SIZE_LABELS, division_label
from yiwang.economy.models import EvaluationRun, FirmProfile, Policy

# --- serializers (output) ---------------------------------------------------------------------


class OfficialSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="official.pk")
    name = serializers.CharField(source="official.__str__")
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")


class FirmSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="entity.name")
    uscc = serializers.CharField(source="entity.uscc")
    kind = serializers.CharField(source="entity.kind")
    industry_display = serializers.SerializerMethodField()
    size_display = serializers.SerializerMethodField()
    grid = serializers.CharField(source="grid.code")
    grid_name = serializers.CharField(source="grid.name")
    lon = serializers.FloatField(source="entity.lon", allow_null=True)
    lat = serializers.FloatField(source="entity.lat", allow_null=True)
    officials = serializers.SerializerMethodField()
    evaluation_class = serializers.CharField(allow_null=True, default=None)

    class Meta:
        model = FirmProfile
        fields = [
            "id",
            "version",
            "name",
            "uscc",
            "kind",
            "industry",
            "industry_section",
            "industry_display",
            "size_class",
            "size_display",
            "size_year",
            "above_scale",
            "address",
            "grid",
            "grid_name",
            "lon",
            "lat",
            "established_on",
            "rating_exempt",
            "visit_cadence_days",
            "last_visit_on",
            "officials",
            "evaluation_class",
        ]

    def get_industry_display(self, obj) -> str:
        return division_label(obj.industry)

    def get_size_display(self, obj) -> str:
        return SIZE_LABELS.get(obj.size_class, "未划分")

    def get_officials(self, obj) -> list:
        rows = getattr(obj, "active_officials", None)
        if rows is None:
            rows = obj.officials.filter(is_active=True).select_related("official")
        return OfficialSerializer(rows, many=True).data


class FiguresSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    version = serializers.IntegerField()
    revenue = serializers.DecimalField(max_digits=14, decimal_places=2)
    tax = serializers.DecimalField(max_digits=14, decimal_places=2)
    energy = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    land_mu = serializers.DecimalField(max_digits=10, decimal_places=2)
    employees = serializers.IntegerField()
    assets = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class VisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    visited_on = serializers.DateField()
    official = serializers.CharField(source="official.__str__")
    unit = serializers.CharField(source="unit_name")
    summary = serializers.CharField()
    raised = serializers.CharField()


def _firm_detail(firm: FirmProfile) -> dict:
    data = FirmSerializer(firm).data
    data["contacts"] = [
        {"id": c.pk, "name": c.name, "title": c.title, "phone": c.phone_masked}
        for c in firm.contacts.all()
    ]
    data["figures"] = FiguresSerializer(firm.figures.order_by("-year"), many=True).data
    data["visits"] = VisitSerializer(selectors.firm_visits(firm)[:50], many=True).data
    return data


class RequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    firm = serializers.IntegerField(source="firm_id")
    firm_name = serializers.CharField(source="firm.entity.name")
    work_order = serializers.IntegerField(source="work_order_id")
    code = serializers.CharField(source="work_order.code")
    version = serializers.IntegerField(source="work_order.version")
    category = serializers.CharField(source="work_order.category.name", default="")
    description = serializers.CharField(source="work_order.description")
    status = serializers.CharField(source="work_order.status")
    status_display = serializers.CharField(source="work_order.get_status_display")
    satisfaction = serializers.CharField(source="work_order.satisfaction")
    on_behalf = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class RunSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvaluationRun
        fields = ["id", "year", "counts", "benchmarks", "scheme", "is_current", "created_at"]


class ResultSerializer(serializers.Serializer):
    firm = serializers.IntegerField(source="firm_id")
    name = serializers.CharField(source="firm.entity.name")
    grid = serializers.CharField(source="firm.grid.code")
    rank = serializers.IntegerField(allow_null=True)
    score = serializers.FloatField(allow_null=True)
    klass = serializers.CharField()
    facts = serializers.SerializerMethodField()

    def get_facts(self, obj) -> dict:
        run = self.context["run"]
        return explain(obj.facts, run.scheme, run.benchmarks)


class PolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = Policy
        fields = ["id", "version", "title", "summary", "issuer", "rule", "is_active", "created_at"]


# --- helpers ----------------------------------------------------------------------------------


def _data(request) -> dict:
    data = request.data
    if hasattr(data, "dict"):
        data = data.dict()
    if not isinstance(data, dict):
        raise ValidationFailed("请求内容须为 JSON 对象。")
    return data


def _pick(data: dict, names) -> dict:
    return {k: data[k] for k in names if k in data}


def _firm(request, pk) -> FirmProfile:
    return selectors.firm_get(user=request.user, id=pk)


# --- input, as the services check it (stated so that clients and schemathesis know it) --------

USCC_PATTERN = r"^[0-9A-HJ-NP-RTUWXY]{18}$"  # GB 32100 charset; the check character is not
# statable in JSON Schema (the services check it)
FIRM_INPUT = inline_serializer(
    "EconomyFirmInput",
    fields={
        "name": serializers.RegexField(r"\S", max_length=200),
        "uscc": serializers.RegexField(USCC_PATTERN, help_text="统一社会信用代码（含校验码）"),
        "kind": serializers.ChoiceField(choices=sorted(sv.FIRM_KINDS), required=False),
        "grid": serializers.RegexField(r"^\d{1,40}$", help_text="所在网格编码（须存在）"),
        "address": serializers.CharField(required=False, allow_blank=True, max_length=200),
    },
)
FIGURES_UPLOAD = inline_serializer(
    "EconomyFiguresUpload",
    fields={
        "file": serializers.FileField(help_text="亩均数据 .xlsx（模板格式）"),
        "dry_run": serializers.BooleanField(required=False),
    },
)
SCHEME_INPUT = inline_serializer(
    "EconomySchemeInput",
    fields={
        "version": serializers.IntegerField(),
        "weights": serializers.DictField(
            child=serializers.FloatField(min_value=0), required=False, help_text="合计 100"
        ),
        "cutoffs": serializers.DictField(
            child=serializers.FloatField(min_value=0, max_value=100),
            required=False,
            help_text="{A, B, C} 累计比例，0 < A < B < C < 100",
        ),
        "benchmark_factor": serializers.FloatField(required=False, min_value=0, max_value=10),
        "min_land_mu": serializers.FloatField(required=False, min_value=0),
    },
)
YEAR_INPUT = inline_serializer(
    "EconomyYearInput",
    fields={"year": serializers.IntegerField(min_value=2000, help_text="不晚于今年")},
)
POLICY_INPUT = inline_serializer(
    "EconomyPolicyInput",
    fields={
        "title": serializers.RegexField(r"\S", max_length=200),
        "rule": serializers.JSONField(
            required=False, allow_null=True, help_text="适用条件（core.conditions 规则）；空为全部"
        ),
        "summary": serializers.CharField(required=False, allow_blank=True, max_length=5000),
        "issuer": serializers.CharField(required=False, allow_blank=True, max_length=100),
    },
)


# --- firms ------------------------------------------------------------------------------------

PROFILE_INPUT = [
    "industry",
    "size_class",
    "above_scale",
    "address",
    "grid",
    "established_on",
    "rating_exempt",
    "visit_cadence_days",
]


class FirmListView(APIView):
    @extend_schema(responses=FirmSerializer(many=True))
    def get(self, request):
        qs = selectors.firm_list(user=request.user, filters=request.query_params)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(FirmSerializer(page, many=True).data)

    @extend_schema(request=FIRM_INPUT, responses={201: FirmSerializer})
    def post(self, request):
        data = _data(request)
        firm = sv.firm_register(
            actor=request.user,
            name=data.get("name", ""),
            uscc=data.get("uscc", ""),
            kind=data.get("kind") or "enterprise",
            **{"grid": "", **_pick(data, PROFILE_INPUT)},  # no grid: a 400, not a 500
        )
        return Response(_firm_detail(selectors.firm_get(user=request.user, id=firm.pk)), 201)


class FirmDetailView(APIView):
    @extend_schema(responses=FirmSerializer)
    def get(self, request, pk: int):
        return Response(_firm_detail(_firm(request, pk)))

    @extend_schema(request=None, responses=FirmSerializer)
    def patch(self, request, pk: int):
        data = _data(request)
        firm = _firm(request, pk)
        sv.firm_profile_update(
            actor=request.user,
            firm=firm,
            version=data.get("version"),
            **_pick(data, PROFILE_INPUT),
        )
        return Response(_firm_detail(_firm(request, pk)))


class FiguresView(APIView):
    @extend_schema(request=None, responses={201: FiguresSerializer})
    def post(self, request, pk: int):
        data = _data(request)
        figures = sv.firm_figures_save(
            actor=request.user,
            firm=_firm(request, pk),
            year=data.get("year"),
            version=data.get("version"),
            **_pick(data, sv.FIGURE_FIELDS),
        )
        return Response(FiguresSerializer(figures).data, status=201)


class ContactView(APIView):
    @extend_schema(request=None, responses={201: None})
    def post(self, request, pk: int):
        data = _data(request)
        contact = sv.firm_contact_add(
            actor=request.user,
            firm=_firm(request, pk),
            name=data.get("name", ""),
            title=data.get("title", ""),
            phone=data.get("phone", ""),
        )
        return Response(
            {"id": contact.pk, "name": contact.name, "phone": contact.phone_masked}, status=201
        )


class OfficialView(APIView):
    @extend_schema(request=None, responses={201: OfficialSerializer})
    def post(self, request, pk: int):
        data = _data(request)
        firm = _firm(request, pk)
        sv.require_bureau(request.user)  # the role before the body: a refusal is a 403
        try:
            official = User.objects.get(pk=int(data.get("official")), is_active=True)
        except (User.DoesNotExist, TypeError, ValueError):
            raise ValidationFailed("挂钩人员不存在。", fields={"official": ["用户不存在"]})
        assignment = sv.official_assign(
            actor=request.user, firm=firm, official=official, kind=data.get("kind") or "staff"
        )
        return Response(OfficialSerializer(assignment).data, status=201)


class VisitView(APIView):
    @extend_schema(request=None, responses={201: VisitSerializer})
    def post(self, request, pk: int):
        data = _data(request)
        visit = sv.visit_record(
            actor=request.user,
            firm=_firm(request, pk),
            visited_on=data.get("visited_on"),
            summary=data.get("summary", ""),
            raised=data.get("raised", ""),
        )
        return Response(VisitSerializer(visit).data, status=201)


class FirmRequestView(APIView):
    @extend_schema(request=None, responses={201: RequestSerializer})
    def post(self, request, pk: int):
        data = _data(request)
        made = sv.enterprise_request_create(
            actor=request.user,
            firm=_firm(request, pk),
            description=data.get("description", ""),
            category=data.get("category", ""),
        )
        return Response(RequestSerializer(made).data, status=201)


class RequestListView(APIView):
    @extend_schema(responses=RequestSerializer(many=True))
    def get(self, request):
        qs = selectors.enterprise_requests(user=request.user)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(RequestSerializer(page, many=True).data)


class RequestRateView(APIView):
    @extend_schema(request=None, responses=RequestSerializer)
    def post(self, request, pk: int):
        data = _data(request)
        made = selectors.enterprise_request_get(user=request.user, id=pk)
        sv.enterprise_request_rate(
            actor=request.user,
            enterprise_request=made,
            version=data.get("version"),
            satisfaction=data.get("satisfaction", ""),
            comment=data.get("comment", ""),
        )
        return Response(
            RequestSerializer(selectors.enterprise_request_get(user=request.user, id=pk)).data
        )


class FiguresImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": FIGURES_UPLOAD}, responses=None)
    def post(self, request):
        sv.require_bureau(request.user)  # the role first: a refused user learns nothing more
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed("请上传 .xlsx 文件（字段 file）。", fields={"file": ["必填"]})
        result = xlsx.figures_import(
            actor=request.user,
            data=upload.read(),
            filename=upload.name,
            dry_run=parse_bool(request.data.get("dry_run", "")),
        )
        return Response(result.as_dict(), status=200 if result.dry_run else 201)


# --- evaluations ------------------------------------------------------------------------------


class SchemeView(APIView):
    def _body(self, scheme) -> dict:
        return {
            "version": scheme.version,
            "weights": scheme.weights,
            "cutoffs": scheme.cutoffs,
            "benchmark_factor": float(scheme.benchmark_factor),
            "min_land_mu": float(scheme.min_land_mu),
        }

    @extend_schema(responses=None)
    def get(self, request):
        if not sv.is_bureau(request.user):
            raise NotFound("未找到。")
        return Response(self._body(sv.current_scheme()))

    @extend_schema(request=SCHEME_INPUT, responses=None)
    def put(self, request):
        data = _data(request)
        scheme = sv.evaluation_scheme_save(
            actor=request.user,
            version=data.get("version"),
            **_pick(data, ["weights", "cutoffs", "benchmark_factor", "min_land_mu"]),
        )
        return Response(self._body(scheme))


class EvaluationListView(APIView):
    @extend_schema(responses=RunSerializer(many=True))
    def get(self, request):
        return Response(
            RunSerializer(selectors.evaluation_run_list(user=request.user), many=True).data
        )

    @extend_schema(request=YEAR_INPUT, responses={201: RunSerializer})
    def post(self, request):
        run = sv.evaluation_run(actor=request.user, year=_data(request).get("year"))
        body = RunSerializer(run).data
        body.update(run.counts)
        return Response(body, status=201)


class EvaluationDetailView(APIView):
    @extend_schema(responses=RunSerializer)
    def get(self, request, pk: int):
        run = selectors.evaluation_run_get(user=request.user, id=pk)
        qs = selectors.evaluation_results(
            user=request.user, run=run, klass=request.query_params.get("class", "")
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        data = ResultSerializer(page, many=True, context={"run": run}).data
        body = paginator.get_paginated_response(data).data
        body["run"] = RunSerializer(run).data
        return Response(body)


class EvaluationExportView(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, pk: int):
        run = selectors.evaluation_run_get(user=request.user, id=pk)
        content = xlsx.evaluation_export(
            run=run, results=selectors.evaluation_results(user=request.user, run=run)
        )
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="evaluation-{run.year}.xlsx"'
        return response


class EvaluationMapView(APIView):
    @extend_schema(responses=None)
    def get(self, request, pk: int):
        run = selectors.evaluation_run_get(user=request.user, id=pk)
        return Response(
            {"year": run.year, "firms": selectors.class_map(user=request.user, run=run)}
        )


# --- policies ---------------------------------------------------------------------------------


class PolicyListView(APIView):
    @extend_schema(responses=PolicySerializer(many=True))
    def get(self, request):
        return Response(PolicySerializer(selectors.policy_list(user=request.user), many=True).data)

    @extend_schema(request=POLICY_INPUT, responses={201: PolicySerializer})
    def post(self, request):
        data = _data(request)
        policy = sv.policy_create(
            actor=request.user,
            title=data.get("title", ""),
            rule=data.get("rule"),
            summary=data.get("summary", ""),
            issuer=data.get("issuer", ""),
        )
        return Response(PolicySerializer(policy).data, status=201)


class PolicyDetailView(APIView):
    @extend_schema(responses=PolicySerializer)
    def get(self, request, pk: int):
        return Response(PolicySerializer(selectors.policy_get(user=request.user, id=pk)).data)

    @extend_schema(request=None, responses=PolicySerializer)
    def patch(self, request, pk: int):
        data = _data(request)
        policy = sv.policy_update(
            actor=request.user,
            policy=selectors.policy_get(user=request.user, id=pk),
            version=data.get("version"),
            **_pick(data, ["title", "summary", "issuer", "rule", "is_active"]),
        )
        return Response(PolicySerializer(policy).data)


class PolicyEligibleView(APIView):
    @extend_schema(responses=FirmSerializer(many=True))
    def get(self, request, pk: int):
        policy = selectors.policy_get(user=request.user, id=pk)
        firms = selectors.policy_eligible_firms(user=request.user, policy=policy)
        return Response(
            {
                "policy": PolicySerializer(policy).data,
                "count": len(firms),
                "firms": FirmSerializer(firms, many=True).data,
            }
        )


class PolicyPushView(APIView):
    @extend_schema(request=None, responses=None)
    def post(self, request, pk: int):
        policy = selectors.policy_get(user=request.user, id=pk)
        return Response({"notices": sv.policy_push(actor=request.user, policy=policy)})


# --- KPIs and the firm's own view ---------------------------------------------------------------


def _date(value, default: dt.date, field: str) -> dt.date:
    if not value:
        return default
    try:
        parsed = parse_date(str(value))
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD。", fields={field: ["日期格式无效"]})
    return parsed


class KpiView(APIView):
    @extend_schema(responses=None)
    def get(self, request):
        today = timezone.localdate()
        date_from = _date(request.query_params.get("from"), today.replace(day=1), "from")
        date_to = _date(request.query_params.get("to"), today, "to")
        return Response(
            selectors.enterprise_kpis(user=request.user, date_from=date_from, date_to=date_to)
        )


class MyFirmView(APIView):
    @extend_schema(responses=FirmSerializer)
    def get(self, request):
        firm = selectors.my_firm(user=request.user)
        body = _firm_detail(firm)
        body["policies"] = PolicySerializer(
            selectors.policies_for_firm(firm, firm.evaluation_class), many=True
        ).data
        body["requests"] = RequestSerializer(
            selectors.enterprise_requests(user=request.user, firm=firm), many=True
        ).data
        body["timeline"] = selectors.firm_timeline(firm)
        return Response(body)
