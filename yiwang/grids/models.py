"""The grid (镇村治理一张网): street (街道) → community (社区) → grid (网格)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from yiwang.accounts.scope import ScopedQuerySet
from yiwang.core.models import TimeStampedModel, VersionedModel
from yiwang.core.pii import EncryptedTextField


class Region(TimeStampedModel, VersionedModel):
    """A node of the region tree. Codes are hierarchical: a child's code starts with its
    parent's, so "inside this street" is a prefix match."""

    class Level(models.TextChoices):
        STREET = "street", "街道"
        COMMUNITY = "community", "社区"
        GRID = "grid", "网格"

    class Kind(models.TextChoices):
        COMPREHENSIVE = "comprehensive", "综合网格"
        SPECIAL = "special", "专属网格"

    code = models.CharField("编码", max_length=40, unique=True)
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

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "区域/网格"
        verbose_name_plural = "区域/网格"
        ordering = ["code"]

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


class GridWorker(TimeStampedModel):
    """A grid's staff (网格长、专职网格员、兼职网格员), with phones posted publicly."""

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
