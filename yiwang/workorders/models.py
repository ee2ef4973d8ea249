"""Work orders (工单) and their reference data: the category tree (事项分类), the responsibility
list (权责清单 / 派单目录), the immutable event timeline, photos, 吹哨 sub-tasks and 延期 requests.

The life cycle is a django-fsm-2 state machine on `WorkOrder.status`; the transition methods
below only move the state. Every transition is called from exactly one service function in
`services.py`, inside a transaction, with the version check, the permission check, the event
and the audit row (see the module docstring there).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from yiwang.accounts.models import Role
from yiwang.accounts.scope import ScopedQuerySet
from yiwang.core.models import AppendOnlyModel, TimeStampedModel, VersionedModel
from yiwang.core.pii import EncryptedTextField, HashedEncryptedTextField, KeepsLookupHashes
from yiwang.core.workdays import TimeUnit

DESCRIPTION_MAX = 4000
KPI_SCOPE = ["region_code", "primary_department"]  # the columns KPI queries filter on


# ---------------------------------------------------------------------------------------------
# Reference data: categories and the responsibility list
# ---------------------------------------------------------------------------------------------


def limit_text(value: float | None, unit: str) -> str:
    """15.0, "work_days" → "15工作日"."""
    if value is None:
        return ""
    shown = int(value) if value == int(value) else value
    return f"{shown}{dict(TimeUnit.CHOICES).get(unit, unit)}"


class Category(TimeStampedModel):
    """One node of the two-level category tree (大类 / 小类).

    Standard rows come from GB/T 47678.5-2026 管理事项 06–10 (5-digit codes: 2-digit big class +
    3-digit small class), the 12345 hotline classes are ours (`12345-01` / `12345-0101`), and a
    street adds local small classes (`is_local_extension`, e.g. 90001 车库住人) without touching the
    standard rows. A small class's code always starts with its big class's code.
    """

    class Kind(models.TextChoices):
        CITY_EVENT = "city_event", "数字城管管理事项"
        COMPONENT = "component", "数字城管管理部件"
        HOTLINE = "hotline", "12345热线诉求"
        LOCAL = "local", "本地扩展事项"

    code = models.CharField("编码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name="大类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    standard_ref = models.CharField("依据标准", max_length=80, blank=True)
    is_local_extension = models.BooleanField("本地扩展", default=False)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "事项分类"
        verbose_name_plural = "事项分类"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_leaf(self) -> bool:
        return self.parent_id is not None

    def clean(self):
        if self.parent_id is None:
            return
        if self.parent.parent_id is not None:
            raise ValidationError({"parent": "分类只有两级：小类的上级必须是大类。"})
        if not self.code.startswith(self.parent.code):
            raise ValidationError({"code": f"小类编码必须以大类编码 {self.parent.code} 开头。"})


class ResponsibilityRule(models.Model):
    """One version of a line of the responsibility list (权责清单 / 派单目录).

    (category, region prefix) → primary department (主办), cooperating departments (协办), the
    disposal time limit (处置时限) and whether a grid worker may resolve it on the spot (现场处置).
    An empty prefix applies everywhere; the longest matching prefix wins (grid ⊂ community ⊂
    street codes). Rows are never edited: a change is a new row with `version + 1` and the old
    row loses `is_current`; a work order points at the row it was dispatched under.
    """

    category = models.ForeignKey(
        Category, verbose_name="事项小类", on_delete=models.PROTECT, related_name="rules"
    )
    region_prefix = models.CharField(
        "适用区域编码前缀",
        max_length=40,
        blank=True,
        help_text="空：全辖区；可填街道/社区/网格编码",
    )
    primary_department = models.ForeignKey(
        "accounts.OrgUnit", verbose_name="主办部门", on_delete=models.PROTECT, related_name="+"
    )
    cooperating_departments = models.ManyToManyField(
        "accounts.OrgUnit", verbose_name="协办部门", blank=True, related_name="+"
    )
    limit_value = models.FloatField("处置时限")
    limit_unit = models.CharField(
        "时限单位", max_length=20, choices=TimeUnit.CHOICES, default=TimeUnit.WORK_DAYS
    )
    urgent_limit_value = models.FloatField(
        "紧急件时限", null=True, blank=True, help_text="紧急工单的时限（同一单位）；空则同一般件"
    )
    on_spot_allowed = models.BooleanField("允许网格员现场处置", default=False)
    filing_criteria = models.TextField("立案条件", blank=True)
    closing_criteria = models.TextField("结案条件", blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    is_current = models.BooleanField("现行版本", default=True)
    supersedes = models.ForeignKey(
        "self",
        verbose_name="取代的版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="制定人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("生效时间", auto_now_add=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "权责清单规则"
        verbose_name_plural = "权责清单（派单目录）"
        ordering = ["category__code", "region_prefix", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "region_prefix"],
                condition=Q(is_current=True),
                name="workorders_rule_one_current",
            ),
            models.UniqueConstraint(
                fields=["category", "region_prefix", "version"],
                name="workorders_rule_version_unique",
            ),
            models.CheckConstraint(
                condition=Q(limit_value__gt=0), name="workorders_rule_limit_gt0"
            ),
        ]

    def __str__(self) -> str:
        where = self.region_prefix or "全辖区"
        return f"{self.category_id and self.category.name}·{where} v{self.version}"

    @property
    def limit_display(self) -> str:
        return limit_text(self.limit_value, self.limit_unit)

    def limit_for(self, priority: str) -> float:
        if priority == WorkOrder.Priority.URGENT and self.urgent_limit_value:
            return self.urgent_limit_value
        return self.limit_value


# ---------------------------------------------------------------------------------------------
# The work order
# ---------------------------------------------------------------------------------------------


class WorkOrderQuerySet(ScopedQuerySet):
    pass


class WorkOrder(KeepsLookupHashes, ConcurrentTransitionMixin, TimeStampedModel, VersionedModel):
    """A work order (工单). See services.py for the actions and docs/README for the life cycle.

    submitted → triage | dispatched → handling → completed → archived; side states merged and
    cancelled; reopen (返工) sends completed/archived back to handling.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "已上报"
        TRIAGE = "triage", "待分拣"
        DISPATCHED = "dispatched", "已派遣待签收"
        HANDLING = "handling", "处置中"
        COMPLETED = "completed", "已处置待核查"
        ARCHIVED = "archived", "已结案"
        MERGED = "merged", "已合并"
        CANCELLED = "cancelled", "已撤销"

    class Channel(models.TextChoices):
        RESIDENT = "resident", "居民上报"
        GRID_WORKER = "grid_worker", "网格员上报"
        HOTLINE = "hotline_12345", "12345热线"
        OPEN311 = "open311", "Open311接口"
        PATROL = "patrol", "巡查发现"
        STAFF = "staff", "工作人员录入"
        ENTERPRISE = "enterprise", "企业诉求"

    class Priority(models.TextChoices):
        NORMAL = "normal", "一般"
        URGENT = "urgent", "紧急"

    class Sla(models.TextChoices):
        GREEN = "green", "正常"
        YELLOW = "yellow", "预警"
        RED = "red", "超期"

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", "满意"
        BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
        UNSATISFIED = "unsatisfied", "不满意"

    class CategorySource(models.TextChoices):
        REPORTER = "reporter", "上报人选择"
        AUTO = "auto", "智能分拣"
        DISPATCHER = "dispatcher", "坐席分拣"
        IMPORT = "import", "导入"

    OPEN_STATES = (Status.TRIAGE, Status.DISPATCHED, Status.HANDLING)
    CLOCK_STATES = (Status.DISPATCHED, Status.HANDLING)  # the department's clock runs
    DONE_STATES = (Status.COMPLETED, Status.ARCHIVED)

    code = models.CharField("工单编号", max_length=24, unique=True)
    channel = models.CharField("来源渠道", max_length=20, choices=Channel.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上报人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_work_orders",
    )
    reporter_name = EncryptedTextField("上报人姓名", blank=True)
    # A phone typed with the report (12345 caller, 代为上报): encrypted, and `filter(
    # reporter_phone=…)` still finds it exactly through the keyed hash beside it (`core.pii`).
    reporter_phone = HashedEncryptedTextField(
        "上报人电话",
        blank=True,
        hash_field="reporter_phone_hash",
        normalizer="yiwang.core.validators.normalize_phone",
    )
    reporter_phone_hash = models.CharField("上报人电话索引", max_length=64, blank=True)
    followers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="关注人",
        blank=True,
        related_name="followed_work_orders",
        help_text="合并工单的上报人等，可查看并收到进展",
    )
    description = models.TextField("问题描述", max_length=DESCRIPTION_MAX)
    address = models.CharField("地址", max_length=256, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    grid = models.ForeignKey(
        "grids.Region",
        verbose_name="网格",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    region_code = models.CharField(
        "区域编码",
        max_length=40,
        blank=True,
        help_text="所在网格编码（未落入网格时为社区或街道编码）；数据权限按前缀匹配",
    )
    category = models.ForeignKey(
        Category,
        verbose_name="事项分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category_source = models.CharField(
        "分类来源", max_length=20, choices=CategorySource.choices, blank=True
    )
    category_confidence = models.FloatField("智能分拣置信度", null=True, blank=True)
    priority = models.CharField(
        "紧急程度", max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    primary_department = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name="主办部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # wo_dept_status leads with it
    )
    rule = models.ForeignKey(
        ResponsibilityRule,
        verbose_name="派单依据（规则版本）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # rules are append-only, never deleted; nothing looks orders up by rule
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承办人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deadline = models.DateTimeField("处置时限", null=True, blank=True)
    yellow_at = models.DateTimeField("预警时间", null=True, blank=True)
    limit_value = models.FloatField("处置时限数值", null=True, blank=True)
    limit_unit = models.CharField(
        "处置时限单位", max_length=12, choices=TimeUnit.CHOICES, blank=True
    )
    no_photo_reason = models.CharField(
        "未上传处置照片的原因", max_length=500, blank=True, help_text="办结时没有照片必须写明原因"
    )
    deadline_provisional = models.BooleanField(
        "时限为预估",
        default=False,
        help_text="时限落在节假日安排尚未录入的年份，按预估日历计算；录入该年后重新计算",
    )
    sla_level = models.CharField(
        "最近巡检颜色",
        max_length=10,
        choices=Sla.choices,
        blank=True,
        help_text="由 sla-sweep 写入",
    )
    supervised = models.BooleanField("督办", default=False)
    supervised_at = models.DateTimeField("最近督办时间", null=True, blank=True)
    supervise_count = models.PositiveIntegerField("督办次数", default=0)
    status = FSMField(
        "状态",
        max_length=20,
        choices=Status.choices,
        default=Status.SUBMITTED,
        protected=True,
    )
    triage_reason = models.CharField("待分拣原因", max_length=40, blank=True)
    external_id = models.CharField(
        "外部编号", max_length=100, blank=True, help_text="12345工单编号、Open311 token 等"
    )
    idempotency_key = models.CharField(
        "幂等键", max_length=260, blank=True, help_text="上报人:渠道:客户端 Idempotency-Key"
    )
    reported_at = models.DateTimeField("上报时间")
    dispatched_at = models.DateTimeField("派遣时间", null=True, blank=True)
    accepted_at = models.DateTimeField("签收时间", null=True, blank=True)
    completed_at = models.DateTimeField("处置完成时间", null=True, blank=True)
    archived_at = models.DateTimeField("结案时间", null=True, blank=True)
    completed_on_time = models.BooleanField("按期处置", null=True, blank=True)
    resolved_on_spot = models.BooleanField("现场处置", default=False)
    resolved_in_grid = models.BooleanField("网格内解决", default=False)
    archived_workdays = models.FloatField("上报至结案工作日", null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="并入工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_orders",
    )
    return_count = models.PositiveIntegerField("退回次数", default=0)
    reopen_count = models.PositiveIntegerField("返工次数", default=0)
    extension_count = models.PositiveIntegerField("延期次数", default=0)
    satisfaction = models.CharField(
        "满意度", max_length=30, choices=Satisfaction.choices, blank=True
    )
    rating_comment = models.TextField("评价意见", max_length=1000, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    rating_reopened = models.BooleanField("已因不满意返工", default=False)

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        verbose_name = "工单"
        verbose_name_plural = "工单"
        ordering = ["-reported_at", "-id"]
        # The KPI queries (selectors.work_order_kpis) each read one date range; on PostgreSQL
        # these covering indexes let them run as index-only scans (INCLUDE is ignored elsewhere).
        # No single-column index where a composite one leads with the column (status,
        # region_code, primary_department; channel through the external-id constraint): every
        # index costs each intake insert.
        indexes = [
            models.Index(fields=["region_code", "reported_at"], name="wo_region_reported"),
            models.Index(fields=["primary_department", "status"], name="wo_dept_status"),
            models.Index(
                fields=["reported_at"],
                include=[*KPI_SCOPE, "status", "channel", "resolved_on_spot", "resolved_in_grid"],
                name="wo_kpi_reported",
            ),
            models.Index(
                fields=["deadline"],
                include=[*KPI_SCOPE, "status", "completed_on_time"],
                name="wo_kpi_deadline",
            ),
            models.Index(
                fields=["archived_at"],
                include=[*KPI_SCOPE, "status", "archived_workdays"],
                name="wo_kpi_archived",
            ),
            models.Index(
                fields=["rated_at"], include=[*KPI_SCOPE, "satisfaction"], name="wo_kpi_rated"
            ),
            models.Index(
                fields=["status", "deadline"], include=KPI_SCOPE, name="wo_kpi_status_deadline"
            ),
            # The duplicate check at intake (triage/duplicates.py): open orders in a lat/lon box.
            models.Index(fields=["status", "lat", "lon"], name="wo_status_place"),
            # The console's typed-phone search; partial, so intake without a phone pays nothing.
            models.Index(
                fields=["reporter_phone_hash"],
                condition=~Q(reporter_phone_hash=""),
                name="wo_reporter_phone_hash",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~Q(external_id=""),
                name="workorders_external_id_unique",
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="workorders_idempotency_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    # --- data scope ---------------------------------------------------------------------------

    @staticmethod
    def scope_q(scope) -> Q:
        """Who sees an order (数据权限):

        - street roles (dispatcher, leader, admin of a street): every order of their region;
          dispatchers also see orders that could not be placed in any region (they must sort them);
        - grid workers: orders in their own grids;
        - department staff: orders dispatched to their department or with a 吹哨 sub-task for it;
        - everyone: the orders they reported or follow (merged duplicates).
        """
        q = Q(reporter_id=scope.user_id) | Exists(
            WorkOrder.followers.through.objects.filter(
                workorder_id=OuterRef("pk"), user_id=scope.user_id
            )
        )
        if scope.region_prefixes or scope.grid_codes:
            q |= scope.region_q("region_code")
        if Role.DISPATCHER in scope.roles:
            q |= Q(region_code="")
        if scope.department_ids:
            q |= Q(primary_department_id__in=scope.department_ids) | Exists(
                AssistTask.objects.filter(
                    order_id=OuterRef("pk"), department_id__in=scope.department_ids
                )
            )
        return q

    # --- SLA ----------------------------------------------------------------------------------

    @property
    def limit_display(self) -> str:
        """The limit the order was dispatched with (处置时限), e.g. "15工作日"."""
        return limit_text(self.limit_value, self.limit_unit)

    def sla_at(self, now: dt.datetime) -> str | None:
        """green / yellow (≥ 80 % of the allotted time used) / red (overdue); None without a
        deadline. A finished order keeps green or red by whether it was handled in time."""
        if self.deadline is None:
            return None
        if self.status in self.DONE_STATES:
            return self.Sla.RED if self.completed_on_time is False else self.Sla.GREEN
        if self.status not in self.CLOCK_STATES:
            return None
        if now > self.deadline:
            return self.Sla.RED
        if self.yellow_at is not None and now >= self.yellow_at:
            return self.Sla.YELLOW
        return self.Sla.GREEN

    @property
    def sla(self) -> str | None:
        return self.sla_at(timezone.now())

    # --- state machine (called only from services.py) -----------------------------------------

    @transition(field=status, source=Status.SUBMITTED, target=Status.TRIAGE)
    def mark_triage(self):
        """No rule, no grid or no category: a person must sort it (人工分拣)."""

    @transition(
        field=status,
        source=[Status.SUBMITTED, Status.TRIAGE, Status.DISPATCHED],
        target=Status.DISPATCHED,
    )
    def mark_dispatched(self):
        """派遣 (automatic on intake, or by the dispatcher; re-dispatch before acceptance)."""

    @transition(field=status, source=Status.DISPATCHED, target=Status.HANDLING)
    def mark_accepted(self):
        """签收 by the primary department."""

    @transition(field=status, source=[Status.DISPATCHED, Status.HANDLING], target=Status.TRIAGE)
    def mark_returned(self):
        """退回: not ours; back to the dispatcher."""

    @transition(field=status, source=Status.HANDLING, target=None)
    def mark_assist(self):
        """吹哨: cooperating departments summoned; the state does not change."""

    @transition(field=status, source=[Status.DISPATCHED, Status.HANDLING], target=None)
    def mark_extend_requested(self):
        """延期申请."""

    @transition(field=status, source=[Status.DISPATCHED, Status.HANDLING], target=None)
    def mark_extend_decided(self):
        """延期审批 (approved or refused)."""

    @transition(field=status, source=Status.HANDLING, target=Status.COMPLETED)
    def mark_completed(self):
        """处置完成, waiting for verification (核查)."""

    @transition(field=status, source=Status.COMPLETED, target=Status.ARCHIVED)
    def mark_archived(self):
        """核查结案 → archived."""

    @transition(
        field=status,
        source=[Status.COMPLETED, Status.ARCHIVED],
        target=RETURN_VALUE(Status.HANDLING, Status.TRIAGE),
    )
    def mark_reopened(self, target: str = Status.HANDLING):
        """返工 back to handling (or to triage when no department holds it)."""
        return target

    @transition(
        field=status, source=[Status.TRIAGE, Status.DISPATCHED, Status.HANDLING], target=None
    )
    def mark_supervised(self):
        """督办: a note and a flag, no state change."""

    @transition(field=status, source=[Status.TRIAGE, Status.DISPATCHED], target=Status.COMPLETED)
    def mark_resolved_on_spot(self):
        """现场处置 by the grid worker: straight to completed."""

    @transition(
        field=status,
        source=[Status.TRIAGE, Status.DISPATCHED, Status.HANDLING],
        target=Status.MERGED,
    )
    def mark_merged(self):
        """Duplicate of another open order."""

    @transition(field=status, source=[Status.SUBMITTED, Status.TRIAGE], target=Status.CANCELLED)
    def mark_cancelled(self):
        """Withdrawn before dispatch."""

    @transition(
        field=status,
        source=[Status.COMPLETED, Status.ARCHIVED],
        target=RETURN_VALUE(Status.COMPLETED, Status.ARCHIVED, Status.HANDLING, Status.TRIAGE),
    )
    def mark_rated(self, target: str):
        """评价; an unsatisfied rating may reopen once (target handling or triage)."""
        return target


class WorkOrderSequence(models.Model):
    """Per-day counter for order codes (WT20261122-0001) on SQLite, incremented inside the
    creating transaction. PostgreSQL numbers with one sequence per day instead (codes.py), so
    creators do not queue on this row; there it only holds numbers given before that change."""

    day = models.DateField("日期", primary_key=True)
    last = models.PositiveIntegerField("当日最大序号", default=0)

    class Meta:
        verbose_name = "工单编号序列"
        verbose_name_plural = "工单编号序列"

    def __str__(self) -> str:
        return f"{self.day:%Y%m%d}: {self.last}"


class WorkOrderEvent(AppendOnlyModel):
    """The immutable timeline of an order (流转记录): one row per action, never edited.

    Every service writes one event here AND one `core.AuditEvent` (the cross-app security
    log with before/after): the timeline is what people read on the order page, the audit log
    is what an auditor reads across the whole system.
    """

    class Action(models.TextChoices):
        REPORT = "report", "上报"
        TRIAGE = "triage", "转人工分拣"
        DISPATCH = "dispatch", "派遣"
        ACCEPT = "accept", "签收"
        RETURN = "return", "退回"
        ASSIST = "assist", "吹哨（请求协办）"
        ASSIST_ACCEPT = "assist_accept", "协办报到"
        ASSIST_COMPLETE = "assist_complete", "协办完成"
        EXTEND_REQUEST = "extend_request", "申请延期"
        EXTEND_APPROVE = "extend_approve", "同意延期"
        EXTEND_REFUSE = "extend_refuse", "不同意延期"
        COMPLETE = "complete", "处置完成"
        VERIFY = "verify", "核查结案"
        REOPEN = "reopen", "返工"
        SUPERVISE = "supervise", "督办"
        SLA_WARNING = "sla_warning", "时限预警"
        SLA_OVERDUE = "sla_overdue", "超期督办"
        RESOLVE_ON_SPOT = "resolve_on_spot", "现场处置"
        MERGE = "merge", "合并"
        MERGED_IN = "merged_in", "并入重复工单"
        SUPPORT = "support", "我也遇到"
        CANCEL = "cancel", "撤销"
        RATE = "rate", "评价"
        DEADLINE_RECOMPUTE = "deadline_recompute", "时限按正式放假安排重算"

    order = models.ForeignKey(
        WorkOrder, verbose_name="工单", on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField("操作人名称", max_length=150, blank=True)
    action = models.CharField("操作", max_length=30, choices=Action.choices)
    from_state = models.CharField("原状态", max_length=20, blank=True)
    to_state = models.CharField("新状态", max_length=20, blank=True)
    note = models.TextField("说明", blank=True)
    data = models.JSONField("数据", default=dict, blank=True)

    class Meta:
        verbose_name = "工单流转记录"
        verbose_name_plural = "工单流转记录"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at"], name="wo_event_order_at")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.get_action_display()}"


def photo_upload_to(instance, filename: str) -> str:
    ext = (filename.rsplit(".", 1)[-1] if "." in filename else "jpg").lower()[:5]
    now = timezone.now()
    return f"workorders/{now:%Y/%m}/{instance.order_id}-{now:%H%M%S%f}.{ext}"


class WorkOrderPhoto(models.Model):
    """A photo of an order: reported (上报照片) or evidence of handling (处置照片)."""

    class Kind(models.TextChoices):
        REPORT = "report", "上报照片"
        EVIDENCE = "evidence", "处置照片"

    order = models.ForeignKey(
        WorkOrder, verbose_name="工单", on_delete=models.PROTECT, related_name="photos"
    )
    event = models.ForeignKey(
        WorkOrderEvent,
        verbose_name="所属流转记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    image = models.ImageField(
        "图片", upload_to=photo_upload_to, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField("宽", null=True, blank=True)
    height = models.PositiveIntegerField("高", null=True, blank=True)
    size = models.PositiveIntegerField("字节数", default=0)
    content_type = models.CharField("格式", max_length=40, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "工单照片"
        verbose_name_plural = "工单照片"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.get_kind_display()}"


class AssistTask(ConcurrentTransitionMixin, TimeStampedModel, VersionedModel):
    """A cooperating department's sub-task (协办任务): from the rule's 协办 list at dispatch, or
    summoned by the primary department (吹哨报到). open → accepted (报到) → done; cancelled when
    the order is returned, merged, re-dispatched or archived while it is still open."""

    class Source(models.TextChoices):
        RULE = "rule", "权责清单协办"
        WHISTLE = "whistle", "吹哨报到"

    class Status(models.TextChoices):
        OPEN = "open", "待报到"
        ACCEPTED = "accepted", "已报到"
        DONE = "done", "已完成"
        CANCELLED = "cancelled", "已关闭"

    ACTIVE = (Status.OPEN, Status.ACCEPTED)

    order = models.ForeignKey(
        WorkOrder, verbose_name="工单", on_delete=models.PROTECT, related_name="assist_tasks"
    )
    department = models.ForeignKey(
        "accounts.OrgUnit", verbose_name="协办部门", on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField("协办事由", blank=True)
    status = FSMField(
        "状态", max_length=20, choices=Status.choices, default=Status.OPEN, protected=True
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报到人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accepted_at = models.DateTimeField("报到时间", null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="完成人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    result_note = models.TextField("协办结果", blank=True)

    class Meta:
        verbose_name = "协办任务"
        verbose_name_plural = "协办任务"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "department"],
                condition=Q(status__in=["open", "accepted"]),
                name="workorders_one_active_assist_per_dept",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id}·{self.department_id}·{self.get_status_display()}"

    @transition(field=status, source=Status.OPEN, target=Status.ACCEPTED)
    def mark_accepted(self):
        """报到."""

    @transition(field=status, source=[Status.OPEN, Status.ACCEPTED], target=Status.DONE)
    def mark_done(self):
        """协办完成."""

    @transition(field=status, source=[Status.OPEN, Status.ACCEPTED], target=Status.CANCELLED)
    def mark_cancelled(self):
        """Closed because the order left the department's hands."""


class ExtensionRequest(models.Model):
    """延期申请: asked by the primary department before the deadline, decided by the dispatcher."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已同意"
        REFUSED = "refused", "不同意"
        CLOSED = "closed", "工单已办结，申请关闭"

    order = models.ForeignKey(
        WorkOrder, verbose_name="工单", on_delete=models.PROTECT, related_name="extensions"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField("申请时间")
    reason = models.TextField("申请理由")
    value = models.FloatField("延长时限")
    unit = models.CharField("单位", max_length=20, choices=TimeUnit.CHOICES)
    old_deadline = models.DateTimeField("原时限", null=True)
    proposed_deadline = models.DateTimeField("申请的新时限")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)
    new_deadline = models.DateTimeField("批准的新时限", null=True, blank=True)

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status="pending"),
                name="workorders_one_pending_extension",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id} 延期 {self.get_status_display()}"


class WorkOrderSupporter(models.Model):
    """我也遇到: a resident who met the same problem and joined an open order instead of filing a
    duplicate. They count as a supporter of that order (and follow it), never as an order."""

    order = models.ForeignKey(
        WorkOrder, verbose_name="工单", on_delete=models.CASCADE, related_name="supporters"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="附议人",
        on_delete=models.CASCADE,
        related_name="supported_work_orders",
    )
    description = models.TextField("补充描述", blank=True, max_length=DESCRIPTION_MAX)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "我也遇到（附议）"
        verbose_name_plural = "我也遇到（附议）"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "user"], name="workorders_one_support_each")
        ]

    def __str__(self) -> str:
        return f"{self.order_id} 我也遇到 {self.user_id}"
