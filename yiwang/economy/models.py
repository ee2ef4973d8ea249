"""Economic development (经济发展): firm profiles on basedata's legal entities, 挂钩服务
(officials, visit cadence, visits), 企业诉求 (links to work orders on channel `enterprise`),
亩均效益评价 (schemes, runs, each firm's result) and 惠企政策 (eligibility rules as data).

Data scope (`FirmProfile.scope_q`): the rows of basedata's 法人库 a user may read (street roles,
departments, grid workers of the firm's grid), plus the firms a user is the official of, plus the
firm a company user belongs to.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from yiwang.accounts.scope import ScopedQuerySet
from yiwang.core.models import TimeStampedModel, VersionedModel
from yiwang.core.pii import EncryptedTextField, mask_phone
from yiwang.economy.industries import DIVISION_CHOICES, SIZE_LABELS

SIZE_CHOICES = [("", "未划分"), *SIZE_LABELS.items()]
CLASS_CHOICES = [("A", "A类"), ("B", "B类"), ("C", "C类"), ("D", "D类"), ("T", "T类（不评价）")]


class FirmProfile(TimeStampedModel, VersionedModel):
    """The economic profile (企业档案) of one 法人 of kind 企业 or 个体工商户."""

    entity = models.OneToOneField(
        "basedata.LegalEntity",
        verbose_name="法人",
        on_delete=models.PROTECT,
        related_name="firm_profile",
    )
    industry = models.CharField(
        "行业大类（GB/T 4754-2017）", max_length=2, choices=DIVISION_CHOICES, blank=True
    )
    industry_section = models.CharField("行业门类", max_length=1, blank=True, editable=False)
    size_class = models.CharField("企业规模", max_length=10, choices=SIZE_CHOICES, blank=True)
    size_year = models.PositiveIntegerField("规模划分所据年度", null=True, blank=True)
    above_scale = models.BooleanField("规上企业", default=False)
    address = models.CharField("生产经营地址", max_length=200, blank=True)
    grid = models.ForeignKey(
        "grids.Region",
        verbose_name="所属网格",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "grid"},
    )
    established_on = models.DateField("成立日期", null=True, blank=True)
    rating_exempt = models.BooleanField(
        "不参评（T类）", default=False, help_text="公用事业等按规定不参加亩均效益评价的企业"
    )
    visit_cadence_days = models.PositiveIntegerField("走访周期（天）", default=90)
    last_visit_on = models.DateField("最近走访", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "企业档案"
        verbose_name_plural = "企业档案"
        ordering = ["entity__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(visit_cadence_days__gt=0), name="economy_cadence_gt0"
            ),
        ]

    def __str__(self) -> str:
        return self.entity.name

    @staticmethod
    def scope_q(scope):
        from yiwang.basedata.access import registry_q

        q = registry_q(scope, "grid__code", people=False)
        q |= Q(
            pk__in=OfficialAssignment.objects.filter(
                official_id=scope.user_id, is_active=True
            ).values("firm_id")
        )
        q |= Q(pk__in=FirmUser.objects.filter(user_id=scope.user_id).values("firm_id"))
        return q


class FirmContact(TimeStampedModel):
    """A contact person of a firm (联系人); the phone is stored encrypted."""

    firm = models.ForeignKey(
        FirmProfile, verbose_name="企业", on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField("姓名", max_length=50)
    title = models.CharField("职务", max_length=50, blank=True)
    phone = EncryptedTextField("电话", blank=True)

    class Meta:
        verbose_name = "企业联系人"
        verbose_name_plural = "企业联系人"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.title}）" if self.title else self.name

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class FirmFigures(TimeStampedModel, VersionedModel):
    """One year's figures of a firm (年度经济数据). Money in 万元, energy in 吨标准煤."""

    firm = models.ForeignKey(
        FirmProfile, verbose_name="企业", on_delete=models.CASCADE, related_name="figures"
    )
    year = models.PositiveIntegerField("年度")
    revenue = models.DecimalField("营业收入（万元）", max_digits=14, decimal_places=2)
    tax = models.DecimalField("实缴税金（万元）", max_digits=14, decimal_places=2)
    energy = models.DecimalField(
        "综合能耗（吨标准煤）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    land_mu = models.DecimalField("用地面积（亩）", max_digits=10, decimal_places=2, default=0)
    employees = models.PositiveIntegerField("从业人员（人）", default=0)
    assets = models.DecimalField(
        "资产总额（万元）", max_digits=14, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = "企业年度数据"
        verbose_name_plural = "企业年度数据"
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "year"], name="economy_figures_one_per_year"),
            models.CheckConstraint(
                condition=Q(revenue__gte=0, tax__gte=0, land_mu__gte=0),
                name="economy_figures_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.firm_id} {self.year}"


class FirmUser(models.Model):
    """A company user (企业用户) linked to its firm: sees the firm's own page."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.CASCADE,
        related_name="firm_link",
    )
    firm = models.ForeignKey(
        FirmProfile, verbose_name="企业", on_delete=models.CASCADE, related_name="users"
    )
    created_at = models.DateTimeField("绑定时间", auto_now_add=True)

    class Meta:
        verbose_name = "企业用户"
        verbose_name_plural = "企业用户"

    def __str__(self) -> str:
        return f"{self.user} · {self.firm}"


class OfficialAssignment(TimeStampedModel):
    """挂钩服务: an official (a leader or department staff) assigned to a firm."""

    class Kind(models.TextChoices):
        LEADER = "leader", "挂钩领导"
        STAFF = "staff", "服务专员"

    firm = models.ForeignKey(
        FirmProfile, verbose_name="企业", on_delete=models.CASCADE, related_name="officials"
    )
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="挂钩人员",
        on_delete=models.PROTECT,
        related_name="firm_assignments",
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.STAFF)
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "挂钩服务"
        verbose_name_plural = "挂钩服务"
        ordering = ["firm_id", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "official"],
                condition=Q(is_active=True),
                name="economy_one_active_assignment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.official} → {self.firm}"


class ServiceVisit(TimeStampedModel):
    """A service visit (走访服务) to a firm. A service visit is not an inspection (涉企检查) and
    never counts against the inspection caps of the enforcement module."""

    firm = models.ForeignKey(
        FirmProfile, verbose_name="企业", on_delete=models.CASCADE, related_name="visits"
    )
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="走访人", on_delete=models.PROTECT, related_name="+"
    )
    unit_name = models.CharField("走访单位", max_length=100, blank=True)
    visited_on = models.DateField("走访日期")
    summary = models.TextField("走访情况")
    raised = models.TextField("企业反映的问题", blank=True)

    class Meta:
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.firm_id}"


class EnterpriseRequest(models.Model):
    """企业诉求: a firm's request, carried by a work order on channel `enterprise`."""

    firm = models.ForeignKey(
        FirmProfile, verbose_name="企业", on_delete=models.PROTECT, related_name="requests"
    )
    work_order = models.OneToOneField(
        "workorders.WorkOrder",
        verbose_name="工单",
        on_delete=models.PROTECT,
        related_name="enterprise_request",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出人", on_delete=models.PROTECT, related_name="+"
    )
    on_behalf = models.BooleanField("挂钩人员代提", default=False)
    created_at = models.DateTimeField("提出时间", auto_now_add=True)

    class Meta:
        verbose_name = "企业诉求"
        verbose_name_plural = "企业诉求"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.firm_id} · {self.work_order_id}"


