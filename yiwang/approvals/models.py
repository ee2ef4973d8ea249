"""审批服务一窗口: the service catalogue (事项清单), bundles (一件事), applications (办件) with
their review steps, materials, timeline, and 好差评 with rectification (差评整改).

Catalogue fields follow the national 实施清单 (reference.md §5.2): 事项类型 codes (01 行政许可,
07 行政确认, 20 公共服务 …), 办件类型 (1 即办件, 2 承诺件), statutory and promised limits in
working days (行政许可法 Art. 82), materials with format and whether an original is needed, fees,
到办事现场次数 (最多跑一次), service modes and channels.

The review steps are a small table-driven engine: an item has versioned `StepFlow`s; each
application pins the flow version current when it was accepted, so editing a flow never
changes an application in flight. Step conditions are JSON rules (see `conditions.py`), never
Python code.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from yiwang.accounts.models import Membership, OrgUnit, Role
from yiwang.accounts.scope import ScopedQuerySet
from yiwang.core.models import TimeStampedModel, VersionedModel
from yiwang.core.pii import EncryptedTextField

# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------


class ItemType(models.TextChoices):
    """事项类型 codes of the national platform interface (reference.md §5.2)."""

    LICENSING = "01", "行政许可"
    PENALTY = "02", "行政处罚"
    COERCION = "03", "行政强制"
    LEVY = "04", "行政征收"
    BENEFIT = "05", "行政给付"
    INSPECTION = "06", "行政检查"
    CONFIRMATION = "07", "行政确认"
    REWARD = "08", "行政奖励"
    RULING = "09", "行政裁决"
    OTHER_POWER = "10", "其他行政权力"
    PUBLIC_SERVICE = "20", "公共服务"
    CONVENIENCE = "31", "依申请便民服务"


class AffairType(models.TextChoices):
    """办件类型: 1 即办件 (decided on the spot), 2 承诺件 (within N working days)."""

    IMMEDIATE = "1", "即办件"
    PROMISED = "2", "承诺件"


SERVICE_MODES = ["可代办", "不见面办", "一次办", "自助办", "村级可办"]
CHANNELS = ["集中办", "网上办", "就近办", "一次办", "上门办", "一证办"]
LIFE_EVENTS = [
    "出生",
    "入学",
    "就业",
    "创业",
    "开店",
    "婚育",
    "住房",
    "社保",
    "医疗",
    "养老",
    "退休",
    "救助",
    "残疾",
    "退役",
    "亡故",
]
MATERIAL_FORMATS = ["pdf", "jpg", "png", "ofd"]


class StepRole(models.TextChoices):
    """Who holds a review step inside its department (a subset of accounts.Role)."""

    DEPARTMENT_STAFF = Role.DEPARTMENT_STAFF.value, Role.DEPARTMENT_STAFF.label
    WINDOW_CLERK = Role.WINDOW_CLERK.value, Role.WINDOW_CLERK.label
    LEADER = Role.LEADER.value, Role.LEADER.label


# ---------------------------------------------------------------------------------------------
# Catalogue (事项清单)
# ---------------------------------------------------------------------------------------------


class ServiceItem(TimeStampedModel):
    """A service item as implemented by the street (实施清单事项)."""

    code = models.CharField("事项编码", max_length=60, unique=True, help_text="实施编码")
    name = models.CharField("事项名称", max_length=120, db_index=True)
    item_type = models.CharField("事项类型", max_length=2, choices=ItemType.choices)
    affair_type = models.CharField("办件类型", max_length=1, choices=AffairType.choices)
    statutory_limit_days = models.PositiveIntegerField("法定办结时限（工作日）", default=0)
    promised_limit_days = models.PositiveIntegerField("承诺办结时限（工作日）", default=0)
    limit_note = models.CharField("时限说明", max_length=200, blank=True)
    department = models.ForeignKey(
        OrgUnit, verbose_name="办理部门", on_delete=models.PROTECT, related_name="service_items"
    )
    devolved_to = models.ManyToManyField(
        OrgUnit,
        verbose_name="承接街道",
        related_name="devolved_items",
        blank=True,
        help_text="该事项已下放（赋权）至哪些街道为民服务中心",
    )
    service_modes = models.JSONField("服务方式", default=list, blank=True)
    channels = models.JSONField("办理渠道（六办）", default=list, blank=True)
    max_visits = models.PositiveSmallIntegerField("到办事现场次数", default=1)
    community_may_accept = models.BooleanField("村（社区）可受理", default=False)
    target = models.CharField("服务对象", max_length=40, default="自然人")
    life_events = models.JSONField("生命周期/主题", default=list, blank=True)
    keywords = models.CharField("关键词", max_length=200, blank=True)
    legal_basis = models.TextField("设定依据", blank=True)
    conditions = models.TextField("受理条件", blank=True)
    is_charged = models.BooleanField("是否收费", default=False)
    fees = models.JSONField("收费项目", default=list, blank=True)
    result_name = models.CharField("审批结果名称", max_length=100, blank=True)
    online = models.BooleanField("是否网办", default=True)
    form_fields = models.JSONField("申请表字段", default=list, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "服务事项"
        verbose_name_plural = "服务事项（事项清单）"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_immediate(self) -> bool:
        return self.affair_type == AffairType.IMMEDIATE

    @property
    def no_visit(self) -> bool:
        return self.max_visits == 0 or "不见面办" in (self.service_modes or [])


class ItemMaterial(models.Model):
    """A required material (申请材料). `key` identifies the same material across items, so a
    bundle asks for it once."""

    class Form(models.TextChoices):
        ELECTRONIC = "electronic", "电子"
        PAPER = "paper", "纸质"
        BOTH = "both", "纸质和电子"

    item = models.ForeignKey(
        ServiceItem, verbose_name="事项", on_delete=models.CASCADE, related_name="materials"
    )
    key = models.SlugField("材料标识", max_length=60)
    name = models.CharField("材料名称", max_length=120)
    required = models.BooleanField("必要", default=True)
    form = models.CharField("材料形式", max_length=12, choices=Form.choices, default=Form.BOTH)
    formats = models.JSONField("电子格式", default=list, blank=True)
    original_needed = models.BooleanField("需核验原件", default=False)
    copies = models.PositiveSmallIntegerField("纸质份数", default=1)
    source = models.CharField("来源渠道", max_length=60, default="申请人自备")
    reusable = models.BooleanField("可免提交（复用）", default=False)
    note = models.CharField("填报须知", max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["item", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "key"], name="approvals_uniq_item_material")
        ]

    def __str__(self) -> str:
        return self.name

    def allowed_formats(self) -> list[str]:
        return list(self.formats or MATERIAL_FORMATS)


class StepFlow(models.Model):
    """One version of an item's review flow (审批流程). Applications pin the version."""

    item = models.ForeignKey(
        ServiceItem, verbose_name="事项", on_delete=models.CASCADE, related_name="flows"
    )
    version = models.PositiveIntegerField("版本")
    is_current = models.BooleanField("现行", default=True)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "审批流程版本"
        verbose_name_plural = "审批流程版本"
        ordering = ["item", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="approvals_uniq_flow_version"),
            models.UniqueConstraint(
                fields=["item"], condition=Q(is_current=True), name="approvals_one_current_flow"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} v{self.version}"


