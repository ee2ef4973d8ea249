"""Tables of 综合执法: the matter list, officers, cases with their timeline, deadlines and
evidence, numbered documents, joint enforcement and 双随机一公开 inspection plans.

The law is 行政处罚法 (2021); article numbers are cited beside each rule in services.py.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from yiwang.accounts.models import Role
from yiwang.accounts.scope import ScopedQuerySet
from yiwang.core.models import AppendOnlyModel, TimeStampedModel, VersionedModel
from yiwang.core.pii import EncryptedTextField, mask_id_number, mask_phone
from yiwang.core.workdays import TimeUnit

MONEY = {"max_digits": 12, "decimal_places": 2}


class Domain(models.TextChoices):
    CITY = "city", "城市管理"
    MARKET = "market", "市场监管"
    SAFETY = "safety", "安全生产"
    ENVIRONMENT = "environment", "生态环境"
    FIRE = "fire", "消防"
    TRAFFIC = "traffic", "交通运输"
    OTHER = "other", "其他"


class Matter(models.Model):
    """One version of a line of the 执法事项清单 (matter list).

    Rows are never edited: a change is a new row with `revision + 1` and the old row loses
    `is_current`; a case points at the row it was opened under (as the 权责清单 does).
    """

    code = models.CharField("事项编码", max_length=40, db_index=True)
    name = models.CharField("事项名称", max_length=200)
    domain = models.CharField("领域", max_length=20, choices=Domain.choices)
    violated_provision = models.TextField("违法依据", blank=True)
    legal_basis = models.TextField("处罚依据", help_text="法律法规名称与条款")
    person_fine_min = models.DecimalField("个人罚款下限", null=True, blank=True, **MONEY)
    person_fine_max = models.DecimalField("个人罚款上限", null=True, blank=True, **MONEY)
    org_fine_min = models.DecimalField("单位罚款下限", null=True, blank=True, **MONEY)
    org_fine_max = models.DecimalField("单位罚款上限", null=True, blank=True, **MONEY)
    warning = models.BooleanField("可予警告", default=False)
    other_sanctions = models.CharField(
        "其他处罚种类", max_length=200, blank=True, help_text="如：没收违法所得、责令停产停业"
    )
    simple_procedure = models.BooleanField("可适用简易程序", default=False)
    department = models.CharField("原实施部门", max_length=60)
    devolved = models.BooleanField("已赋权街道", default=True)
    legal_review = models.BooleanField("决定前须法制审核", default=False)
    hearing = models.BooleanField(
        "须告知听证权利", default=False, help_text="不论金额均告知听证（如责令停产停业、吊销）"
    )
    revision = models.PositiveIntegerField("版本", default=1)
    is_current = models.BooleanField("现行版本", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="制定人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("生效时间", auto_now_add=True)

    class Meta:
        verbose_name = "执法事项"
        verbose_name_plural = "执法事项清单"
        ordering = ["code", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["code", "revision"], name="matter_code_revision"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(is_current=True), name="matter_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}（第{self.revision}版）"

    def fine_range(self, party_kind: str) -> tuple[Decimal | None, Decimal | None]:
        if party_kind == Party.ORGANISATION:
            return self.org_fine_min, self.org_fine_max
        return self.person_fine_min, self.person_fine_max


class Party:
    PERSON = "person"
    ORGANISATION = "organisation"
    CHOICES = [(PERSON, "自然人"), (ORGANISATION, "法人或其他组织")]


class Officer(TimeStampedModel):
    """A certified enforcement officer (持证执法人员, 行政处罚法 Art. 42)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.CASCADE,
        related_name="enforcement_officer",
    )
    department = models.ForeignKey(
        "accounts.OrgUnit", verbose_name="所属执法机构", on_delete=models.PROTECT, related_name="+"
    )
    certificate_number = models.CharField("执法证号", max_length=40, unique=True)
    certified_until = models.DateField("证件有效期至")
    legal_reviewer = models.BooleanField("法制审核人员", default=False)
    is_active = models.BooleanField("在岗", default=True)

    class Meta:
        verbose_name = "执法人员"
        verbose_name_plural = "执法人员"
        ordering = ["certificate_number"]

    def __str__(self) -> str:
        return f"{self.user.display_name or self.user.username}（{self.certificate_number}）"


