"""Grid API: list children, one region with its polygon and workers, and point → grid.

    GET /api/v1/grids/?parent=<code>        children of a region (scoped), paginated
    GET /api/v1/grids/locate/?lon=&lat=     {"grid", "community", "street", "special"}
    GET /api/v1/grids/<code>/               one region with `geojson` and its workers

Grid workers' names and phones are shown unmasked: they are posted publicly by regulation
(滨州市社会治理网格化服务管理条例 第六条), so no role check and no PII audit applies.
"""

from __future__ import annotations

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.core.api import error_body, query_choice
from yiwang.core.pagination import Pagination
from yiwang.grids import locate as locator
from yiwang.grids import selectors
from yiwang.grids.errors import GridErrorCode
from yiwang.grids.models import Region


class RegionRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    kind = serializers.CharField()
    special_type = serializers.CharField(allow_blank=True)


class WorkerSerializer(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.CharField()
    role_display = serializers.CharField(source="get_role_display")
    phone = serializers.CharField()
    username = serializers.CharField(source="user.username", default=None, allow_null=True)


class RegionListSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.code", default=None, allow_null=True)
    parent_name = serializers.CharField(source="parent.name", default=None, allow_null=True)
    level_display = serializers.CharField(source="get_level_display")
    kind_display = serializers.CharField(source="get_kind_display")
    worker_count = serializers.IntegerField()
    bbox = serializers.ListField(child=serializers.FloatField(), allow_null=True)

    class Meta:
        model = Region
        fields = [
            "code",
            "official_code",
            "name",
            "level",
            "level_display",
            "kind",
            "kind_display",
            "special_type",
            "parent",
            "parent_name",
            "worker_count",
            "area_m2",
            "bbox",
            "is_active",
        ]


class RegionDetailSerializer(RegionListSerializer):
    worker_count = serializers.SerializerMethodField()
    geojson = serializers.SerializerMethodField()
    workers = serializers.SerializerMethodField()

    class Meta(RegionListSerializer.Meta):
        fields = RegionListSerializer.Meta.fields + [
            "geojson",
            "workers",
            "warnings",
            "repaired_note",
            "version",
            "updated_at",
        ]

    def get_worker_count(self, obj) -> int:
        return len(selectors.grid_workers(obj))

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_geojson(self, obj):
        if not obj.geojson:
            return None
        try:
            return json.loads(obj.geojson)
        except ValueError:
            return None

    @extend_schema_field(WorkerSerializer(many=True))
    def get_workers(self, obj):
        return WorkerSerializer(selectors.grid_workers(obj), many=True).data


class LocateGridSerializer(RegionRefSerializer):
    workers = WorkerSerializer(many=True)


class LocateSerializer(serializers.Serializer):
    grid = LocateGridSerializer()
    community = RegionRefSerializer(allow_null=True)
    street = RegionRefSerializer(allow_null=True)
    special = RegionRefSerializer(many=True)


class RegionListView(ListAPIView):
    """区域/网格列表：某区域的下级（?parent=编码），缺省为可见范围的最上级。"""

    serializer_class = RegionListSerializer
    filter_backends = []
    pagination_class = Pagination  # `page=` or `page=0` is a 400, not page 1

    @extend_schema(
        parameters=[
            OpenApiParameter("parent", str, description="上级编码；缺省为可见范围的最上级"),
            OpenApiParameter("level", str, enum=[c for c, _ in Region.Level.choices]),
            OpenApiParameter("kind", str, enum=[c for c, _ in Region.Kind.choices]),
            OpenApiParameter("q", str, description="名称包含或编码前缀"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return selectors.region_list(
            user=self.request.user,
            filters={
                "parent": params.get("parent", ""),
                "level": query_choice(params, "level", LEVELS),
                "kind": query_choice(params, "kind", KINDS),
                "q": params.get("q", "")[:50],
            },
        )


LEVELS = [c for c, _ in Region.Level.choices]
KINDS = [c for c, _ in Region.Kind.choices]


class RegionDetailView(APIView):
    """区域/网格详情：边界 GeoJSON、网格员（姓名、电话依规公开）。"""

    @extend_schema(responses=RegionDetailSerializer)
    def get(self, request, code: str):
        region = selectors.region_get(user=request.user, code=code)
        return Response(RegionDetailSerializer(region).data)


class LocateView(APIView):
    """坐标定位网格：返回所在网格及其社区、街道；不在任何网格内时 404。"""

    @extend_schema(
        parameters=[
            OpenApiParameter("lon", float, required=True, description="经度（-180～180）"),
            OpenApiParameter("lat", float, required=True, description="纬度（-90～90）"),
        ],
        responses={200: LocateSerializer},
    )
    def get(self, request):
        lon, lat = request.query_params.get("lon"), request.query_params.get("lat")
        found = locator.locate(lon, lat, fresh=True)
        if found is None:
            return Response(self._outside(lon, lat), status=404)
        body = found.as_dict()
        workers = selectors.grid_workers(found.grid)
        body["grid"]["workers"] = WorkerSerializer(workers, many=True).data
        return Response(body)

    @staticmethod
    def _outside(lon, lat) -> dict:
        where = ""
        community = locator.area_at(lon, lat, "community")
        street = locator.area_at(lon, lat, "street") if community is None else None
        if community is not None:
            where = f"该点位于{community.name}，但不在任何网格内（网格盲区）。"
        elif street is not None:
            where = f"该点位于{street.name}，但不在任何社区网格内（网格盲区）。"
        message = f"坐标（{lon}, {lat}）不在任何网格内。{where}"
        return error_body(str(GridErrorCode.OUTSIDE_GRIDS), message)