class StepDefinition(models.Model):
    """A step of a flow: who (department + role), in what order, within what limit, when."""

    flow = models.ForeignKey(
        StepFlow, verbose_name="流程", on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField("顺序")
    name = models.CharField("环节名称", max_length=60)
    department = models.ForeignKey(
        OrgUnit, verbose_name="办理部门", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(
        "办理角色", max_length=30, choices=StepRole.choices, default=StepRole.DEPARTMENT_STAFF
    )
    limit_days = models.PositiveSmallIntegerField("环节时限（工作日）", default=1)
    condition = models.JSONField(
        "适用条件", null=True, blank=True, help_text="JSON 规则；为空表示总是适用"
    )

    class Meta:
        verbose_name = "审批环节"
        verbose_name_plural = "审批环节"
        ordering = ["flow", "order"]
        constraints = [
            models.UniqueConstraint(fields=["flow", "order"], name="approvals_uniq_step_order")
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class Bundle(TimeStampedModel):
    """一件事: items handled as one application with one merged form and one set of materials."""

    code = models.CharField("编码", max_length=60, unique=True)
    name = models.CharField("名称", max_length=120)
    description = models.TextField("说明", blank=True)
    life_events = models.JSONField("生命周期/主题", default=list, blank=True)
    lead_department = models.ForeignKey(
        OrgUnit, verbose_name="牵头部门", on_delete=models.PROTECT, related_name="+"
    )
    items = models.ManyToManyField(
        ServiceItem, verbose_name="包含事项", through="BundleItem", related_name="bundles"
    )
    produced_materials = models.JSONField(
        "内部产生材料",
        default=list,
        blank=True,
        help_text="由一件事内其他事项产生、不再向申请人索要的材料标识（如营业执照）",
    )
    extra_fields = models.JSONField("附加表单字段", default=list, blank=True)
    max_visits = models.PositiveSmallIntegerField("到办事现场次数", default=1)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "一件事"
        verbose_name_plural = "一件事"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class BundleItem(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="bundle_items")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="+")
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "一件事事项"
        verbose_name_plural = "一件事事项"
        ordering = ["bundle", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "item"], name="approvals_uniq_bundle_item")
        ]

    def __str__(self) -> str:
        return f"{self.bundle_id}:{self.item_id}"