class Interest(TimeStampedModel):
    """A declared interest of an officer in a party or enterprise (回避, Art. 43)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="执法人员",
        on_delete=models.CASCADE,
        related_name="enforcement_interests",
    )
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True, db_index=True)
    id_hash = models.CharField("身份证号索引", max_length=64, blank=True, db_index=True)
    party_name = models.CharField("当事人名称", max_length=200, blank=True)
    reason = models.CharField("利害关系", max_length=200)

    class Meta:
        verbose_name = "利害关系申报"
        verbose_name_plural = "利害关系申报（回避）"

    def __str__(self) -> str:
        return f"{self.user} — {self.party_name or self.credit_code}：{self.reason}"


class CaseQuerySet(ScopedQuerySet):
    pass


class Case(TimeStampedModel, VersionedModel):
    """An administrative penalty case (行政处罚案件) under 简易程序 or 普通程序."""

    class Procedure(models.TextChoices):
        SIMPLE = "simple", "简易程序"
        ORDINARY = "ordinary", "普通程序"

    class Stage(models.TextChoices):
        CLUE = "clue", "待立案"
        INVESTIGATING = "investigating", "调查取证"
        INVESTIGATED = "investigated", "调查终结"
        NOTIFIED = "notified", "已告知"
        HEARING = "hearing", "听证中"
        HEARD = "heard", "听证完毕"
        REVIEWED = "reviewed", "法制审核通过"
        DECIDED = "decided", "已决定"
        SERVED = "served", "已送达"
        EXECUTED = "executed", "已执行"
        REFERRED = "referred", "已移送"
        CLOSED = "closed", "已结案"

    class Source(models.TextChoices):
        WORK_ORDER = "work_order", "工单转办"
        PATROL = "patrol", "巡查发现"
        COMPLAINT = "complaint", "投诉举报"
        REFERRAL = "referral", "移送"
        INSPECTION = "inspection", "双随机抽查"

    class Outcome(models.TextChoices):
        PENALTY = "penalty", "给予处罚"
        NO_PENALTY = "no_penalty", "不予处罚"
        TRANSFER = "transfer", "移送司法机关"

    class PenaltyKind(models.TextChoices):
        WARNING = "warning", "警告"
        FINE = "fine", "罚款"

    OPEN_STAGES = (
        Stage.CLUE,
        Stage.INVESTIGATING,
        Stage.INVESTIGATED,
        Stage.NOTIFIED,
        Stage.HEARING,
        Stage.HEARD,
        Stage.REVIEWED,
        Stage.DECIDED,
        Stage.SERVED,
    )

    code = models.CharField("案件编号", max_length=30, unique=True)
    procedure = models.CharField("程序", max_length=10, choices=Procedure.choices)
    stage = models.CharField("阶段", max_length=20, choices=Stage.choices, db_index=True)
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    matter = models.ForeignKey(
        Matter, verbose_name="执法事项（立案时版本）", on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "accounts.OrgUnit", verbose_name="执法机构", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("区域编码", max_length=40, blank=True, db_index=True)
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        verbose_name="来源工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    facts = models.TextField("违法事实")
    address = models.CharField("地点", max_length=200, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    # 当事人 (party)
    party_kind = models.CharField("当事人类型", max_length=20, choices=Party.CHOICES)
    party_name = models.CharField("当事人", max_length=200)
    party_id_number = EncryptedTextField("身份证号", blank=True)
    party_id_hash = models.CharField("身份证号索引", max_length=64, blank=True, db_index=True)
    party_credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    party_phone = EncryptedTextField("联系电话", blank=True)
    party_address = models.CharField("当事人地址", max_length=200, blank=True)
    legal_entity = models.ForeignKey(
        "basedata.LegalEntity",
        verbose_name="法人库记录",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="承办人员", blank=True, related_name="+"
    )
    # penalty proposed in 告知 and decided
    proposed_kind = models.CharField("拟处罚种类", max_length=20, blank=True)
    proposed_amount = models.DecimalField("拟罚款金额", null=True, blank=True, **MONEY)
    hearing_offered = models.BooleanField("告知听证权利", default=False)
    outcome = models.CharField("处理决定", max_length=20, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField("不予处罚或移送的理由", blank=True)
    penalty_kind = models.CharField("处罚种类", max_length=20, blank=True)
    fine_amount = models.DecimalField("罚款金额", null=True, blank=True, **MONEY)
    collective_discussion = models.TextField("集体讨论记录", blank=True)
    late_fee = models.DecimalField("加处罚款", default=0, **MONEY)
    paid_amount = models.DecimalField("已缴金额", default=0, **MONEY)
    extension_days = models.PositiveIntegerField("延长办案期限（日）", default=0)
    paused_seconds = models.PositiveBigIntegerField("听证停止计算（秒）", default=0)
    # the moments of the steps
    opened_at = models.DateTimeField("受理时间")
    filed_at = models.DateTimeField("立案时间", null=True, blank=True)
    investigated_at = models.DateTimeField("调查终结时间", null=True, blank=True)
    notified_at = models.DateTimeField("告知时间", null=True, blank=True)
    hearing_requested_at = models.DateTimeField("听证申请时间", null=True, blank=True)
    heard_at = models.DateTimeField("听证时间", null=True, blank=True)
    reviewed_at = models.DateTimeField("法制审核时间", null=True, blank=True)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    served_at = models.DateTimeField("送达时间", null=True, blank=True)
    paid_at = models.DateTimeField("缴款时间", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    hearing_at = models.DateTimeField("听证举行时间", null=True, blank=True)
    hearing_chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="听证主持人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hearing_record = models.TextField("听证笔录", blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="法制审核人员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_opinion = models.TextField("法制审核意见", blank=True)
    rights_waived = models.BooleanField("当事人放弃陈述申辩、听证", default=False)
    service_method = models.CharField("送达方式", max_length=40, blank=True)
    summary = models.TextField("结案报告", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = "行政处罚案件"
        verbose_name_plural = "行政处罚案件"
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["department", "stage"])]

    def __str__(self) -> str:
        return f"{self.code} {self.party_name}"

    @staticmethod
    def scope_q(scope) -> Q:
        """The officers' agency sees its cases; street-wide roles see the street's cases."""
        q = Q(department_id__in=scope.department_ids)
        if scope.has_role(Role.LEADER, Role.DISPATCHER, Role.ADMIN):
            for prefix in scope.region_prefixes:
                q |= Q(region_code__startswith=prefix)
        return q

    @property
    def party_id_masked(self) -> str:
        return mask_id_number(self.party_id_number)

    @property
    def party_phone_masked(self) -> str:
        return mask_phone(self.party_phone)

    @property
    def is_open(self) -> bool:
        return self.stage in self.OPEN_STAGES


class CaseEvent(AppendOnlyModel):
    """One step of the case timeline (全过程记录, Art. 47): immutable."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    action = models.CharField("步骤", max_length=40)
    from_stage = models.CharField("原阶段", max_length=20, blank=True)
    to_stage = models.CharField("新阶段", max_length=20, blank=True)
    note = models.TextField("说明", blank=True)
    data = models.JSONField("数据", default=dict, blank=True)

    class Meta:
        verbose_name = "案件流转记录"
        verbose_name_plural = "案件流转记录"
        ordering = ["at", "id"]


