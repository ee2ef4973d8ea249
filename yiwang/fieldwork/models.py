"""Field work (巡查走访): household visits (敲门聚心) and patrols (巡查).

What a household is here: a `basedata.Household` (户) of the 人口库 — the people who live
together under one 户编号, with its grid and, through its `house` (房屋库), a point on the map.
Houses without a household (shops, empty flats) are not visited; a household without a house
has no point, so its visits are not checked for distance.

- `VisitPlan`: the street's visit programme — rounds (轮次) of `cycle_months` calendar months
  counted from `start_date` (seed 003: every household visited every two months).
- `HouseholdAssignment`: the household's 包联 worker (党群专员 or 网格员), with the date of its
  last visit kept beside it so that due lists are one indexed query.
- `Visit` (+ `VisitNeed`): one visit at the door, from the phone or entered later from paper.
- `Patrol` (+ `PatrolPoint`, `PatrolReport`): a grid worker's patrol with its GPS track.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from yiwang.accounts.scope import ScopedQuerySet
from yiwang.core.models import TimeStampedModel, VersionedModel


def _field_q(scope, code_field: str) -> Q:
    """Field work of the regions the user works in: the street, the community's staff, the
    grid's workers. Not the read-only reach the registries give the window (综窗) and the
    departments: a worker's tracks and the doors they knocked on are none of theirs."""
    return scope.region_q(code_field)


class VisitPlan(TimeStampedModel):
    """The visit programme (走访计划) of the street: one active row."""

    name = models.CharField("名称", max_length=100, default="敲门聚心走访")
    start_date = models.DateField("第一轮开始日期")
    cycle_months = models.PositiveSmallIntegerField("每轮月数", default=2)
    far_threshold_m = models.PositiveIntegerField(
        "定位偏离阈值（米）", default=200, help_text="定位点距住户超过此距离（扣除定位精度）即标记"
    )
    completion_target = models.PositiveSmallIntegerField(
        "一轮完成标准（%）", default=100, help_text="一轮走访覆盖率达到此比例才计入“完成轮次”"
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "走访计划"
        verbose_name_plural = "走访计划"
        ordering = ["-is_active", "-start_date"]

    def __str__(self) -> str:
        return f"{self.name}（每{self.cycle_months}个月一轮，自{self.start_date}起）"


class HouseholdAssignment(TimeStampedModel, VersionedModel):
    """A household's 包联 worker (户包联): who must knock on this door each round."""

    household = models.OneToOneField(
        "basedata.Household",
        verbose_name="户",
        on_delete=models.CASCADE,
        related_name="visit_assignment",
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="包联人员",
        on_delete=models.PROTECT,
        related_name="household_assignments",
    )
    region_code = models.CharField("网格编码", max_length=40, db_index=True)
    assigned_on = models.DateField("包联日期")
    last_visit_on = models.DateField("最近走访日期", null=True, blank=True)
    visit_count = models.PositiveIntegerField("走访次数", default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "户包联"
        verbose_name_plural = "户包联"
        ordering = ["region_code", "household_id"]
        indexes = [models.Index(fields=["worker", "last_visit_on"])]

    def __str__(self) -> str:
        return f"{self.household_id} → {self.worker}"

    @staticmethod
    def scope_q(scope):
        return Q(worker_id=scope.user_id) | _field_q(scope, "region_code")


class Visit(models.Model):
    """One visit at a household's door (入户走访), recorded from the phone or from paper."""

    class Source(models.TextChoices):
        PHONE = "phone", "手机现场记录"
        PAPER = "paper", "纸质补录"

    household = models.ForeignKey(
        "basedata.Household", verbose_name="户", on_delete=models.PROTECT, related_name="visits"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="走访人",
        on_delete=models.PROTECT,
        related_name="visits_made",
    )
    region_code = models.CharField("网格编码", max_length=40, db_index=True)
    visited_at = models.DateTimeField("走访时间")
    round_number = models.PositiveIntegerField("轮次", default=0)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default="phone")
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    accuracy_m = models.FloatField("定位精度（米）", null=True, blank=True)
    distance_m = models.FloatField("距住户（米）", null=True, blank=True)
    location_flag = models.CharField("定位提示", max_length=200, blank=True)
    met = models.CharField("见到的人", max_length=200, blank=True)
    notes = models.TextField("走访记录", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["household", "visited_at"]),
            models.Index(fields=["visitor", "visited_at"]),
            models.Index(fields=["round_number", "household"]),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.visited_at:%Y-%m-%d}"

    @staticmethod
    def scope_q(scope):
        return Q(visitor_id=scope.user_id) | _field_q(scope, "region_code")