class EvaluationScheme(TimeStampedModel, VersionedModel):
    """The evaluation settings (亩均效益评价办法): indicators and weights (%), the benchmark
    factor (基准值 = factor × mean of the firms in scope), the class cut-offs (cumulative %
    of rated firms, best first) and the land threshold for firms below scale. One row, edited
    by the bureau; each run keeps a copy of what it used."""

    name = models.CharField("名称", max_length=100, default="亩均效益综合评价")
    weights = models.JSONField("指标与权重（%）")
    cutoffs = models.JSONField("分类比例（累计 %）")
    benchmark_factor = models.DecimalField("基准值倍数", max_digits=5, decimal_places=2, default=2)
    min_land_mu = models.DecimalField(
        "规下企业参评用地（亩）", max_digits=8, decimal_places=2, default=3
    )

    class Meta:
        verbose_name = "亩均评价办法"
        verbose_name_plural = "亩均评价办法"

    def __str__(self) -> str:
        return self.name


class EvaluationRun(models.Model):
    """One yearly evaluation (年度亩均效益评价). A new run for the same year supersedes the old."""

    year = models.PositiveIntegerField("年度", db_index=True)
    scheme = models.JSONField("所用办法")
    counts = models.JSONField("各类数量")
    benchmarks = models.JSONField("基准值")
    is_current = models.BooleanField("现行结果", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评价人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("评价时间", auto_now_add=True)

    class Meta:
        verbose_name = "亩均评价"
        verbose_name_plural = "亩均评价"
        ordering = ["-year", "-id"]

    def __str__(self) -> str:
        return f"{self.year}年亩均效益评价 #{self.pk}"


class EvaluationResult(models.Model):
    """A firm's result in a run: score, rank, class and the facts behind them."""

    run = models.ForeignKey(
        EvaluationRun, verbose_name="评价", on_delete=models.CASCADE, related_name="results"
    )
    firm = models.ForeignKey(
        FirmProfile, verbose_name="企业", on_delete=models.CASCADE, related_name="results"
    )
    score = models.FloatField("综合得分", null=True, blank=True)
    rank = models.PositiveIntegerField("排名", null=True, blank=True)
    klass = models.CharField("分类", max_length=1, choices=CLASS_CHOICES)
    facts = models.JSONField("指标与得分")

    class Meta:
        verbose_name = "亩均评价结果"
        verbose_name_plural = "亩均评价结果"
        ordering = ["run_id", "rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "firm"], name="economy_result_one_per_run"),
        ]

    def __str__(self) -> str:
        return f"{self.firm_id} {self.klass}"


class Policy(TimeStampedModel, VersionedModel):
    """A policy for firms (惠企政策) with its eligibility rule (申报条件) as JSON data."""

    title = models.CharField("政策名称", max_length=200)
    summary = models.TextField("政策内容", blank=True)
    issuer = models.CharField("发布单位", max_length=100, blank=True)
    rule = models.JSONField("适用条件", null=True, blank=True)
    is_active = models.BooleanField("有效", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "惠企政策"
        verbose_name_plural = "惠企政策"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class PolicyNotice(models.Model):
    """A policy pushed to a firm's official (政策推送): the official tells the firm."""

    policy = models.ForeignKey(
        Policy, verbose_name="政策", on_delete=models.CASCADE, related_name="notices"
    )
    firm = models.ForeignKey(
        FirmProfile, verbose_name="企业", on_delete=models.CASCADE, related_name="notices"
    )
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="挂钩人员",
        on_delete=models.CASCADE,
        related_name="policy_notices",
    )
    pushed_at = models.DateTimeField("推送时间", auto_now_add=True)

    class Meta:
        verbose_name = "政策推送"
        verbose_name_plural = "政策推送"
        ordering = ["-pushed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "firm", "official"], name="economy_notice_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} → {self.firm_id}"