class Deadline(models.Model):
    """One statutory limit of a case, counted as the law counts it (Art. 85)."""

    class State(models.TextChoices):
        OPEN = "open", "计时中"
        MET = "met", "按时完成"
        LATE = "late", "超期完成"
        OVERDUE = "overdue", "已超期"
        PAUSED = "paused", "中止计算"

    UNIT_NAMES = {TimeUnit.WORK_DAYS: "work_days", TimeUnit.DAYS: "calendar_days"}

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    step = models.CharField("步骤", max_length=30)
    label = models.CharField("时限", max_length=60)
    article = models.CharField("依据", max_length=60)
    start = models.DateTimeField("起算")
    due = models.DateTimeField("届满")
    value = models.PositiveIntegerField("期限")
    unit = models.CharField("单位", max_length=20, choices=TimeUnit.CHOICES)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    met_at = models.DateTimeField("完成时间", null=True, blank=True)
    supervised_at = models.DateTimeField("督办时间", null=True, blank=True)

    class Meta:
        verbose_name = "法定时限"
        verbose_name_plural = "法定时限"
        ordering = ["due"]
        constraints = [models.UniqueConstraint(fields=["case", "step"], name="deadline_step")]

    def __str__(self) -> str:
        return f"{self.label} {self.due:%Y-%m-%d}"


def evidence_upload_to(instance, filename: str) -> str:
    return f"enforcement/evidence/{instance.case_id}/{filename}"