class VisitNeed(models.Model):
    """A need found at the door (走访发现的诉求), turned in one tap into a work order (工单)
    or, when it names a service of the catalogue, an application the specialist opens on the
    resident's behalf at the door (上门办)."""

    visit = models.ForeignKey(
        Visit, verbose_name="走访", on_delete=models.CASCADE, related_name="needs"
    )
    description = models.CharField("诉求", max_length=500)
    category = models.CharField("事项分类", max_length=20, blank=True)
    work_order = models.OneToOneField(
        "workorders.WorkOrder",
        verbose_name="工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visit_need",
    )
    service_code = models.CharField("上门办事项编码", max_length=40, blank=True)
    application = models.OneToOneField(
        "approvals.Application",
        verbose_name="上门办申请",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visit_need",
    )

    class Meta:
        verbose_name = "走访诉求"
        verbose_name_plural = "走访诉求"
        ordering = ["visit_id", "id"]

    def __str__(self) -> str:
        return self.description[:40]


class Patrol(TimeStampedModel, VersionedModel):
    """A patrol (巡查) with its GPS track, distance and honest gaps (断点)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "巡查中"
        ENDED = "ended", "已结束"

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="巡查人",
        on_delete=models.PROTECT,
        related_name="patrols",
    )
    grid = models.ForeignKey(
        "grids.Region",
        verbose_name="网格",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patrols",
    )
    region_code = models.CharField("网格编码", max_length=40, blank=True, db_index=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default="active")
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    distance_m = models.FloatField("里程（米）", default=0)
    duration_s = models.PositiveIntegerField("时长（秒）", null=True, blank=True)
    point_count = models.PositiveIntegerField("有效轨迹点", default=0)
    flagged_count = models.PositiveIntegerField("异常轨迹点", default=0)
    segment = models.PositiveIntegerField("当前轨迹段", default=0)
    gaps = models.JSONField("信号中断", default=list, blank=True)
    last_at = models.DateTimeField("最后有效点时间", null=True, blank=True)
    last_lon = models.FloatField(null=True, blank=True)
    last_lat = models.FloatField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "巡查"
        verbose_name_plural = "巡查"
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["worker", "status"])]

    def __str__(self) -> str:
        return f"巡查 #{self.pk} {self.worker} {self.started_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def scope_q(scope):
        return Q(worker_id=scope.user_id) | _field_q(scope, "region_code")


class PatrolPoint(models.Model):
    """One GPS fix of a patrol. Flagged fixes are kept (nothing lost) but not on the track."""

    class Flag(models.TextChoices):
        OK = "", "有效"
        OUT_OF_ORDER = "out_of_order", "时间倒序"
        TOO_FAST = "too_fast", "速度异常"
        INACCURATE = "inaccurate", "精度过低"
        OUT_OF_TIME = "out_of_time", "时间超出巡查时段"

    patrol = models.ForeignKey(
        Patrol, verbose_name="巡查", on_delete=models.CASCADE, related_name="points"
    )
    at = models.DateTimeField("时间")
    lon = models.FloatField("经度")
    lat = models.FloatField("纬度")
    accuracy_m = models.FloatField("精度（米）", null=True, blank=True)
    segment = models.PositiveIntegerField("轨迹段", default=0)
    flag = models.CharField("标记", max_length=20, choices=Flag.choices, blank=True, default="")

    class Meta:
        verbose_name = "轨迹点"
        verbose_name_plural = "轨迹点"
        ordering = ["patrol_id", "at", "id"]
        indexes = [models.Index(fields=["patrol", "at"]), models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} ({self.lon:.5f}, {self.lat:.5f})"


class PatrolReport(models.Model):
    """A work order reported during a patrol (巡查发现)."""

    patrol = models.ForeignKey(
        Patrol, verbose_name="巡查", on_delete=models.CASCADE, related_name="reports"
    )
    work_order = models.OneToOneField(
        "workorders.WorkOrder",
        verbose_name="工单",
        on_delete=models.PROTECT,
        related_name="patrol_report",
    )
    created_at = models.DateTimeField("上报时间", auto_now_add=True)

    class Meta:
        verbose_name = "巡查上报"
        verbose_name_plural = "巡查上报"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"巡查 #{self.patrol_id} → 工单 #{self.work_order_id}"