class CenterPolicy(models.Model):
    """Local rules of a street's 为民服务中心 (configure, never hard-code: reference.md §8)."""

    street = models.OneToOneField(
        OrgUnit, verbose_name="街道", on_delete=models.CASCADE, related_name="approvals_policy"
    )
    rectify_workdays = models.PositiveSmallIntegerField("差评整改时限（工作日）", default=5)
    notice_workdays = models.PositiveSmallIntegerField(
        "一次性告知时限（工作日）", default=5, help_text="行政许可法第三十二条：五日内一次告知"
    )

    class Meta:
        verbose_name = "为民服务中心规则"
        verbose_name_plural = "为民服务中心规则"

    def __str__(self) -> str:
        return f"{self.street} 规则"


# ---------------------------------------------------------------------------------------------
# Applications (办件)
# ---------------------------------------------------------------------------------------------


class Status(models.TextChoices):
    SUBMITTED = "submitted", "已提交"
    NEEDS_MATERIALS = "needs_materials", "待补正"
    REJECTED = "rejected", "不予受理"
    ACCEPTED = "accepted", "已受理"
    REVIEWING = "reviewing", "审查中"
    APPROVED = "approved", "准予办理"
    DENIED = "denied", "不予办理"
    DELIVERED = "delivered", "已出件"


DECIDED = {Status.APPROVED, Status.DENIED, Status.DELIVERED}


class ApplicationQuerySet(ScopedQuerySet):
    pass