class Evidence(models.Model):
    """An evidence item of an Art. 46 kind, with its file hashed (SHA-256) at capture."""

    class Kind(models.TextChoices):
        DOCUMENTARY = "documentary", "书证"
        PHYSICAL = "physical", "物证"
        AUDIOVISUAL = "audiovisual", "视听资料"
        ELECTRONIC = "electronic", "电子数据"
        WITNESS = "witness", "证人证言"
        STATEMENT = "statement", "当事人的陈述"
        EXPERT = "expert", "鉴定意见"
        RECORD = "record", "勘验笔录、现场笔录"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    number = models.PositiveIntegerField("证据序号")
    kind = models.CharField("证据种类", max_length=20, choices=Kind.choices)
    title = models.CharField("名称", max_length=200)
    description = models.TextField("证明内容", blank=True)
    file = models.FileField("文件", upload_to=evidence_upload_to, blank=True)
    sha256 = models.CharField("文件摘要 SHA-256", max_length=64, blank=True)
    captured_at = models.DateTimeField("取证时间")
    place = models.CharField("取证地点", max_length=200)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "证据"
        verbose_name_plural = "证据"
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="evidence_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class DocumentKind(models.TextChoices):
    ON_SPOT = "on_spot", "当场行政处罚决定书"
    FILING = "filing", "立案审批表"
    INQUIRY = "inquiry", "询问笔录"
    INSPECTION_RECORD = "inspection_record", "现场检查（勘验）笔录"
    NOTICE = "notice", "行政处罚事先告知书"
    HEARING_NOTICE = "hearing_notice", "听证通知书"
    DECISION = "decision", "行政处罚决定书"
    SERVICE = "service", "送达回证"
    TRANSFER = "transfer", "案件移送函"
    CLOSING = "closing", "结案报告"
    PRESERVATION = "preservation", "先行登记保存通知书"
    INSPECTION_RESULT = "inspection_result", "检查结果告知书"


# 文号 prefixes: 唯综执罚决字〔2026〕第0001号 (唯亭 综合执法 罚 决定). Documents without a prefix
# carry the case number only.
DOCUMENT_PREFIXES = {
    DocumentKind.ON_SPOT: "唯综执当罚字",
    DocumentKind.FILING: "唯综执立字",
    DocumentKind.NOTICE: "唯综执告字",
    DocumentKind.HEARING_NOTICE: "唯综执听字",
    DocumentKind.DECISION: "唯综执罚决字",
    DocumentKind.TRANSFER: "唯综执移字",
    DocumentKind.PRESERVATION: "唯综执保字",
    DocumentKind.INSPECTION_RESULT: "唯综执检字",
}


