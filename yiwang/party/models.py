"""Party building and co-governance (党建引领、共建共治).

- 居民议事厅: `Topic` (议题) proposed → discussing → voting → decided → following up → done,
  with `TopicComment`, `Ballot` (one per person or per household, enforced by the database) and
  `TopicAction` (a work order that carries out the decision).
- 四色网格: `ColourRule` (admin-edited: conditions on measured facts → a colour) and
  `GridColour` (each grid's colour for a month, with the facts it was computed from).

Who a resident is: the person of the 人口库 whose phone matches the signed-in user's phone
(`residents.py`); the community they live in is that person's grid's community.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from yiwang.accounts.scope import ScopedQuerySet
from yiwang.core.models import TimeStampedModel, VersionedModel


def _ancestor_codes(codes) -> set[str]:
    return {c[:n] for c in codes for n in range(1, len(c) + 1)}


class RegionScoped(models.Model):
    """Party data seen over a region (`region_code`): staff their street or community, grid
    workers the communities of their grids."""

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @staticmethod
    def scope_q(scope):
        return scope.region_q("region_code") | Q(region_code__in=_ancestor_codes(scope.grid_codes))


class CommunityScoped(RegionScoped):
    """Co-governance data public to a community: staff as `RegionScoped`, and residents the
    community they live in."""

    class Meta:
        abstract = True

    @staticmethod
    def scope_q(scope):
        from yiwang.party.residents import community_codes_of

        q = RegionScoped.scope_q(scope)
        if scope.user_id is not None:
            q |= Q(region_code__in=community_codes_of(scope.user_id))
        return q


class Topic(CommunityScoped, TimeStampedModel, VersionedModel):
    """A topic of the 居民议事厅 (议题)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "已提议"
        DISCUSSING = "discussing", "讨论中"
        VOTING = "voting", "表决中"
        DECIDED = "decided", "已表决"
        FOLLOWING_UP = "following_up", "落实中"
        DONE = "done", "已办结"

    class Rule(models.TextChoices):
        PERSON = "person", "一人一票（18周岁以上居民）"
        HOUSEHOLD = "household", "一户一票"

    class Outcome(models.TextChoices):
        NONE = "", "—"
        PASSED = "passed", "通过"
        REJECTED = "rejected", "未通过"
        NO_QUORUM = "no_quorum", "参与人数不足"

    class Origin(models.TextChoices):
        RESIDENT = "resident", "居民提议"
        COMMUNITY = "community", "社区提议"

    community = models.ForeignKey(
        "grids.Region",
        verbose_name="社区",
        on_delete=models.PROTECT,
        related_name="topics",
        limit_choices_to={"level": "community"},
    )
    region_code = models.CharField("社区编码", max_length=40, db_index=True)
    title = models.CharField("议题", max_length=100)
    body = models.TextField("内容")
    origin = models.CharField("来源", max_length=10, choices=Origin.choices)
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提议人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default="proposed", db_index=True
    )
    rule = models.CharField("表决规则", max_length=10, choices=Rule.choices, default="person")
    quorum_pct = models.PositiveSmallIntegerField(
        "参与率须超过（%）", default=50, help_text="城市居民委员会组织法第九条：过半数出席"
    )
    majority_pct = models.PositiveSmallIntegerField(
        "同意票须超过（%）",
        default=50,
        help_text="占全部投票（含弃权）的比例；第九条：出席人过半数",
    )
    needs_action = models.BooleanField("通过后需要落实", default=True)
    voting_opened_at = models.DateTimeField("开始表决", null=True, blank=True)
    voting_closes_at = models.DateTimeField("表决截止", null=True, blank=True)
    eligible_count = models.PositiveIntegerField("有表决权的人（户）数", default=0)
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices, blank=True)
    tally = models.JSONField("计票", default=dict, blank=True)
    decided_at = models.DateTimeField("表决结束", null=True, blank=True)
    done_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "议事议题"
        verbose_name_plural = "议事议题"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class TopicComment(models.Model):
    topic = models.ForeignKey(
        Topic, verbose_name="议题", on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发言人", on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField("发言")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "议事发言"
        verbose_name_plural = "议事发言"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]


