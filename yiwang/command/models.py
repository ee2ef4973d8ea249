"""The command center's own records: task broadcasts (工作布置), emergencies (应急处置) with
their escalation policy, and the assessment schemes (考核权重).

The screen and the analysis own no table: they read the pillars (work orders, approvals).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from yiwang.accounts.scope import ScopedQuerySet
from yiwang.core.models import TimeStampedModel, VersionedModel

# ---------------------------------------------------------------------------------------------
# Task broadcast (工作布置)
# ---------------------------------------------------------------------------------------------


class Task(TimeStampedModel, VersionedModel):
    """A task the command center sends to chosen grids (or every grid of a region), e.g. a flood
    check of basements; each grid's worker confirms and reports back."""

    title = models.CharField("标题", max_length=100)
    instructions = models.TextField("工作要求", max_length=4000, blank=True)
    due = models.DateTimeField("完成时限")
    region_code = models.CharField(
        "布置范围", max_length=40, help_text="所选网格共同的上级区域编码（数据权限按前缀匹配）"
    )
    report_fields = models.JSONField(
        "回报表单",
        default=list,
        blank=True,
        help_text='要回报的项目，如 ["已查地下室数", "隐患数"]',
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="布置人", on_delete=models.PROTECT, related_name="+"
    )
    incident = models.ForeignKey(
        "Incident",
        verbose_name="来自应急事件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "工作布置"
        verbose_name_plural = "工作布置"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def scope_q(scope) -> Q:
        """The street's desk roles see tasks of their region; a grid worker sees the tasks that
        reached one of their grids."""
        q = Q(pk__in=[])
        for prefix in scope.region_prefixes:
            q |= Q(region_code__startswith=prefix)
        if scope.grid_codes:
            q |= Q(assignments__grid__code__in=scope.grid_codes)
        return q


class TaskAssignment(VersionedModel):
    """One grid's part of a task: sent → confirmed (收到) → reported (回报)."""

    class State(models.TextChoices):
        SENT = "sent", "已下发"
        CONFIRMED = "confirmed", "已确认"
        REPORTED = "reported", "已回报"

    task = models.ForeignKey(
        Task, verbose_name="任务", on_delete=models.CASCADE, related_name="assignments"
    )
    grid = models.ForeignKey(
        "grids.Region", verbose_name="网格", on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.SENT)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reported_at = models.DateTimeField("回报时间", null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="回报人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField("回报说明", max_length=2000, blank=True)
    report_values = models.JSONField("回报数据", default=dict, blank=True)
    on_time = models.BooleanField("按时回报", null=True, blank=True)

    class Meta:
        verbose_name = "网格任务"
        verbose_name_plural = "网格任务"
        ordering = ["grid__code"]
        constraints = [
            models.UniqueConstraint(fields=["task", "grid"], name="command_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.task} · {self.grid_id}"


# ---------------------------------------------------------------------------------------------
# Emergencies (应急处置)
# ---------------------------------------------------------------------------------------------


class IncidentLevel(models.TextChoices):
    """突发事件应对法 (2024) 第三条: 特别重大、重大、较大、一般; 预警 colours 红橙黄蓝 for 一至四级
    (第四十二条 of the 2007 text; verify the 2024 number)."""

    RED = "red", "红色（一级·特别重大）"
    ORANGE = "orange", "橙色（二级·重大）"
    YELLOW = "yellow", "黄色（三级·较大）"
    BLUE = "blue", "蓝色（四级·一般）"


class IncidentType(models.TextChoices):
    """突发事件应对法 (2024) 第二条: the four kinds of emergency."""

    NATURAL = "natural_disaster", "自然灾害"
    ACCIDENT = "accident", "事故灾难"
    HEALTH = "public_health", "公共卫生事件"
    SECURITY = "social_security", "社会安全事件"


class ChainLink(models.TextChoices):
    GRID_WORKER = "grid_worker", "网格员"
    COMMUNITY = "community", "社区"
    DEPARTMENT_HEAD = "department_head", "部门负责人"
    LEADER = "leader", "街道领导"


DEFAULT_CHAIN = [c.value for c in ChainLink]
DEFAULT_ACK_MINUTES = {"red": 5, "orange": 10, "yellow": 15, "blue": 30}


class EscalationPolicy(models.Model):
    """How an incident of one level climbs the chain: who is told in which order, and how many
    minutes each link has to acknowledge before the next one is told (admin-edited)."""

    level = models.CharField("级别", max_length=10, choices=IncidentLevel.choices, unique=True)
    ack_minutes = models.PositiveIntegerField("确认时限（分钟）", default=10)
    chain = models.JSONField(
        "上报链", default=list, help_text="按顺序：grid_worker, community, department_head, leader"
    )
    department = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name="牵头部门",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="部门负责人一环通知的部门（如应急管理办公室）",
    )

    class Meta:
        verbose_name = "应急上报链"
        verbose_name_plural = "应急上报链"
        ordering = ["level"]

    def __str__(self) -> str:
        return f"{self.get_level_display()} · {self.ack_minutes} 分钟"

    def clean(self):
        if self.ack_minutes < 1:
            raise ValidationError({"ack_minutes": "确认时限至少 1 分钟。"})
        chain = self.chain or []
        bad = [c for c in chain if c not in ChainLink.values]
        if not chain or bad or len(set(chain)) != len(chain):
            raise ValidationError({"chain": f"上报链须为不重复的 {ChainLink.values} 之一。"})


class Incident(TimeStampedModel, VersionedModel):
    """An emergency (突发事件): raised with a level and a type, it alarms the screen and tells
    the first link of its chain; unacknowledged, it climbs one link per window."""

    class Status(models.TextChoices):
        ALARM = "alarm", "报警中（待确认）"
        ACKNOWLEDGED = "acknowledged", "已确认处置中"
        CLOSED = "closed", "已结束"

    code = models.CharField("编号", max_length=24, unique=True)
    level = models.CharField("级别", max_length=10, choices=IncidentLevel.choices)
    type = models.CharField("类型", max_length=20, choices=IncidentType.choices)
    description = models.TextField("情况描述", max_length=4000)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    grid = models.ForeignKey(
        "grids.Region",
        verbose_name="所在网格",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    region_code = models.CharField("区域编码", max_length=40, blank=True)
    status = models.CharField("状态", max_length=15, choices=Status.choices, default=Status.ALARM)
    chain = models.JSONField(
        "上报链（含人员）", default=list, help_text="[{link, label, user_ids}]，立案时确定"
    )
    step = models.PositiveSmallIntegerField("当前环节", default=0)
    ack_minutes = models.PositiveIntegerField("确认时限（分钟）")
    ack_due_at = models.DateTimeField("本环节确认截止", null=True, blank=True)
    exhausted = models.BooleanField("已上报至最后一环", default=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报告人", on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField("确认时间", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "应急事件"
        verbose_name_plural = "应急事件"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "ack_due_at"], name="incident_ack_due")]

    def __str__(self) -> str:
        return f"{self.code} {self.get_level_display()}"

    @staticmethod
    def scope_q(scope) -> Q:
        """Desk roles see the incidents of their region; anyone in an incident's chain sees it
        (the chain is stored as JSON, so that part is checked by `in_chain`)."""
        q = Q(reported_by_id=scope.user_id)
        for prefix in scope.region_prefixes + scope.grid_codes:
            q |= Q(region_code__startswith=prefix)
        return q

    def chain_user_ids(self) -> set[int]:
        return {uid for link in self.chain for uid in link.get("user_ids", [])}


class ContingencyPlan(models.Model):
    """A 预案 template (Sahana's scenario): applied to an incident, it sends a task to every grid
    within `radius_m` of the incident's point (e.g. flood: check basements; epidemic: screen
    residents and tag them red / yellow / green)."""

    name = models.CharField("预案名称", max_length=100)
    incident_type = models.CharField(
        "适用事件类型",
        max_length=20,
        choices=IncidentType.choices,
        blank=True,
        help_text="空：所有类型",
    )
    task_title = models.CharField("任务标题", max_length=80)
    instructions = models.TextField("工作要求", max_length=4000, blank=True)
    radius_m = models.PositiveIntegerField("范围（米）", default=500)
    due_hours = models.PositiveIntegerField("完成时限（小时）", default=4)
    report_fields = models.JSONField("回报表单", default=list, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "应急预案"
        verbose_name_plural = "应急预案"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if not 1 <= self.radius_m <= 20000:
            raise ValidationError({"radius_m": "范围须在 1–20000 米之间。"})
        if self.due_hours < 1:
            raise ValidationError({"due_hours": "完成时限至少 1 小时。"})
        fields = self.report_fields or []
        if not isinstance(fields, list) or not all(isinstance(f, str) and f for f in fields):
            raise ValidationError({"report_fields": "回报表单须为项目名称的列表。"})


class IncidentEvent(models.Model):
    """The incident's timeline (immutable): raised, told link n, escalated, acknowledged."""

    incident = models.ForeignKey(
        Incident, verbose_name="事件", on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField("时间")
    kind = models.CharField("类型", max_length=20)
    step = models.PositiveSmallIntegerField("环节", default=0)
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    user_ids = models.JSONField("通知人员", default=list, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "应急事件记录"
        verbose_name_plural = "应急事件记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.note}"


# ---------------------------------------------------------------------------------------------
# Assessment (考核)
# ---------------------------------------------------------------------------------------------


class AssessmentKind(models.TextChoices):
    DEPARTMENT = "department", "职能部门"
    GRID_WORKER = "grid_worker", "网格员"


# The measured facts each kind is scored on (each a share 0–1, higher is better).
ASSESSMENT_FACTS = {
    "department": {
        "on_time_rate": "按期办结率",
        "completion_rate": "办结率",
        "no_return_rate": "未退回率（1 − 退回工单占比）",
        "no_reopen_rate": "未返工率（1 − 返工工单占比）",
        "satisfaction_rate": "满意率",
    },
    "grid_worker": {
        "on_spot_rate": "现场处置率",
        "in_grid_rate": "网格内解决率",
        "task_on_time_rate": "工作布置按时回报率",
        "satisfaction_rate": "满意率",
    },
}
DEFAULT_WEIGHTS = {
    "department": {
        "on_time_rate": 35,
        "completion_rate": 20,
        "no_return_rate": 15,
        "no_reopen_rate": 15,
        "satisfaction_rate": 15,
    },
    "grid_worker": {
        "on_spot_rate": 30,
        "in_grid_rate": 20,
        "task_on_time_rate": 30,
        "satisfaction_rate": 20,
    },
}


def weights_problem(kind: str, weights) -> str | None:
    """Why a weight set is not acceptable (Chinese), or None: known facts, numbers 0–100,
    summing to exactly 100 %."""
    facts = ASSESSMENT_FACTS.get(kind)
    if facts is None:
        return "考核对象类型不正确。"
    if not isinstance(weights, dict) or not weights:
        return "权重须为 {指标: 百分比} 的对象。"
    unknown = [k for k in weights if k not in facts]
    if unknown:
        return f"未知的考核指标：{'、'.join(map(str, unknown))}。"
    total = 0.0
    for key, value in weights.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            return f"指标 {key} 的权重须为 0–100 的数。"
        total += value
    if abs(total - 100) > 1e-6:
        return f"各项权重之和须为 100%，现为 {total:g}%。"
    return None


class AssessmentScheme(VersionedModel):
    """The weights of one kind of assessment, edited by an admin; they must sum to 100 %."""

    kind = models.CharField("考核对象", max_length=20, choices=AssessmentKind.choices, unique=True)
    weights = models.JSONField("权重（%）", default=dict)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "考核权重"
        verbose_name_plural = "考核权重"

    def __str__(self) -> str:
        return self.get_kind_display()

    def clean(self):
        problem = weights_problem(self.kind, self.weights)
        if problem:
            raise ValidationError({"weights": problem})


class AssessmentSnapshot(models.Model):
    """A month's assessment frozen once the month is over (月度考核存档): every row with its
    score, rank, facts and counts, and the weight set used. Stored by the worker on the 1st
    (or on demand) for the whole system; readers see the rows of their own territory. Weights
    edited later never change a stored month."""

    kind = models.CharField("考核对象", max_length=20, choices=AssessmentKind.choices)
    month = models.DateField("月份", help_text="该月第一天")
    weights = models.JSONField("所用权重（%）")
    rows = models.JSONField("考核结果")
    stored_at = models.DateTimeField("存档时间")
    stored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="存档人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="空：后台任务按时存档",
    )

    class Meta:
        verbose_name = "月度考核存档"
        verbose_name_plural = "月度考核存档"
        ordering = ["-month", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "month"], name="command_one_snapshot_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_kind_display()}"


# ---------------------------------------------------------------------------------------------
# The screen's daily figures (大屏日汇总): a derived cache, rebuilt by the worker
# ---------------------------------------------------------------------------------------------


class OrderDayFigures(models.Model):
    """One community's work-order facts of one closed day (before the build day), each counted
    on the day of its own timestamp exactly as `workorders.selectors.work_order_kpis` counts it:
    reported_* on the report day, due/closed/overdue on the deadline day, archived on the
    archive day, rated on the rating day. Rebuilt whole by the worker (`figures.rebuild`), so a
    year of the screen sums ~11,000 rows instead of reading 300,000 orders."""

    day = models.DateField("日期")
    community = models.CharField("社区编码", max_length=12, help_text="工单区域编码前 12 位")
    reported = models.PositiveIntegerField("上报", default=0)
    # The orders reported that day by their current status (work_order_kpis' by_status).
    status_submitted = models.PositiveIntegerField("上报·已上报", default=0)
    status_triage = models.PositiveIntegerField("上报·待分拣", default=0)
    status_dispatched = models.PositiveIntegerField("上报·已派遣", default=0)
    status_handling = models.PositiveIntegerField("上报·处置中", default=0)
    status_completed = models.PositiveIntegerField("上报·已处置", default=0)
    status_archived = models.PositiveIntegerField("上报·已结案", default=0)
    status_merged = models.PositiveIntegerField("上报·已合并", default=0)
    status_cancelled = models.PositiveIntegerField("上报·已撤销", default=0)
    patrol_reported = models.PositiveIntegerField("网格员上报", default=0)
    on_spot = models.PositiveIntegerField("现场处置", default=0)
    handled = models.PositiveIntegerField("已处置", default=0)
    in_grid = models.PositiveIntegerField("网格内解决", default=0)
    due = models.PositiveIntegerField("应结案", default=0)
    closed = models.PositiveIntegerField("已结案", default=0)
    closed_on_time = models.PositiveIntegerField("按期结案", default=0)
    overdue = models.PositiveIntegerField("超期", default=0)
    archived = models.PositiveIntegerField("当日结案", default=0)
    workdays_sum = models.FloatField("结案用时合计（工作日）", default=0)
    workdays_n = models.PositiveIntegerField("有用时的结案数", default=0)
    rated = models.PositiveIntegerField("评价", default=0)
    satisfied = models.PositiveIntegerField("满意", default=0)

    class Meta:
        verbose_name = "大屏日汇总"
        verbose_name_plural = "大屏日汇总"
        constraints = [
            models.UniqueConstraint(fields=["day", "community"], name="command_one_figure_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.community}"


class OrderDayCategory(models.Model):
    """Orders reported on a closed day in a community, per category (高发事项)."""

    day = models.DateField("日期", db_index=True)
    community = models.CharField("社区编码", max_length=12)
    category_id = models.IntegerField("分类", null=True)
    n = models.PositiveIntegerField("数量")

    class Meta:
        verbose_name = "大屏日汇总（分类）"
        verbose_name_plural = "大屏日汇总（分类）"

    def __str__(self) -> str:
        return f"{self.day} {self.community} {self.category_id}"


class OrderFiguresBuild(models.Model):
    """The one row saying up to which day the daily figures hold (`through`) and when they
    were built; days after `through` are always counted live."""

    through = models.DateField("汇总截至")
    built_at = models.DateTimeField("汇总时间")
    seconds = models.FloatField("耗时（秒）", default=0)

    class Meta:
        verbose_name = "大屏日汇总状态"
        verbose_name_plural = "大屏日汇总状态"

    def __str__(self) -> str:
        return f"截至 {self.through}"