class Document(models.Model):
    """A numbered document of a case. A voided number stays here with its reason."""

    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    inspection_target = models.ForeignKey(
        "InspectionTarget", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField("文书", max_length=30, choices=DocumentKind.choices)
    # which record of the case the paper belongs to, for kinds a case has several of
    # ("record:3" for a 笔录, "preservation:2" for a 先行登记保存); blank for one-per-case kinds
    ref = models.CharField("对应记录", max_length=40, blank=True)
    prefix = models.CharField("字号", max_length=20, blank=True)
    year = models.PositiveIntegerField("年份", null=True, blank=True)
    serial = models.PositiveIntegerField("序号", null=True, blank=True)
    number = models.CharField("文号", max_length=60, blank=True)
    issued_at = models.DateTimeField("出具时间")
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    void_reason = models.CharField("作废原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "执法文书"
        verbose_name_plural = "执法文书"
        ordering = ["issued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["prefix", "year", "serial"],
                condition=Q(serial__isnull=False),
                name="document_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.number or self.get_kind_display()


class Summons(TimeStampedModel, VersionedModel):
    """A partner department summoned to a case (1+5+N 联合执法) with an arrival deadline."""

    class Status(models.TextChoices):
        SUMMONED = "summoned", "已召集"
        ACKNOWLEDGED = "acknowledged", "已响应"
        ARRIVED = "arrived", "已到场"
        DONE = "done", "已处置"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="summons")
    partner = models.ForeignKey(
        "accounts.OrgUnit", verbose_name="协同部门", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(
        "类型",
        max_length=20,
        default="summon",
        choices=[("summon", "召集到场"), ("bulletin", "案情通报")],
    )
    status = models.CharField("状态", max_length=20, choices=Status.choices)
    arrive_by = models.DateTimeField("到场时限", null=True, blank=True)
    note = models.TextField("事由", blank=True)
    acknowledged_at = models.DateTimeField("响应时间", null=True, blank=True)
    arrived_at = models.DateTimeField("到场时间", null=True, blank=True)
    action_taken = models.TextField("处置情况", blank=True)

    class Meta:
        verbose_name = "联合执法召集"
        verbose_name_plural = "联合执法召集与通报"
        ordering = ["created_at"]


class Referral(TimeStampedModel):
    """案件移送 to another authority, with the receipt and its time limit."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    authority = models.CharField("接收机关", max_length=100)
    reason = models.TextField("移送理由")
    receipt_due = models.DateTimeField("回执时限")
    received_at = models.DateTimeField("回执时间", null=True, blank=True)
    receipt_note = models.CharField("回执说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "案件移送"
        verbose_name_plural = "案件移送"


class InspectionPlan(TimeStampedModel, VersionedModel):
    """A 双随机一公开 inspection plan and, once drawn, its frozen draw record."""

    class Status(models.TextChoices):
        DRAFT = "draft", "待抽取"
        DRAWN = "drawn", "已抽取"
        DONE = "done", "已完成"

    name = models.CharField("计划名称", max_length=200)
    department = models.ForeignKey(
        "accounts.OrgUnit", verbose_name="执法机构", on_delete=models.PROTECT, related_name="+"
    )
    matters = models.ManyToManyField(Matter, verbose_name="抽查事项", related_name="+")
    population_filter = models.JSONField("检查对象范围", default=dict)
    count = models.PositiveIntegerField("抽取数量", null=True, blank=True)
    ratio = models.DecimalField("抽取比例", max_digits=5, decimal_places=4, null=True, blank=True)
    inspectors_per_target = models.PositiveIntegerField("每户检查人员", default=2)
    yearly_cap = models.PositiveIntegerField("每户每年抽查上限", default=2)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default="draft")
    seed = models.CharField("随机种子", max_length=64, blank=True)
    population_size = models.PositiveIntegerField("对象总数", null=True, blank=True)
    population_hash = models.CharField("对象名录摘要", max_length=64, blank=True)
    pool_hash = models.CharField("人员名录摘要", max_length=64, blank=True)
    drawn_at = models.DateTimeField("抽取时间", null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    excluded = models.JSONField("排除记录", default=list, blank=True)

    class Meta:
        verbose_name = "双随机抽查计划"
        verbose_name_plural = "双随机抽查计划"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class InspectionTarget(models.Model):
    class Result(models.TextChoices):
        PENDING = "", "待检查"
        PASSED = "passed", "未发现问题"
        FAILED = "failed", "发现问题"
        NOT_FOUND = "not_found", "未发现开展经营活动"

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="targets")
    entity = models.ForeignKey("basedata.LegalEntity", on_delete=models.PROTECT, related_name="+")
    order = models.PositiveIntegerField("抽中顺序")
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="检查人员", related_name="+"
    )
    result = models.CharField("检查结果", max_length=20, choices=Result.choices, blank=True)
    result_note = models.TextField("检查情况", blank=True)
    inspected_at = models.DateTimeField("检查时间", null=True, blank=True)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "抽查对象"
        verbose_name_plural = "抽查对象"
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "entity"], name="target_once_per_plan")
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.entity_id}"


class CaseRecord(models.Model):
    """询问笔录 or 现场检查（勘验）笔录 taken during 调查取证 (行政处罚法 Arts. 46, 55): who was
    questioned or what was inspected, when and where, by which officers (≥ 2, Art. 42), and
    the questions and answers or the findings as typed."""

    class Kind(models.TextChoices):
        INQUIRY = "inquiry", "询问笔录"
        INSPECTION = "inspection_record", "现场检查（勘验）笔录"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField("笔录种类", max_length=20, choices=Kind.choices)
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间")
    place = models.CharField("地点", max_length=200)
    subject_name = models.CharField("被询问人 / 现场负责人", max_length=100)
    subject_role = models.CharField("身份", max_length=40, help_text="当事人、证人、现场负责人")
    subject_id_number = EncryptedTextField("被询问人身份证号", blank=True)
    content = models.TextField("笔录内容")
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="询问 / 检查人员", related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "笔录"
        verbose_name_plural = "询问与现场检查笔录"
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.subject_name}）"

    @property
    def ref(self) -> str:
        return f"record:{self.pk}"


class Statement(models.Model):
    """陈述申辩 of the party after 告知 and the authority's 复核 of it (行政处罚法 Art. 45:
    the authority must hear and re-check it and may not raise the penalty because of it)."""

    class Conclusion(models.TextChoices):
        ADOPTED = "adopted", "采纳"
        PARTLY = "partly", "部分采纳"
        REJECTED = "rejected", "不予采纳"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="statements")
    received_at = models.DateTimeField("提出时间")
    method = models.CharField("方式", max_length=20, help_text="书面、口头")
    speaker = models.CharField("陈述申辩人", max_length=100)
    content = models.TextField("陈述申辩内容")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    conclusion = models.CharField("复核结论", max_length=20, choices=Conclusion.choices, blank=True)
    review = models.TextField("复核意见", blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField("复核时间", null=True, blank=True)

    class Meta:
        verbose_name = "陈述申辩"
        verbose_name_plural = "陈述申辩及复核"
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return f"{self.speaker}的陈述申辩"


class Preservation(models.Model):
    """先行登记保存 of evidence (行政处罚法 Art. 56): approved by the agency head, decided on
    within 7 days (working days, Art. 85)."""

    class Decision(models.TextChoices):
        RELEASE = "release", "解除先行登记保存，退还当事人"
        CONFISCATE = "confiscate", "依法予以没收（随处罚决定）"
        SEIZE = "seize", "依法采取查封、扣押措施"
        TRANSFER = "transfer", "移交有关机关处理"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="preservations")
    items = models.TextField("物品清单")
    place = models.CharField("保存地点", max_length=200)
    reason = models.TextField("理由")
    approver = models.CharField("批准负责人", max_length=50)
    saved_at = models.DateTimeField("登记保存时间")
    due = models.DateTimeField("处理决定期限")
    decision = models.CharField("处理决定", max_length=20, choices=Decision.choices, blank=True)
    decision_note = models.TextField("处理说明", blank=True)
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "先行登记保存"
        verbose_name_plural = "先行登记保存"
        ordering = ["saved_at", "id"]

    def __str__(self) -> str:
        return f"先行登记保存：{self.items[:40]}"

    @property
    def ref(self) -> str:
        return f"preservation:{self.pk}"

    @property
    def step(self) -> str:
        return f"preservation-{self.pk}"


class Discussion(models.Model):
    """重大案件 集体讨论 by the agency's heads (行政处罚法 Art. 57 ¶2), its own recorded step
    before 决定: who took part, who chaired, the record and the conclusion."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="discussions")
    held_at = models.DateTimeField("讨论时间")
    chair = models.CharField("主持人", max_length=50)
    participants = models.JSONField("参加人员", default=list)
    record = models.TextField("讨论记录")
    conclusion = models.TextField("讨论结论")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "集体讨论"
        verbose_name_plural = "重大案件集体讨论"
        ordering = ["held_at", "id"]

    def __str__(self) -> str:
        return f"集体讨论 {self.held_at:%Y-%m-%d}"


class Publication(models.Model):
    """公开 of a penalty decision (行政处罚法 Art. 48) or of a 双随机 result (优化营商环境条例
    Art. 54), due within a configured number of working days; a late one is flagged by the
    sweep. The public text masks a person's name; ID numbers are never published."""

    class Kind(models.TextChoices):
        DECISION = "decision", "行政处罚决定"
        INSPECTION = "inspection", "双随机抽查结果"

    kind = models.CharField("公开类型", max_length=20, choices=Kind.choices)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="publications"
    )
    target = models.OneToOneField(
        InspectionTarget,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="publication",
    )
    title = models.CharField("标题", max_length=200)
    summary = models.TextField("公开内容")
    start = models.DateTimeField("起算")
    due = models.DateTimeField("公开期限")
    published_at = models.DateTimeField("公开时间", null=True, blank=True, db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    late_flagged_at = models.DateTimeField("逾期督办时间", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdraw_reason = models.CharField("撤回理由", max_length=200, blank=True)

    class Meta:
        verbose_name = "公开记录"
        verbose_name_plural = "行政处罚与抽查结果公开"
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"], condition=Q(case__isnull=False), name="publication_once"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def late(self) -> bool:
        return self.published_at is not None and self.published_at > self.due
