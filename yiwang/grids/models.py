"""The grid (镇村治理一张网): street (街道) → community (社区) → grid (网格).

Comprehensive grids (综合网格) tile a community; special grids (专属网格: schools, parks,
enterprises …) lie on top of them. Polygons are GeoJSON text; every write goes through
`grids.services`, which validates the polygon and fills the cached bounding box and area.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from yiwang.accounts.scope import ScopedQuerySet
from yiwang.core.models import TimeStampedModel, VersionedModel
from yiwang.core.pii import EncryptedTextField

# Code length per level: street 9 digits (6-digit county + 3), community +3, grid +3 (GB/T 30428.1).
CODE_LENGTHS = {"street": 9, "community": 12, "grid": 15}
PARENT_LEVEL = {"street": None, "community": "street", "grid": "community"}
CHILD_LEVEL = {"street": "community", "community": "grid", "grid": None}


class Region(TimeStampedModel, VersionedModel):
    """A node of the region tree. Codes are hierarchical: a child's code starts with its
    parent's, so "inside this street" is a prefix match. The official code published for the
    region (`official_code`) is kept as it is, even where it does not nest (the 苏州工业园区
    communities 3205050… under streets coded 320576…): then `code` is generated under the
    parent's and the official one stays searchable and shown."""

    class Level(models.TextChoices):
        STREET = "street", "街道"
        COMMUNITY = "community", "社区"
        GRID = "grid", "网格"

    class Kind(models.TextChoices):
        COMPREHENSIVE = "comprehensive", "综合网格"
        SPECIAL = "special", "专属网格"

    code = models.CharField("编码", max_length=40, unique=True)
    official_code = models.CharField(
        "官方编码",
        max_length=40,
        blank=True,
        db_index=True,
        help_text="民政/自然资源等部门发布的区划或网格编码；不嵌套在上级编码下时，"
        "系统另行生成内部编码（编码字段）用于数据权限",
    )
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=20, choices=Level.choices, db_index=True)
    kind = models.CharField(
        "网格类型", max_length=20, choices=Kind.choices, default=Kind.COMPREHENSIVE
    )
    special_type = models.CharField(
        "专属网格类别", max_length=30, blank=True, help_text="学校、公园、企业、园区、商务楼宇等"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    geojson = models.TextField("边界 (GeoJSON)", blank=True)
    is_active = models.BooleanField("启用", default=True)
    # Cached from the polygon by the services (never edited by hand).
    min_lon = models.FloatField("最小经度", null=True, blank=True, editable=False)
    min_lat = models.FloatField("最小纬度", null=True, blank=True, editable=False)
    max_lon = models.FloatField("最大经度", null=True, blank=True, editable=False)
    max_lat = models.FloatField("最大纬度", null=True, blank=True, editable=False)
    area_m2 = models.FloatField("面积（平方米）", null=True, blank=True, editable=False)
    repaired_note = models.TextField("自动修复说明", blank=True, editable=False)
    warnings = models.JSONField(
        "校验提示", default=list, blank=True, editable=False, help_text="如与同级网格重叠"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "区域/网格"
        verbose_name_plural = "区域/网格"
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "level", "kind"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @staticmethod
    def scope_q(scope):
        q = scope.region_q("code")
        # A user also sees the ancestors of their regions (their street and community).
        ancestors = {
            p[:n] for p in scope.region_prefixes + scope.grid_codes for n in range(1, len(p))
        }
        return q | models.Q(code__in=ancestors)

    @property
    def bbox(self) -> list[float] | None:
        if self.min_lon is None:
            return None
        return [self.min_lon, self.min_lat, self.max_lon, self.max_lat]


class GridWorker(TimeStampedModel):
    """A grid's staff (网格长、专职网格员、兼职网格员), with phones posted publicly
    (滨州市社会治理网格化服务管理条例 第六条: 网格员姓名、电话应当公开)."""

    class Role(models.TextChoices):
        HEAD = "head", "网格长"
        FULL_TIME = "full_time", "专职网格员"
        PART_TIME = "part_time", "兼职网格员"

    region = models.ForeignKey(
        Region, verbose_name="网格", on_delete=models.CASCADE, related_name="workers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grid_assignments",
    )
    name = models.CharField("姓名", max_length=50)
    phone = EncryptedTextField("电话", blank=True)
    role = models.CharField("职务", max_length=20, choices=Role.choices, default=Role.FULL_TIME)
    is_active = models.BooleanField("在岗", default=True)

    class Meta:
        verbose_name = "网格员"
        verbose_name_plural = "网格员"
        ordering = ["region__code", "role"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"


class GridImportReport(models.Model):
    """The record of one GeoJSON import (网格导入记录): what was created, updated, repaired and
    rejected, with each rejected feature's index and reason."""

    created_at = models.DateTimeField("导入时间", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField("操作人名称", max_length=150, blank=True)
    source_name = models.CharField("文件", max_length=255, blank=True)
    level = models.CharField("层级", max_length=20, choices=Region.Level.choices)
    kind = models.CharField("网格类型", max_length=20, choices=Region.Kind.choices)
    total = models.PositiveIntegerField("要素数", default=0)
    created = models.PositiveIntegerField("新建", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    repaired = models.PositiveIntegerField("修复", default=0)
    rejected = models.PositiveIntegerField("拒绝", default=0)
    overlaps = models.PositiveIntegerField("同级重叠", default=0)
    details = models.JSONField("明细", default=dict, blank=True)

    class Meta:
        verbose_name = "网格导入记录"
        verbose_name_plural = "网格导入记录"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.source_name}"