class Application(ConcurrentTransitionMixin, TimeStampedModel, VersionedModel):
    """An application (办件). A bundle application (一件事) is a parent whose children are the
    item-level applications, one per item, each handled by its own department."""

    class Kind(models.TextChoices):
        ITEM = "item", "单事项"
        BUNDLE = "bundle", "一件事"
        SUB = "sub", "一件事子件"

    class Channel(models.TextChoices):
        ONLINE = "online", "网上申报"
        WINDOW = "window", "窗口代办"
        HOME = "home", "上门办"

    class Delivery(models.TextChoices):
        WINDOW = "window", "窗口领取"
        POST = "post", "邮寄送达"
        ELECTRONIC = "electronic", "电子证照"

    number = models.CharField("办件编号", max_length=40, unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.ITEM)
    item = models.ForeignKey(
        ServiceItem, verbose_name="事项", null=True, blank=True, on_delete=models.PROTECT
    )
    bundle = models.ForeignKey(
        Bundle, verbose_name="一件事", null=True, blank=True, on_delete=models.PROTECT
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="一件事主件",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    street = models.ForeignKey(
        OrgUnit, verbose_name="受理街道", on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        OrgUnit,
        verbose_name="办理部门",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    flow = models.ForeignKey(
        StepFlow, verbose_name="流程版本", null=True, blank=True, on_delete=models.PROTECT
    )
    status = FSMField("状态", max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    channel = models.CharField("申请渠道", max_length=10, choices=Channel.choices)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approval_applications",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提交人", on_delete=models.PROTECT, related_name="+"
    )
    applicant_name = models.CharField("申请人", max_length=100)
    applicant_phone = EncryptedTextField("联系电话", blank=True)
    applicant_id_number = EncryptedTextField("证件号码", blank=True)
    company_name = models.CharField("单位名称", max_length=150, blank=True)
    form = models.JSONField("申请表", default=dict, blank=True)
    form_private = EncryptedTextField(
        "申请表（个人信息，加密）", blank=True, help_text="证件号、手机号等字段，JSON，加密存储"
    )

    submitted_at = models.DateTimeField("提交时间")
    notice_deadline = models.DateTimeField("告知期限", null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="受理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    limit_days = models.PositiveIntegerField("承诺时限（工作日）", default=0)
    deadline = models.DateTimeField("办结期限", null=True, blank=True, db_index=True)
    deadline_provisional = models.BooleanField("期限为暂估", default=False)
    paused_at = models.DateTimeField("计时暂停于", null=True, blank=True)
    paused_from = models.CharField("补正前状态", max_length=20, blank=True)
    paused_workdays = models.PositiveIntegerField("暂停工作日", default=0)
    missing_materials = models.JSONField("一次性告知清单", default=list, blank=True)
    decided_at = models.DateTimeField("办结时间", null=True, blank=True)
    decided_on_spot = models.BooleanField("当场办结", default=False)
    decision_note = models.TextField("办理意见", blank=True)
    reason = models.TextField("不予受理/不予办理理由", blank=True)
    legal_basis = models.TextField("法律依据", blank=True)
    delivered_at = models.DateTimeField("出件时间", null=True, blank=True)
    delivery_method = models.CharField(
        "送达方式", max_length=12, choices=Delivery.choices, blank=True
    )
    delivery_note = models.CharField("送达说明", max_length=200, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="出件人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    visits = models.PositiveSmallIntegerField("到现场次数", default=0)
    last_visit_on = models.DateField("最近到现场日期", null=True, blank=True)
    max_visits = models.PositiveSmallIntegerField("允许到现场次数", default=1)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = "办件"
        verbose_name_plural = "办件"
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["street", "status"]),
            models.Index(fields=["applicant", "status"]),
            models.Index(fields=["status", "submitted_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def title(self) -> str:
        if self.bundle_id and self.kind == self.Kind.BUNDLE:
            return self.bundle.name
        return self.item.name if self.item_id else ""

    @property
    def full_form(self) -> dict:
        """The form with its personal-data fields decrypted (for the applicant and checks)."""
        import json

        private = json.loads(self.form_private) if self.form_private else {}
        return {**(self.form or {}), **private}

    @property
    def owner(self) -> Application:
        """Where materials live: the bundle parent for a sub-application."""
        return self.parent if self.parent_id else self

    @property
    def is_top(self) -> bool:
        return self.parent_id is None

    @property
    def within_visits(self) -> bool:
        return self.visits <= self.max_visits

    # --- data scope -------------------------------------------------------------------------

    @staticmethod
    def scope_q(scope) -> Q:
        """Applicants see their own; window clerks their service center's (street); reviewers
        the applications with a step in their department; street roles the whole street."""
        uid = scope.user_id
        q = Q(applicant_id=uid) | Q(submitted_by_id=uid)
        if scope.has_role(Role.WINDOW_CLERK):
            clerk = Membership.objects.filter(user_id=uid, role=Role.WINDOW_CLERK)
            q |= Q(street_id__in=clerk.values("org_unit_id"))
            q |= Q(street_id__in=clerk.values("org_unit__parent_id"))
        if scope.department_ids:
            q |= Q(department_id__in=scope.department_ids)
            q |= Exists(
                ApplicationStep.objects.filter(
                    application=OuterRef("pk"), department_id__in=scope.department_ids
                )
            )
        if scope.region_prefixes and scope.has_role(Role.LEADER, Role.DISPATCHER, Role.ADMIN):
            q |= scope.region_q("street__region_code")
        return q

    # --- life cycle (django-fsm-2); services call these inside transaction.atomic ----------

    @transition(
        status,
        source=Status.SUBMITTED,
        target=RETURN_VALUE(Status.ACCEPTED, Status.REVIEWING, Status.APPROVED, Status.DENIED),
    )
    def accept(self, *, target: str) -> str:
        """受理. 即办件 are decided at acceptance (→ approved); a bundle parent goes straight to
        reviewing (its children carry the steps)."""
        return target

    @transition(
        status,
        source=[Status.SUBMITTED, Status.ACCEPTED, Status.REVIEWING],
        target=Status.NEEDS_MATERIALS,
    )
    def request_materials(self):
        """一次性告知: every gap at once; the clock stops."""

    @transition(
        status,
        source=Status.NEEDS_MATERIALS,
        target=RETURN_VALUE(Status.SUBMITTED, Status.ACCEPTED, Status.REVIEWING),
    )
    def supplement(self, *, target: str) -> str:
        """补正: back to where the notice stopped it."""
        return target

    @transition(status, source=[Status.SUBMITTED, Status.NEEDS_MATERIALS], target=Status.REJECTED)
    def reject(self):
        """不予受理 (with reason and legal basis)."""

    @transition(
        status,
        source=[Status.ACCEPTED, Status.REVIEWING],
        target=RETURN_VALUE(Status.REVIEWING, Status.APPROVED),
    )
    def approve_step(self, *, last: bool) -> str:
        return Status.APPROVED if last else Status.REVIEWING

    @transition(status, source=[Status.ACCEPTED, Status.REVIEWING], target=Status.DENIED)
    def deny(self):
        """不予办理 (with reason and legal basis)."""

    @transition(
        status, source=Status.REVIEWING, target=RETURN_VALUE(Status.APPROVED, Status.DENIED)
    )
    def conclude(self, *, approved: bool) -> str:
        """A bundle parent concludes when every child is decided."""
        return Status.APPROVED if approved else Status.DENIED

    @transition(status, source=[Status.APPROVED, Status.DENIED], target=Status.DELIVERED)
    def deliver(self):
        """出件: window pickup, post or electronic licence."""


class ApplicationStep(models.Model):
    """A review step of one application, materialised from its pinned flow at acceptance."""

    class State(models.TextChoices):
        PENDING = "pending", "待办"
        ACTIVE = "active", "办理中"
        APPROVED = "approved", "通过"
        DENIED = "denied", "不通过"
        SKIPPED = "skipped", "不适用"
        CANCELLED = "cancelled", "已终止"

    application = models.ForeignKey(
        Application, verbose_name="办件", on_delete=models.CASCADE, related_name="steps"
    )
    definition = models.ForeignKey(
        StepDefinition, verbose_name="环节定义", on_delete=models.PROTECT, related_name="+"
    )
    order = models.PositiveSmallIntegerField("顺序")
    name = models.CharField("环节名称", max_length=60)
    department = models.ForeignKey(
        OrgUnit, verbose_name="办理部门", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField("办理角色", max_length=30, choices=StepRole.choices)
    limit_days = models.PositiveSmallIntegerField("环节时限（工作日）", default=1)
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.PENDING)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    deadline = models.DateTimeField("期限", null=True, blank=True, db_index=True)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acted_at = models.DateTimeField("办理时间", null=True, blank=True)
    opinion = models.TextField("意见", blank=True)

    class Meta:
        verbose_name = "办理环节"
        verbose_name_plural = "办理环节"
        ordering = ["application", "order"]
        indexes = [models.Index(fields=["department", "state"])]

    def __str__(self) -> str:
        return f"{self.application.number} {self.order}.{self.name}"


class ApplicationMaterial(models.Model):
    """A material handed in for an application (on the bundle parent for a 一件事)."""

    class Source(models.TextChoices):
        UPLOAD = "upload", "上传"
        REUSE = "reuse", "免提交（复用）"
        PAPER = "paper", "纸质收取"

    application = models.ForeignKey(
        Application, verbose_name="办件", on_delete=models.CASCADE, related_name="materials"
    )
    key = models.SlugField("材料标识", max_length=60)
    name = models.CharField("材料名称", max_length=120)
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    file = models.FileField("文件", upload_to="approvals/%Y/%m/", max_length=200, blank=True)
    original_name = models.CharField("原文件名", max_length=200, blank=True)
    content_type = models.CharField("文件类型", max_length=10, blank=True)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    sha256 = models.CharField("摘要", max_length=64, blank=True)
    reused_from = models.ForeignKey(
        "self",
        verbose_name="复用自",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_current = models.BooleanField("有效", default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("提交时间")

    class Meta:
        verbose_name = "办件材料"
        verbose_name_plural = "办件材料"
        ordering = ["application", "key", "-uploaded_at"]
        indexes = [models.Index(fields=["application", "key", "is_current"])]

    def __str__(self) -> str:
        return self.name


class ApplicationEvent(models.Model):
    """The applicant-visible timeline (办理过程). Append-only; the audit log has the detail."""

    application = models.ForeignKey(
        Application, verbose_name="办件", on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField("操作人名称", max_length=150, blank=True)
    action = models.CharField("操作", max_length=40)
    label = models.CharField("说明", max_length=60)
    from_status = models.CharField("原状态", max_length=20, blank=True)
    to_status = models.CharField("新状态", max_length=20, blank=True)
    note = models.TextField("备注", blank=True)
    data = models.JSONField("数据", default=dict, blank=True)

    class Meta:
        verbose_name = "办理过程"
        verbose_name_plural = "办理过程"
        ordering = ["application", "at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.label}"


# ---------------------------------------------------------------------------------------------
# 好差评 and 差评整改
# ---------------------------------------------------------------------------------------------


class RatingLevel(models.IntegerChoices):
    VERY_SATISFIED = 5, "非常满意"
    SATISFIED = 4, "满意"
    BASICALLY = 3, "基本满意"
    DISSATISFIED = 2, "不满意"
    VERY_DISSATISFIED = 1, "非常不满意"


class RatedStage(models.TextChoices):
    """The step a rating judges (一次一评): its 差评 goes to the unit that owns that step."""

    ACCEPT = "accept", "窗口受理"
    REVIEW = "review", "部门审查"
    DELIVER = "deliver", "出件"


class Rating(models.Model):
    """一事一评 / 一次一评: one rating per (top-level) application."""

    application = models.OneToOneField(
        Application, verbose_name="办件", on_delete=models.CASCADE, related_name="rating"
    )
    level = models.PositiveSmallIntegerField("评价", choices=RatingLevel.choices)
    comment = models.TextField("评价内容", blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评价人", on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField("评价渠道", max_length=10, default="online")
    stage = models.CharField("所评环节", max_length=10, choices=RatedStage.choices, blank=True)
    step = models.ForeignKey(
        ApplicationStep,
        verbose_name="所评审查环节",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("评价时间")

    class Meta:
        verbose_name = "好差评"
        verbose_name_plural = "好差评"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.application.number} {self.get_level_display()}"

    @property
    def is_bad(self) -> bool:
        return self.level <= RatingLevel.DISSATISFIED


class RectificationQuerySet(ScopedQuerySet):
    pass


class Rectification(ConcurrentTransitionMixin, VersionedModel):
    """差评整改: opened by a 差评, owned by the handling department, with a deadline."""

    class State(models.TextChoices):
        OPEN = "open", "整改中"
        CLOSED = "closed", "已办结"

    class Outcome(models.TextChoices):
        FIXED = "fixed", "已整改"
        EXPLAINED = "explained", "已解释说明"
        APPEALED = "appealed", "申诉（误评/恶意差评）"

    rating = models.OneToOneField(
        Rating, verbose_name="差评", on_delete=models.CASCADE, related_name="rectification"
    )
    application = models.ForeignKey(
        Application, verbose_name="办件", on_delete=models.CASCADE, related_name="+"
    )
    department = models.ForeignKey(
        OrgUnit, verbose_name="整改部门", on_delete=models.PROTECT, related_name="+"
    )
    state = FSMField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField("下发时间")
    deadline = models.DateTimeField("整改期限")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    outcome = models.CharField("结果", max_length=12, choices=Outcome.choices, blank=True)
    result = models.TextField("整改情况", blank=True)

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = "差评整改"
        verbose_name_plural = "差评整改"
        ordering = ["deadline"]

    def __str__(self) -> str:
        return f"整改 {self.application.number}"

    @property
    def on_time(self) -> bool | None:
        if self.closed_at is None:
            return None
        return self.closed_at <= self.deadline

    @staticmethod
    def scope_q(scope) -> Q:
        q = Q(department_id__in=scope.department_ids) | Q(application__applicant_id=scope.user_id)
        if scope.region_prefixes and scope.has_role(Role.LEADER, Role.DISPATCHER, Role.ADMIN):
            q |= scope.region_q("application__street__region_code")
        if scope.has_role(Role.WINDOW_CLERK):
            clerk = Membership.objects.filter(user_id=scope.user_id, role=Role.WINDOW_CLERK)
            q |= Q(application__street_id__in=clerk.values("org_unit_id"))
            q |= Q(application__street_id__in=clerk.values("org_unit__parent_id"))
        return q

    @transition(state, source=State.OPEN, target=State.CLOSED)
    def close(self):
        """整改办结."""


class RectificationFollowUp(models.Model):
    """A follow-up of a rectification: 回访, progress, or the closing note."""

    class Kind(models.TextChoices):
        CALLBACK = "callback", "回访"
        PROGRESS = "progress", "整改进展"
        CLOSE = "close", "办结"

    rectification = models.ForeignKey(
        Rectification, verbose_name="整改", on_delete=models.CASCADE, related_name="follow_ups"
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    note = models.TextField("内容")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "整改跟进"
        verbose_name_plural = "整改跟进"
        ordering = ["rectification", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


# ---------------------------------------------------------------------------------------------
# Printed papers (文书), result documents (办理结果) and uploads held for a resubmission
# ---------------------------------------------------------------------------------------------


class Paper(models.Model):
    """A numbered paper the window issues (行政许可法 Art. 32: acceptance or refusal is given in
    writing, sealed and dated). The content is a snapshot taken when it was issued, so a later
    change of the application never changes a paper already handed out."""

    class Kind(models.TextChoices):
        ACCEPT = "accept", "受理通知书"
        NOTICE = "notice", "一次性告知书"
        REJECT = "reject", "不予受理决定书"
        RECEIPT = "receipt", "出件回执"

    application = models.ForeignKey(
        Application, verbose_name="办件", on_delete=models.CASCADE, related_name="papers"
    )
    kind = models.CharField("文书类型", max_length=10, choices=Kind.choices)
    series = models.CharField("编号序列", max_length=60)
    year = models.PositiveSmallIntegerField("年度")
    serial = models.PositiveIntegerField("序号")
    number = models.CharField("文书编号", max_length=60)
    issued_at = models.DateTimeField("出具时间")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="出具人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    data = models.JSONField("内容", default=dict, blank=True)

    class Meta:
        verbose_name = "文书"
        verbose_name_plural = "文书"
        ordering = ["application", "issued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "year", "serial"], name="approvals_uniq_paper_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class ResultDocument(models.Model):
    """A result of an approved item (办理结果: licence, certificate, decision), numbered per
    street and year; the file is printed from it on request."""

    application = models.ForeignKey(
        Application, verbose_name="办件", on_delete=models.CASCADE, related_name="results"
    )
    name = models.CharField("结果名称", max_length=100)
    series = models.CharField("编号序列", max_length=60)
    year = models.PositiveSmallIntegerField("年度")
    serial = models.PositiveIntegerField("序号")
    number = models.CharField("证照编号", max_length=60)
    issued_at = models.DateTimeField("核发时间")
    data = models.JSONField("内容", default=dict, blank=True)

    class Meta:
        verbose_name = "办理结果"
        verbose_name_plural = "办理结果"
        ordering = ["application", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "year", "serial"], name="approvals_uniq_result_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.number}"


class HeldUpload(models.Model):
    """A file that passed its checks on a form that was refused for another field: kept for
    the person who uploaded it, so the corrected form goes in without uploading it again."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.CASCADE, related_name="+"
    )
    key = models.SlugField("材料标识", max_length=60)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=10)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("摘要", max_length=64)
    file = models.FileField("文件", upload_to="approvals/held/", max_length=200)
    created_at = models.DateTimeField("上传时间", db_index=True)

    class Meta:
        verbose_name = "暂存材料"
        verbose_name_plural = "暂存材料"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name
