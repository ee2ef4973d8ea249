"""REST API of base data under /api/v1/basedata/ (thin: services write, selectors read).

Lists and details never carry a plain ID number or phone: `id_number_masked`, `phone_masked`.
The unmasked value comes only from `POST people/<id>/reveal/` with a purpose (audited).
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.basedata import access, selectors, services
from yiwang.basedata.errors import BaseDataErrorCode, FileRejected
from yiwang.basedata.exporting import XLSX_MIME, basedata_export, error_report_xlsx, template_xlsx
from yiwang.basedata.gridload import grid_load_report
from yiwang.basedata.importing import basedata_import
from yiwang.basedata.models import House, Household, LegalEntity, Person, PersonTag
from yiwang.basedata.sheets import IMPORTABLE, LAYOUTS
from yiwang.core.api import parse_bool
from yiwang.core.errors import NotFound, ValidationFailed
from yiwang.core.pagination import Pagination
from yiwang.core.pii import age_band, mask_name


class XlsxRenderer(BaseRenderer):
    """Lets clients ask for .xlsx (Accept) without a 406; errors still go out as JSON bytes."""

    media_type = XLSX_MIME
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return JSONRenderer().render(data)


class XlsxDownloadView(APIView):
    """A download that answers .xlsx, and its errors (401, 403, 404, 400) as JSON with the
    JSON media type, also when the client asked for .xlsx (?format=xlsx, Accept)."""

    renderer_classes = [JSONRenderer, XlsxRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400 and isinstance(
            getattr(request, "accepted_renderer", None), XlsxRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_MIME)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


XLSX_RESPONSE = {(200, XLSX_MIME): OpenApiTypes.BINARY}
# An upload is imported inside the request (about 1,000 rows per CPU-second): bigger files go
# through `yiwang import …` on the server.
API_MAX_ROWS = 20_000

FILTER_PARAMS = [
    OpenApiParameter("grid", str, description="区域编码（网格，或社区/街道编码作为前缀）"),
    OpenApiParameter(
        "q", str, description="关键字（姓名、地址）；按身份证号或手机号查找用 POST people/search/"
    ),
]
PEOPLE_FILTERS = ["grid", "q", "tag", "colour", "household"]
PEOPLE_PARAMS = FILTER_PARAMS + [
    OpenApiParameter("tag", str, description="标签，如 独居老人"),
    OpenApiParameter("colour", str, enum=["red", "yellow", "green", "none"]),
    OpenApiParameter("household", {"type": "integer", "minimum": 0}, description="户编号"),
]
HOUSE_PARAMS = FILTER_PARAMS + [OpenApiParameter("kind", str, enum=["", *House.Kind.values])]
ENTITY_PARAMS = FILTER_PARAMS + [OpenApiParameter("kind", str, enum=["", *LegalEntity.Kind.values])]
COUNT = {"type": "integer", "minimum": 0}  # `_int_param`: a whole number, not below 0


def _filters(request, keys) -> dict:
    return {k: request.query_params.get(k) for k in keys if request.query_params.get(k)}


def _ref(region) -> dict | None:
    return {"code": region.code, "name": region.name} if region is not None else None


def _kind(kind: str, allowed) -> str:
    if kind not in allowed:
        raise NotFound(f"未知的类型：{kind}。")
    return kind


# ---------------------------------------------------------------------------- serializers


class RegionRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    id_number_masked = serializers.CharField(read_only=True)
    phone_masked = serializers.CharField(read_only=True)
    gender_label = serializers.CharField(source="get_gender_display", read_only=True)
    relation_label = serializers.CharField(source="get_relation_display", read_only=True)
    colour_label = serializers.CharField(source="get_colour_display", read_only=True)
    grid = serializers.SerializerMethodField()
    household = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    age_band = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "id_number_masked",
            "phone_masked",
            "gender",
            "gender_label",
            "age_band",
            "address",
            "grid",
            "household",
            "relation",
            "relation_label",
            "tags",
            "colour",
            "colour_label",
            "colour_reason",
            "colour_marked_at",
            "version",
            "updated_at",
        ]

    def get_name(self, obj) -> str:
        return obj.name if self.context.get("names") else mask_name(obj.name)

    def get_age_band(self, obj) -> str:
        """The age band, never the birth date, for every role (issue 11, item 1): the masked ID
        number hides exactly the 8 birth-date digits, so a birth date beside it would give the
        whole number back. The date itself only through the audited reveal (field birth_date)."""
        return age_band(obj.birth_date)

    def get_grid(self, obj) -> dict:
        return _ref(obj.grid)

    def get_household(self, obj) -> dict | None:
        if not obj.household_id:
            return None
        return {"id": obj.household_id, "code": obj.household.code}

    def get_tags(self, obj) -> list[str]:
        return [t.name for t in obj.tags.all()]


class HouseholdSerializer(serializers.ModelSerializer):
    grid = serializers.SerializerMethodField()
    head = serializers.SerializerMethodField()
    house = serializers.SerializerMethodField()

    class Meta:
        model = Household
        fields = ["id", "code", "address", "grid", "head", "house", "version", "updated_at"]

    def get_grid(self, obj) -> dict:
        return _ref(obj.grid)

    def get_head(self, obj) -> dict | None:
        if not obj.head_id:
            return None
        name = obj.head.name if self.context.get("names") else mask_name(obj.head.name)
        return {"id": obj.head_id, "name": name}

    def get_house(self, obj) -> dict | None:
        if not obj.house_id:
            return None
        return {"id": obj.house_id, "address": obj.house.address}


class HouseSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    grid = serializers.SerializerMethodField()

    class Meta:
        model = House
        fields = [
            "id",
            "address",
            "kind",
            "kind_label",
            "lon",
            "lat",
            "grid",
            "note",
            "version",
            "updated_at",
        ]

    def get_grid(self, obj) -> dict:
        return _ref(obj.grid)


class EntitySerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    phone_masked = serializers.CharField(read_only=True)
    grid = serializers.SerializerMethodField()

    class Meta:
        model = LegalEntity
        fields = [
            "id",
            "name",
            "uscc",
            "kind",
            "kind_label",
            "legal_rep",
            "phone_masked",
            "address",
            "lon",
            "lat",
            "grid",
            "industry",
            "version",
            "updated_at",
        ]

    def get_grid(self, obj) -> dict:
        return _ref(obj.grid)


# A name (姓名) has no digits or these symbols, and is not blank (cleaning.clean_name).
NAME_PATTERN = r"^[^\d@#$%^&*<>{}\[\]]*[^\s\d@#$%^&*<>{}\[\]][^\d@#$%^&*<>{}\[\]]*$"
NAME_ERRORS = {"invalid": "姓名含有不允许的字符（数字或符号）。"}


# The forms alone (core.validators); the check digit or character is the service's to verify.
ID_NUMBER_PATTERN = r"^\s*[0-9]{17}[0-9Xx]\s*$"
USCC_PATTERN = r"^\s*[0-9A-HJ-NP-RTUWXYa-hj-np-rtuwxy]{18}\s*$"


class PersonCreateSerializer(serializers.Serializer):
    name = serializers.RegexField(NAME_PATTERN, max_length=50, error_messages=NAME_ERRORS)
    id_number = serializers.RegexField(
        ID_NUMBER_PATTERN, error_messages={"invalid": "身份证号应为18位（末位可为X）。"}
    )
    grid = serializers.CharField(max_length=40, help_text="网格编码")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    household = serializers.IntegerField(required=False, allow_null=True)
    relation = serializers.CharField(max_length=20, required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=30), required=False)


class PersonUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    name = serializers.CharField(max_length=100, required=False)
    id_number = serializers.CharField(max_length=40, required=False)
    grid = serializers.CharField(max_length=40, required=False)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    household = serializers.IntegerField(required=False, allow_null=True)
    relation = serializers.CharField(max_length=20, required=False, allow_blank=True)


class TagsInputSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    tags = serializers.ListField(child=serializers.CharField(max_length=30), allow_empty=True)


class ColourInputSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    colour = serializers.ChoiceField(choices=["red", "yellow", "green", "none", ""])
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class RevealInputSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=["id_number", "phone", "birth_date"])
    purpose = serializers.CharField(max_length=200)


class HouseholdCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    grid = serializers.CharField(max_length=40)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    house = serializers.IntegerField(required=False, allow_null=True)


class HouseholdUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    house = serializers.IntegerField(required=False, allow_null=True)
    head = serializers.IntegerField(required=False, allow_null=True)


class HouseInputSerializer(serializers.Serializer):
    address = serializers.CharField(max_length=300)
    kind = serializers.CharField(max_length=20, required=False, allow_blank=True)
    lon = serializers.FloatField(required=False, allow_null=True)
    lat = serializers.FloatField(required=False, allow_null=True)
    grid = serializers.CharField(max_length=40, required=False, allow_blank=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class HouseUpdateSerializer(HouseInputSerializer):
    version = serializers.IntegerField()
    address = serializers.CharField(max_length=300, required=False)


class EntityInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=300)
    uscc = serializers.RegexField(
        USCC_PATTERN,
        error_messages={"invalid": "统一社会信用代码应为18位数字或字母（不使用I、O、S、V、Z）。"},
    )
    kind = serializers.CharField(max_length=20, required=False, allow_blank=True)
    legal_rep = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    lon = serializers.FloatField(required=False, allow_null=True)
    lat = serializers.FloatField(required=False, allow_null=True)
    grid = serializers.CharField(max_length=40, required=False, allow_blank=True)
    industry = serializers.CharField(max_length=100, required=False, allow_blank=True)


class EntityUpdateSerializer(EntityInputSerializer):
    version = serializers.IntegerField()
    name = serializers.CharField(max_length=300, required=False)
    uscc = None


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(required=False, default=False)


IMPORT_RESULT = inline_serializer(
    "BasedataImportResult",
    {
        "kind": serializers.CharField(),
        "filename": serializers.CharField(),
        "dry_run": serializers.BooleanField(),
        "sheet": serializers.CharField(),
        "total": serializers.IntegerField(),
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "rejected": serializers.IntegerField(),
        "blank_rows": serializers.IntegerField(),
        "errors": serializers.ListField(child=serializers.DictField()),
        "warnings": serializers.ListField(child=serializers.CharField()),
        "batch_id": serializers.IntegerField(),
        "error_report_url": serializers.CharField(allow_null=True),
    },
)


def _validated(serializer_class, data) -> dict:
    s = serializer_class(data=data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def _context(request) -> dict:
    return {"names": access.may_see_names(request.user), "request": request}


# ---------------------------------------------------------------------------- generic views


class _ListCreate(APIView):
    pagination_class = Pagination  # also tells the OpenAPI schema that lists are paginated
    serializer_class = None
    create_serializer = None
    filter_keys: list[str] = []

    def list_qs(self, request):
        raise NotImplementedError

    def create(self, request, data):
        raise NotImplementedError

    def get(self, request):
        qs = self.list_qs(request)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        data = self.serializer_class(page, many=True, context=_context(request)).data
        return paginator.get_paginated_response(data)

    def post(self, request):
        obj = self.create(request, _validated(self.create_serializer, request.data))
        return Response(self.serializer_class(obj, context=_context(request)).data, status=201)


class _Detail(APIView):
    serializer_class = None
    update_serializer = None

    def fetch(self, request, pk):
        raise NotImplementedError

    def update(self, request, obj, version, data):
        raise NotImplementedError

    def get(self, request, pk: int):
        obj = self.fetch(request, pk)
        return Response(self.serializer_class(obj, context=_context(request)).data)

    def patch(self, request, pk: int):
        obj = self.fetch(request, pk)
        data = _validated(self.update_serializer, request.data)
        version = data.pop("version")
        obj = self.update(request, obj, version, data)
        obj = self.fetch(request, obj.pk)
        return Response(self.serializer_class(obj, context=_context(request)).data)


# ---------------------------------------------------------------------------- people


@extend_schema(tags=["基础数据"])
class PersonListView(_ListCreate):
    serializer_class = PersonSerializer
    create_serializer = PersonCreateSerializer

    @extend_schema(parameters=PEOPLE_PARAMS, responses=PersonSerializer(many=True))
    def get(self, request):
        return super().get(request)

    @extend_schema(request=PersonCreateSerializer, responses={201: PersonSerializer})
    def post(self, request):
        return super().post(request)

    def list_qs(self, request):
        return selectors.person_list(user=request.user, filters=_filters(request, PEOPLE_FILTERS))

    def create(self, request, data):
        return services.person_create(actor=request.user, **data)


@extend_schema(tags=["基础数据"])
class PersonDetailView(_Detail):
    serializer_class = PersonSerializer
    update_serializer = PersonUpdateSerializer

    @extend_schema(responses=PersonSerializer)
    def get(self, request, pk: int):
        return super().get(request, pk)

    @extend_schema(request=PersonUpdateSerializer, responses=PersonSerializer)
    def patch(self, request, pk: int):
        return super().patch(request, pk)

    def fetch(self, request, pk):
        return selectors.person_get(user=request.user, id=pk)

    def update(self, request, obj, version, data):
        return services.person_update(actor=request.user, person=obj, version=version, **data)


@extend_schema(tags=["基础数据"])
class PersonRevealView(APIView):
    """查看身份证号或手机号明文：仅限有权角色，须填写用途，每次查看记入审计日志。"""

    @extend_schema(
        request=RevealInputSerializer,
        responses=inline_serializer(
            "PersonReveal", {"field": serializers.CharField(), "value": serializers.CharField()}
        ),
    )
    def post(self, request, pk: int):
        person = selectors.person_get(user=request.user, id=pk)
        data = _validated(RevealInputSerializer, request.data)
        value = services.person_reveal(
            actor=request.user, person=person, field=data["field"], purpose=data["purpose"]
        )
        response = Response({"field": data["field"], "value": value})
        response["Cache-Control"] = "no-store"
        return response


class PersonSearchInputSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=["id_number", "phone"])
    value = serializers.CharField(max_length=40)
    purpose = serializers.CharField(max_length=200)


@extend_schema(tags=["基础数据"])
class PersonSearchView(APIView):
    """按完整身份证号或手机号精确查找人员：仅限有权查看明文的角色，值放在请求体中（不进访问日志），
    须填写用途，每次查找记入审计日志，每小时次数有限。"""

    @extend_schema(
        request=PersonSearchInputSerializer,
        responses=inline_serializer("PersonSearchResult", {"results": PersonSerializer(many=True)}),
    )
    def post(self, request):
        data = _validated(PersonSearchInputSerializer, request.data)
        found = services.person_search(
            actor=request.user, field=data["field"], value=data["value"], purpose=data["purpose"]
        )
        body = {"results": PersonSerializer(found, many=True, context=_context(request)).data}
        response = Response(body)
        response["Cache-Control"] = "no-store"
        return response


@extend_schema(tags=["基础数据"])
class PersonColourView(APIView):
    """颜色标记（红/黄/绿/无），如疫情防控分色管理。"""

    @extend_schema(request=ColourInputSerializer, responses=PersonSerializer)
    def post(self, request, pk: int):
        person = selectors.person_get(user=request.user, id=pk)
        data = _validated(ColourInputSerializer, request.data)
        colour = "" if data["colour"] == "none" else data["colour"]
        services.person_mark_colour(
            actor=request.user,
            person=person,
            version=data["version"],
            colour=colour,
            reason=data.get("reason", ""),
        )
        person = selectors.person_get(user=request.user, id=pk)
        return Response(PersonSerializer(person, context=_context(request)).data)


@extend_schema(tags=["基础数据"])
class PersonTagsView(APIView):
    """设置人员标签（替换为给定的标签）。"""

    @extend_schema(request=TagsInputSerializer, responses=PersonSerializer)
    def post(self, request, pk: int):
        person = selectors.person_get(user=request.user, id=pk)
        data = _validated(TagsInputSerializer, request.data)
        services.person_set_tags(
            actor=request.user, person=person, version=data["version"], tags=data["tags"]
        )
        person = selectors.person_get(user=request.user, id=pk)
        return Response(PersonSerializer(person, context=_context(request)).data)


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonTag
        fields = ["name", "description"]


@extend_schema(tags=["基础数据"])
class TagListView(APIView):
    @extend_schema(responses=TagSerializer(many=True))
    def get(self, request):
        return Response(TagSerializer(selectors.tag_list(), many=True).data)


# ---------------------------------------------------------------------------- households


@extend_schema(tags=["基础数据"])
class HouseholdListView(_ListCreate):
    serializer_class = HouseholdSerializer
    create_serializer = HouseholdCreateSerializer

    @extend_schema(parameters=FILTER_PARAMS, responses=HouseholdSerializer(many=True))
    def get(self, request):
        return super().get(request)

    @extend_schema(request=HouseholdCreateSerializer, responses={201: HouseholdSerializer})
    def post(self, request):
        return super().post(request)

    def list_qs(self, request):
        return selectors.household_list(user=request.user, filters=_filters(request, ["grid", "q"]))

    def create(self, request, data):
        return services.household_create(actor=request.user, **data)


@extend_schema(tags=["基础数据"])
class HouseholdDetailView(_Detail):
    serializer_class = HouseholdSerializer
    update_serializer = HouseholdUpdateSerializer

    @extend_schema(responses=HouseholdSerializer)
    def get(self, request, pk: int):
        return super().get(request, pk)

    @extend_schema(request=HouseholdUpdateSerializer, responses=HouseholdSerializer)
    def patch(self, request, pk: int):
        return super().patch(request, pk)

    def fetch(self, request, pk):
        return selectors.household_get(user=request.user, id=pk)

    def update(self, request, obj, version, data):
        return services.household_update(actor=request.user, household=obj, version=version, **data)


# ---------------------------------------------------------------------------- houses


@extend_schema(tags=["基础数据"])
class HouseListView(_ListCreate):
    serializer_class = HouseSerializer
    create_serializer = HouseInputSerializer

    @extend_schema(parameters=HOUSE_PARAMS, responses=HouseSerializer(many=True))
    def get(self, request):
        return super().get(request)

    @extend_schema(request=HouseInputSerializer, responses={201: HouseSerializer})
    def post(self, request):
        return super().post(request)

    def list_qs(self, request):
        filters = _filters(request, ["grid", "q", "kind"])
        return selectors.house_list(user=request.user, filters=filters)

    def create(self, request, data):
        return services.house_create(actor=request.user, **data)


@extend_schema(tags=["基础数据"])
class HouseDetailView(_Detail):
    serializer_class = HouseSerializer
    update_serializer = HouseUpdateSerializer

    @extend_schema(responses=HouseSerializer)
    def get(self, request, pk: int):
        return super().get(request, pk)

    @extend_schema(request=HouseUpdateSerializer, responses=HouseSerializer)
    def patch(self, request, pk: int):
        return super().patch(request, pk)

    def fetch(self, request, pk):
        return selectors.house_get(user=request.user, id=pk)

    def update(self, request, obj, version, data):
        return services.house_update(actor=request.user, house=obj, version=version, **data)


# ---------------------------------------------------------------------------- entities


@extend_schema(tags=["基础数据"])
class EntityListView(_ListCreate):
    serializer_class = EntitySerializer
    create_serializer = EntityInputSerializer

    @extend_schema(parameters=ENTITY_PARAMS, responses=EntitySerializer(many=True))
    def get(self, request):
        return super().get(request)

    @extend_schema(request=EntityInputSerializer, responses={201: EntitySerializer})
    def post(self, request):
        return super().post(request)

    def list_qs(self, request):
        filters = _filters(request, ["grid", "q", "kind"])
        return selectors.entity_list(user=request.user, filters=filters)

    def create(self, request, data):
        return services.entity_create(actor=request.user, **data)


@extend_schema(tags=["基础数据"])
class EntityDetailView(_Detail):
    serializer_class = EntitySerializer
    update_serializer = EntityUpdateSerializer

    @extend_schema(responses=EntitySerializer)
    def get(self, request, pk: int):
        return super().get(request, pk)

    @extend_schema(request=EntityUpdateSerializer, responses=EntitySerializer)
    def patch(self, request, pk: int):
        return super().patch(request, pk)

    def fetch(self, request, pk):
        return selectors.entity_get(user=request.user, id=pk)

    def update(self, request, obj, version, data):
        return services.entity_update(actor=request.user, entity=obj, version=version, **data)


# ---------------------------------------------------------------------------- import / export


def _result_body(result) -> dict:
    body = result.as_dict()
    stored = result.rejected and not result.dry_run  # a dry run stores no rejected rows
    body["error_report_url"] = (
        f"/api/v1/basedata/imports/{result.batch_id}/error-report/" if stored else None
    )
    return body


@extend_schema(tags=["基础数据导入导出"])
class ImportView(APIView):
    """上传 .xlsx 导入人口 / 房屋 / 法人：坏行连同行号和原因被拒绝，好行照常导入。"""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses=IMPORT_RESULT,
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(IMPORTABLE))],
    )
    def post(self, request, kind: str):
        kind = _kind(kind, IMPORTABLE)
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(
                "请上传 .xlsx 文件（表单字段 file）。", fields={"file": ["必填"]}
            )
        if upload.size > settings.UPLOAD_MAX_BYTES:
            limit = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
            raise FileRejected(
                f"文件过大（上限 {limit} MB），请拆分后导入。",
                code=BaseDataErrorCode.FILE_TOO_LARGE.value,
                fields={"file": ["文件过大"]},
            )
        result, _ = basedata_import(
            actor=request.user,
            kind=kind,
            data=upload.read(),
            filename=upload.name or "",
            dry_run=parse_bool(request.data.get("dry_run", "")),
            max_rows=getattr(settings, "YIWANG_BASEDATA_API_MAX_ROWS", API_MAX_ROWS),
        )
        return Response(_result_body(result))


class ImportBatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    filename = serializers.CharField()
    dry_run = serializers.BooleanField()
    total = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    rejected = serializers.IntegerField()
    blank_rows = serializers.IntegerField()
    errors = serializers.JSONField()
    warnings = serializers.JSONField()
    created_at = serializers.DateTimeField()


@extend_schema(tags=["基础数据导入导出"])
class ImportBatchView(APIView):
    @extend_schema(responses=ImportBatchSerializer)
    def get(self, request, pk: int):
        batch = selectors.import_batch_get(user=request.user, id=pk)
        return Response(ImportBatchSerializer(batch).data)


@extend_schema(tags=["基础数据导入导出"])
class ImportErrorReportView(XlsxDownloadView):
    """下载导入错误报告（.xlsx）：被拒绝的原始行、原行号和错误原因；仅导入人本人可下载。"""

    @extend_schema(responses=XLSX_RESPONSE)
    def get(self, request, pk: int):
        batch = selectors.import_batch_get(user=request.user, id=pk)
        return xlsx_response(error_report_xlsx(batch), f"错误报告-{batch.pk}.xlsx")


@extend_schema(tags=["基础数据导入导出"])
class TemplateView(XlsxDownloadView):
    """下载导入模板（.xlsx）。"""

    @extend_schema(
        responses=XLSX_RESPONSE,
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(IMPORTABLE))],
    )
    def get(self, request, kind: str):
        kind = _kind(kind, IMPORTABLE)
        return xlsx_response(template_xlsx(kind), f"{LAYOUTS[kind].title}导入模板.xlsx")


@extend_schema(tags=["基础数据导入导出"])
class ExportView(XlsxDownloadView):
    """导出 .xlsx（默认脱敏）。明文导出：unmasked=1 且填写 purpose，仅限有权角色，记入审计。"""

    @extend_schema(
        responses=XLSX_RESPONSE,
        parameters=PEOPLE_PARAMS
        + [
            OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(LAYOUTS)),
            OpenApiParameter("unmasked", bool, description="导出明文（须有权限并填写用途）"),
            OpenApiParameter("purpose", str, description="明文导出的用途"),
        ],
    )
    def get(self, request, kind: str):
        kind = _kind(kind, LAYOUTS)
        data, _ = basedata_export(
            actor=request.user,
            kind=kind,
            filters=_filters(request, PEOPLE_FILTERS + ["kind"]),
            unmasked=parse_bool(request.query_params.get("unmasked", "")),
            purpose=request.query_params.get("purpose", ""),
        )
        return xlsx_response(data, f"{LAYOUTS[kind].title}.xlsx")


# ---------------------------------------------------------------------------- grid load


def _int_param(request, name, default=None, *, minimum=0):
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed(f"参数 {name} 必须是整数。", fields={name: ["必须是整数"]})
    if value < minimum:
        raise ValidationFailed(f"参数 {name} 不能小于 {minimum}。", fields={name: ["过小"]})
    return value


@extend_schema(tags=["基础数据"])
class GridLoadView(APIView):
    """网格负荷：每个网格的户数、人数与标准（默认 300–500 户）对比，标出空置、超载、盲区。"""

    @extend_schema(
        parameters=[
            OpenApiParameter("street", str, description="街道编码（只管辖一个街道时可省略）"),
            OpenApiParameter("community", str, description="社区编码：只看该社区的网格与盲区"),
            OpenApiParameter("min", COUNT, description="户数下限（默认取设置）"),
            OpenApiParameter("max", COUNT, description="户数上限（默认取设置）"),
            OpenApiParameter("min_area", COUNT, description="盲区面积下限（平方米，默认 10）"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        report = grid_load_report(
            user=request.user,
            street=request.query_params.get("street") or None,
            community=request.query_params.get("community") or None,
            min_households=_int_param(request, "min"),
            max_households=_int_param(request, "max"),
            min_area_m2=_int_param(request, "min_area", 10),
        )
        return Response(report)