class Ballot(models.Model):
    """One vote. `ballot_key` is `p<person id>` or `h<household id>` by the topic's rule: the
    unique constraint makes a second vote by the same resident or household impossible."""

    class Choice(models.TextChoices):
        AGREE = "agree", "同意"
        OPPOSE = "oppose", "反对"
        ABSTAIN = "abstain", "弃权"

    topic = models.ForeignKey(
        Topic, verbose_name="议题", on_delete=models.CASCADE, related_name="ballots"
    )
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="投票人", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "basedata.Person", verbose_name="居民", on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "basedata.Household",
        verbose_name="户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ballot_key = models.CharField("计票键", max_length=30)
    choice = models.CharField("选择", max_length=10, choices=Choice.choices)
    cast_at = models.DateTimeField("投票时间", auto_now_add=True)

    class Meta:
        verbose_name = "表决票"
        verbose_name_plural = "表决票"
        constraints = [
            models.UniqueConstraint(fields=["topic", "ballot_key"], name="party_one_ballot"),
        ]

    def __str__(self) -> str:
        return f"{self.topic_id} {self.ballot_key} {self.choice}"


class TopicAction(models.Model):
    """A work order that carries out a decision (议定事项落实)."""

    topic = models.ForeignKey(
        Topic, verbose_name="议题", on_delete=models.CASCADE, related_name="actions"
    )
    work_order = models.OneToOneField(
        "workorders.WorkOrder",
        verbose_name="工单",
        on_delete=models.PROTECT,
        related_name="topic_action",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "落实工单"
        verbose_name_plural = "落实工单"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"议题 #{self.topic_id} → 工单 #{self.work_order_id}"


# --- 四色网格 -------------------------------------------------------------------------------

FACTS = {
    "visit_coverage": "走访覆盖率（0–1）",
    "orders_reported": "本月上报工单数",
    "orders_solved": "本月办结工单数",
    "overdue_share": "超期工单占比（0–1）",
    "satisfaction": "满意率（0–1，无评价时为空）",
    "patrols": "本月巡查次数",
    "patrol_km": "本月巡查里程（公里）",
}
OPERATORS = {"<": "小于", "<=": "不大于", ">": "大于", ">=": "不小于", "==": "等于"}


class ColourRule(TimeStampedModel):
    """A rule of the 四色网格 (admin-edited): when every condition holds, the grid takes this
    colour. Rules are tried by `priority` (smallest first); a rule without conditions is the
    fallback. Example: 红 「重点关注」 when overdue_share > 0.2 or visit_coverage < 0.5."""

    class Colour(models.TextChoices):
        RED = "red", "红"
        YELLOW = "yellow", "黄"
        BLUE = "blue", "蓝"
        GREEN = "green", "绿"

    colour = models.CharField("颜色", max_length=10, choices=Colour.choices)
    label = models.CharField("含义", max_length=50, help_text="如：重点关注、示范网格")
    priority = models.PositiveSmallIntegerField("优先级", default=10, help_text="数字小的先判断")
    conditions = models.JSONField(
        "条件",
        default=list,
        blank=True,
        help_text='全部满足才适用，如 [{"fact": "overdue_share", "op": ">", "value": 0.2}]',
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "四色网格规则"
        verbose_name_plural = "四色网格规则"
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return f"{self.get_colour_display()} · {self.label}"

    def clean(self):
        from yiwang.party.colours import check_conditions

        try:
            check_conditions(self.conditions)
        except ValueError as exc:
            raise ValidationError({"conditions": str(exc)})


class GridColour(RegionScoped):
    """A grid's colour for one month, with the facts it was computed from."""

    grid = models.ForeignKey(
        "grids.Region", verbose_name="网格", on_delete=models.CASCADE, related_name="colours"
    )
    region_code = models.CharField("网格编码", max_length=40, db_index=True)
    month = models.DateField("月份", help_text="该月第一天")
    colour = models.CharField("颜色", max_length=10, choices=ColourRule.Colour.choices)
    label = models.CharField("含义", max_length=50)
    rule = models.ForeignKey(
        ColourRule, verbose_name="适用规则", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    facts = models.JSONField("事实数据", default=dict)
    computed_at = models.DateTimeField("计算时间", auto_now=True)

    class Meta:
        verbose_name = "网格颜色"
        verbose_name_plural = "网格颜色"
        ordering = ["-month", "region_code"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "month"], name="party_one_colour_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.month:%Y-%m} {self.get_colour_display()}"


# --- 党组织与党员 ----------------------------------------------------------------------------


class PartyOrganisation(RegionScoped, TimeStampedModel, VersionedModel):
    """A node of the party organisation tree (党组织), bound to an org unit and/or a grid
    (网格党支部). The checks of 《中国共产党支部工作条例（试行）》 are in `organisations.py`."""

    class Kind(models.TextChoices):
        WORKING_COMMITTEE = "working_committee", "街道党工委"
        JOINT_COMMITTEE = "joint_committee", "区域联合党委"
        GENERAL_BRANCH = "general_branch", "党总支"
        BRANCH = "branch", "党支部"
        JOINT_BRANCH = "joint_branch", "联合党支部"
        ACTION_GROUP = "action_group", "党员行动组"

    BRANCH_KINDS = (Kind.BRANCH, Kind.JOINT_BRANCH)

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name="所在单位",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    grid = models.ForeignKey(
        "grids.Region",
        verbose_name="网格",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_organisations",
    )
    region_code = models.CharField("区域编码", max_length=40, db_index=True)
    term_started_on = models.DateField("本届任期开始", null=True, blank=True)
    term_years = models.PositiveSmallIntegerField(
        "任期（年）",
        default=5,
        help_text="支部工作条例第二十一条：村、社区党支部每届5年，其他一般3年",
    )
    is_active = models.BooleanField("存续", default=True)

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        ordering = ["region_code", "name"]

    def __str__(self) -> str:
        return self.name


class PartyMember(RegionScoped, TimeStampedModel, VersionedModel):
    """A party member (党员): a person of the 人口库 with party data."""

    class Status(models.TextChoices):
        FULL = "full", "正式党员"
        PROBATIONARY = "probationary", "预备党员"

    class Post(models.TextChoices):
        MEMBER = "member", "党员"
        SECRETARY = "secretary", "书记"
        DEPUTY = "deputy", "副书记"
        COMMITTEE = "committee", "委员"

    person = models.OneToOneField(
        "basedata.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="party"
    )
    organisation = models.ForeignKey(
        PartyOrganisation,
        verbose_name="所在党组织",
        on_delete=models.PROTECT,
        related_name="members",
    )
    region_code = models.CharField("区域编码", max_length=40, db_index=True)
    joined_on = models.DateField("入党日期")
    status = models.CharField("党员类别", max_length=20, choices=Status.choices, default="full")
    post = models.CharField("党内职务", max_length=20, choices=Post.choices, default="member")
    is_mobile = models.BooleanField("流动党员", default=False)

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["organisation_id", "joined_on"]

    def __str__(self) -> str:
        return str(self.person.name)


class MemberTransfer(models.Model):
    """A transfer between organisations (组织关系转接), kept as history."""

    member = models.ForeignKey(
        PartyMember, verbose_name="党员", on_delete=models.CASCADE, related_name="transfers"
    )
    from_organisation = models.ForeignKey(
        PartyOrganisation, verbose_name="转出", on_delete=models.PROTECT, related_name="+"
    )
    to_organisation = models.ForeignKey(
        PartyOrganisation, verbose_name="转入", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("原因", max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", null=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "组织关系转接"
        verbose_name_plural = "组织关系转接"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.from_organisation_id} → {self.to_organisation_id}"


class BranchMeeting(models.Model):
    """A 三会一课 record of an organisation."""

    class Kind(models.TextChoices):
        ASSEMBLY = "assembly", "支部党员大会"
        COMMITTEE = "committee", "支部委员会"
        GROUP = "group", "党小组会"
        LECTURE = "lecture", "党课"
        THEME_DAY = "theme_day", "主题党日"

    organisation = models.ForeignKey(
        PartyOrganisation, verbose_name="党组织", on_delete=models.CASCADE, related_name="meetings"
    )
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    held_on = models.DateField("日期")
    subject = models.CharField("主题", max_length=200)
    attendees = models.PositiveIntegerField("出席人数", default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "三会一课"
        verbose_name_plural = "三会一课"
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["organisation", "kind", "held_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on} {self.subject}"


# --- 红色朋友圈 ------------------------------------------------------------------------------


class AllianceUnit(CommunityScoped, TimeStampedModel, VersionedModel):
    """An alliance unit (共建单位 / 驻区单位) of the 红色朋友圈, linked to the 法人库 when it is
    registered there, with its commitments (承诺事项)."""

    name = models.CharField("单位名称", max_length=200)
    legal_entity = models.ForeignKey(
        "basedata.LegalEntity",
        verbose_name="法人库登记",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alliance_units",
    )
    region_code = models.CharField("共建社区/街道编码", max_length=40, db_index=True)
    contact = models.CharField("联系人", max_length=50, blank=True)
    commitments = models.JSONField("承诺事项", default=list, blank=True)
    joined_on = models.DateField("加入日期")
    is_active = models.BooleanField("在册", default=True)

    class Meta:
        verbose_name = "共建单位"
        verbose_name_plural = "共建单位"
        ordering = ["region_code", "name"]

    def __str__(self) -> str:
        return self.name


class ServiceProject(CommunityScoped, TimeStampedModel, VersionedModel):
    """A service project (服务项目) of an alliance unit, with progress and beneficiaries."""

    class Status(models.TextChoices):
        PLANNED = "planned", "筹备中"
        ONGOING = "ongoing", "实施中"
        DONE = "done", "已完成"

    unit = models.ForeignKey(
        AllianceUnit, verbose_name="共建单位", on_delete=models.PROTECT, related_name="projects"
    )
    region_code = models.CharField("社区编码", max_length=40, db_index=True)
    title = models.CharField("项目名称", max_length=100)
    description = models.TextField("项目内容", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default="planned")
    progress_pct = models.PositiveSmallIntegerField("进度（%）", default=0)
    beneficiaries = models.PositiveIntegerField("受益人次", default=0)
    log = models.JSONField("进展记录", default=list, blank=True)

    class Meta:
        verbose_name = "服务项目"
        verbose_name_plural = "服务项目"
        ordering = ["status", "-updated_at"]

    def __str__(self) -> str:
        return self.title


class Wish(CommunityScoped, TimeStampedModel, VersionedModel):
    """A resident's small wish (微心愿) that an alliance unit claims (认领) and fulfils (兑现)."""

    class Status(models.TextChoices):
        OPEN = "open", "待认领"
        CLAIMED = "claimed", "已认领"
        FULFILLED = "fulfilled", "已兑现"

    region_code = models.CharField("社区编码", max_length=40, db_index=True)
    title = models.CharField("心愿", max_length=100)
    description = models.TextField("说明", blank=True)
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="许愿人", null=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    status = models.CharField("状态", max_length=10, choices=Status.choices, default="open")
    unit = models.ForeignKey(
        AllianceUnit, verbose_name="认领单位", null=True, blank=True, on_delete=models.PROTECT,
        related_name="wishes",
    )  # fmt: skip
    claimed_at = models.DateTimeField("认领时间", null=True, blank=True)
    fulfilled_at = models.DateTimeField("兑现时间", null=True, blank=True)
    fulfilment_note = models.CharField("兑现情况", max_length=200, blank=True)

    class Meta:
        verbose_name = "微心愿"
        verbose_name_plural = "微心愿"
        ordering = ["status", "-created_at"]

    def __str__(self) -> str:
        return self.title


# --- 志愿服务 --------------------------------------------------------------------------------


class Volunteer(CommunityScoped, TimeStampedModel):
    """A registered volunteer (志愿者): a user, linked to the 人口库 by phone when registered."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
        related_name="volunteer",
    )  # fmt: skip
    person = models.ForeignKey(
        "basedata.Person", verbose_name="人口库", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    region_code = models.CharField("所在社区", max_length=40, db_index=True)
    skills = models.CharField("服务特长", max_length=200, blank=True)
    team = models.ForeignKey(
        "VolunteerTeam", verbose_name="服务队", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="volunteers",
    )  # fmt: skip

    class Meta:
        verbose_name = "志愿者"
        verbose_name_plural = "志愿者"
        ordering = ["region_code", "id"]

    def __str__(self) -> str:
        return str(self.user)

    @staticmethod
    def scope_q(scope):
        return CommunityScoped.scope_q(scope) | Q(user_id=scope.user_id)


class VolunteerTeam(CommunityScoped, TimeStampedModel):
    """A volunteer team (志愿服务队), e.g. the 五老 team of the 议事厅: its members are the
    volunteers whose `team` it is; its activities those whose `team` it is."""

    name = models.CharField("名称", max_length=100)
    region_code = models.CharField("社区/街道编码", max_length=40, db_index=True)
    description = models.CharField("服务内容", max_length=200, blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="队长", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = "志愿服务队"
        verbose_name_plural = "志愿服务队"
        ordering = ["region_code", "name"]

    def __str__(self) -> str:
        return self.name


class Activity(CommunityScoped, TimeStampedModel, VersionedModel):
    """A volunteer activity (志愿活动) with sign-up, check-in and hours confirmed by the
    organiser (谁记录谁证明)."""

    title = models.CharField("活动", max_length=100)
    region_code = models.CharField("社区编码", max_length=40, db_index=True)
    place = models.CharField("地点", max_length=200, blank=True)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="组织者", on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField("开始")
    ends_at = models.DateTimeField("结束")
    capacity = models.PositiveIntegerField("名额", default=20)
    team = models.ForeignKey(
        VolunteerTeam, verbose_name="服务队", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="activities",
    )  # fmt: skip

    class Meta:
        verbose_name = "志愿活动"
        verbose_name_plural = "志愿活动"
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def scope_q(scope):
        return CommunityScoped.scope_q(scope) | Q(organiser_id=scope.user_id)


class Signup(models.Model):
    """A volunteer's sign-up for an activity; hours count only once confirmed."""

    activity = models.ForeignKey(
        Activity, verbose_name="活动", on_delete=models.CASCADE, related_name="signups"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name="志愿者", on_delete=models.CASCADE, related_name="signups"
    )
    signed_at = models.DateTimeField("报名时间", auto_now_add=True)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    hours = models.DecimalField("服务时长（小时）", max_digits=5, decimal_places=1, null=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)

    class Meta:
        verbose_name = "活动报名"
        verbose_name_plural = "活动报名"
        ordering = ["activity_id", "signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="party_one_signup")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} @ {self.activity_id}"


class VolunteerCertificate(models.Model):
    """A numbered record-of-service certificate (志愿服务记录证明), issued from the confirmed
    records only and kept as issued (`rows`), so a reprint shows what was certified that day.
    民政部令第67号《志愿服务记录与证明出具办法（试行）》: certificates are issued free of charge
    by the organisation that keeps the records."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name="志愿者", on_delete=models.CASCADE, related_name="certificates"
    )
    number = models.CharField("证明编号", max_length=40, unique=True)
    issued_at = models.DateTimeField("出具时间")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="出具人", null=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    total_hours = models.DecimalField("累计时长（小时）", max_digits=8, decimal_places=1)
    rows = models.JSONField("服务记录", default=list)

    class Meta:
        verbose_name = "志愿服务记录证明"
        verbose_name_plural = "志愿服务记录证明"
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number
