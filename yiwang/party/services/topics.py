"""居民议事厅 services (topics), one function per use case, one transaction, one audit event:
    topic_propose → topic_open_discussion → topic_open_voting → topic_vote (residents) →
    topic_decide → topic_follow_up (a work order, repeatable) → topic_complete
    topic_comment at any open stage.

The voting rule follows 城市居民委员会组织法 第九条 by default: eligible are residents of 18 or
older (or one representative per household), more than half must take part (quorum), and the
decision needs more than half of those who took part. Both shares are editable per topic.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from yiwang.basedata.models import Household, Person
from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import Conflict, Forbidden, ValidationFailed, check_version
from yiwang.fieldwork import geo
from yiwang.party.errors import PartyErrorCode as Code
from yiwang.party.models import Ballot, Topic, TopicAction, TopicComment
from yiwang.party.residents import adult_cutoff, people_of
from yiwang.party.services.common import _user, is_staff_for

TOPIC_FIELDS = ["status", "outcome", "eligible_count", "voting_opened_at", "voting_closes_at",
                "decided_at", "done_at"]  # fmt: skip


def _lock(actor, topic, version, *, what: str) -> Topic:
    """The topic for a staff transition: not visible → 404, not the community's staff → 403
    (both before the version is read), stale → 409."""
    from yiwang.accounts.scope import access_or_404

    pk = getattr(topic, "pk", topic)
    access_or_404(Topic.objects.all(), user=actor, message="议题不存在。", pk=pk)
    row = Topic.objects.select_for_update().get(pk=pk)
    _require_staff(actor, row, what)
    check_version(row, version)
    return row


def _require_state(topic: Topic, *states, what: str) -> None:
    if topic.status not in states:
        raise Conflict(f"议题“{topic.get_status_display()}”，不能{what}。", code=Code.INVALID_STATE)


def _save(topic: Topic, actor, action: str, before: dict, fields=TOPIC_FIELDS) -> Topic:
    topic.bump_version(fields=list(fields))
    audit_record(actor=actor, action=action, target=topic, before=before,
                 after=snapshot(topic, TOPIC_FIELDS))  # fmt: skip
    return topic


def _percent(value, *, field: str, default: int) -> int:
    if value in (None, ""):
        return default
    number = geo.number(value, field=field, label="比例", low=0, high=99, required=True)
    if number != int(number):
        raise ValidationFailed("比例须为整数百分比。", fields={field: ["须为整数"]})
    return int(number)


def _community(value):
    from yiwang.grids.models import Region

    region = Region.objects.filter(code=str(value or "").strip(), level="community").first()
    if region is None:
        raise ValidationFailed("社区不存在。", fields={"community": ["社区编码无效"]})
    return region


@transaction.atomic
def topic_propose(
    *, actor, community, title: str, body: str, rule: str = "person", quorum_pct=None,
    majority_pct=None, needs_action: bool = True,
) -> Topic:  # fmt: skip
    """Propose a topic (提出议题): residents for the community they live in, staff for a
    community of theirs (社区提议)."""
    user = _user(actor)
    region = _community(getattr(community, "code", community))
    if is_staff_for(user, region.code):
        origin = Topic.Origin.COMMUNITY
    elif region.code in {p.grid.parent.code for p in people_of(user) if p.grid.parent_id}:
        origin = Topic.Origin.RESIDENT
    else:
        raise Forbidden("只有本社区登记的居民或社区工作人员可以提出议题。", code=Code.NOT_ELIGIBLE)
    if rule not in Topic.Rule.values:
        raise ValidationFailed("表决规则无效。", fields={"rule": ["应为 person 或 household"]})
    topic = Topic.objects.create(
        community=region,
        region_code=region.code,
        title=geo.text(title, field="title", label="议题", max_length=100, required=True),
        body=geo.text(body, field="body", label="内容", max_length=5000, required=True),
        origin=origin,
        proposer=user,
        rule=rule,
        quorum_pct=_percent(quorum_pct, field="quorum_pct", default=50),
        majority_pct=_percent(majority_pct, field="majority_pct", default=50),
        needs_action=bool(needs_action),
    )
    after = snapshot(topic, ["title", "rule", "quorum_pct", "majority_pct"])
    audit_record(actor=user, action="party.topic.propose", target=topic, after=after)
    return topic


def _require_staff(user, topic, what: str) -> None:
    if not is_staff_for(user, topic):
        raise Forbidden(f"只有社区工作人员可以{what}。")


@transaction.atomic
def topic_open_discussion(*, actor, topic, version) -> Topic:
    user = _user(actor)
    row = _lock(user, topic, version, what="开启讨论")
    _require_state(row, Topic.Status.PROPOSED, what="开启讨论")
    before = snapshot(row, TOPIC_FIELDS)
    row.status = Topic.Status.DISCUSSING
    return _save(row, user, "party.topic.discuss", before)


@transaction.atomic
def topic_comment(*, actor, topic, body: str) -> TopicComment:
    """Speak in the discussion (议事发言): residents of the community and its staff."""
    from yiwang.accounts.scope import access_or_404

    user = _user(actor)
    row = access_or_404(Topic.objects.all(), user=user, message="议题不存在。",
                        pk=getattr(topic, "pk", topic))  # fmt: skip
    open_states = (Topic.Status.PROPOSED, Topic.Status.DISCUSSING, Topic.Status.VOTING)
    _require_state(row, *open_states, what="发言")
    comment = TopicComment.objects.create(
        topic=row,
        author=user,
        body=geo.text(body, field="body", label="发言", max_length=2000, required=True),
    )
    audit_record(actor=user, action="party.topic.comment", target=row,
                 after={"comment": comment.pk})  # fmt: skip
    return comment


def eligible_count(topic: Topic, today: dt.date | None = None) -> int:
    """Residents of 18 or older (or households) registered in the community (人口库/房屋库)."""
    today = today or timezone.localdate()
    if topic.rule == Topic.Rule.HOUSEHOLD:
        return Household.objects.filter(grid__code__startswith=topic.region_code).count()
    return Person.objects.filter(
        grid__code__startswith=topic.region_code, birth_date__lte=adult_cutoff(today)
    ).count()


@transaction.atomic
def topic_open_voting(*, actor, topic, version, closes_at=None) -> Topic:
    """Put the topic to the vote (开始表决): the number of eligible voters is fixed now."""
    user = _user(actor)
    row = _lock(user, topic, version, what="发起表决")
    _require_state(row, Topic.Status.PROPOSED, Topic.Status.DISCUSSING, what="发起表决")
    now = timezone.now()
    if closes_at not in (None, ""):
        closes_at = geo.moment(closes_at, field="closes_at", label="表决截止时间")
        if closes_at <= now:
            raise ValidationFailed("表决截止时间须晚于现在。", fields={"closes_at": ["须是将来"]})
    count = eligible_count(row)
    if count == 0:
        raise Conflict(
            "人口库中没有该社区有表决权的居民（户），无法表决。", code=Code.INVALID_STATE
        )
    before = snapshot(row, TOPIC_FIELDS)
    row.status, row.voting_opened_at = Topic.Status.VOTING, now
    row.voting_closes_at, row.eligible_count = closes_at or None, count
    return _save(row, user, "party.topic.open_voting", before)


def _voter(user, topic: Topic) -> Person:
    """The adult person behind `user` living in the topic's community, or a clear refusal."""
    today = timezone.localdate()
    here = [p for p in people_of(user) if p.grid.code.startswith(topic.region_code)]
    if not here:
        raise Forbidden(
            "您不是本社区登记的居民（按手机号核对人口库），不能参加表决。", code=Code.NOT_ELIGIBLE
        )
    adults = [p for p in here if p.birth_date <= adult_cutoff(today)]
    if not adults:
        raise Forbidden("表决须年满十八周岁。", code=Code.NOT_ELIGIBLE)
    if len(adults) > 1:
        raise Forbidden(
            "该手机号对应多名登记居民，无法确认身份，请到社区核实。", code=Code.NOT_ELIGIBLE
        )
    person = adults[0]
    if topic.rule == Topic.Rule.HOUSEHOLD and person.household_id is None:
        raise Forbidden("您在人口库中没有户籍信息，不能参加一户一票表决。", code=Code.NOT_ELIGIBLE)
    return person


@transaction.atomic
def topic_vote(*, actor, topic, choice: str) -> Ballot:
    """Cast a vote (投票). One per person, or one per household under 一户一票: a second one is a
    409 (enforced by a unique constraint, so two at once cannot both count)."""
    from yiwang.accounts.scope import access_or_404

    user = _user(actor)
    row = access_or_404(Topic.objects.all(), user=user, message="议题不存在。",
                        pk=getattr(topic, "pk", topic))  # fmt: skip
    person = _voter(user, row)  # who may vote, before the ballot is read
    if choice not in Ballot.Choice.values:
        raise ValidationFailed(
            "请选择同意、反对或弃权。", fields={"choice": ["应为 agree、oppose 或 abstain"]}
        )
    _require_state(row, Topic.Status.VOTING, what="投票")
    if row.voting_closes_at and timezone.now() >= row.voting_closes_at:
        raise Conflict("表决已截止。", code=Code.VOTING_CLOSED)
    household = person.household_id if row.rule == Topic.Rule.HOUSEHOLD else None
    key = f"h{household}" if household else f"p{person.pk}"
    message = "本户已经投过票（一户一票）。" if household else "您已经投过票。"
    if Ballot.objects.filter(topic=row, ballot_key=key).exists():
        raise Conflict(message, code=Code.ALREADY_VOTED)
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(
                topic=row, voter=user, person=person, household_id=person.household_id,
                ballot_key=key, choice=choice,
            )  # fmt: skip
    except IntegrityError:
        raise Conflict(message, code=Code.ALREADY_VOTED)
    audit_record(actor=user, action="party.topic.vote", target=row,
                 after={"ballot": ballot.pk, "key": key})  # fmt: skip
    return ballot


def _paper(paper_votes) -> dict:
    """Votes cast on paper at the meeting (现场表决), entered by staff when the vote closes."""
    if paper_votes in (None, "", {}):
        return {}
    if not isinstance(paper_votes, dict) or set(paper_votes) - set(Ballot.Choice.values):
        raise ValidationFailed("现场票数格式不正确。", fields={"paper_votes": ["应为各选项票数"]})
    out = {}
    for key, value in paper_votes.items():
        n = geo.number(value, field=f"paper_votes.{key}", label="票数", low=0, high=10**6,
                       required=True)  # fmt: skip
        if n != int(n):
            raise ValidationFailed("票数须为整数。", fields={f"paper_votes.{key}": ["须为整数"]})
        out[key] = int(n)
    return out


def tally(topic: Topic, paper: dict | None = None) -> dict:
    """Online ballots plus the paper votes of the meeting. Quorum: more than `quorum_pct` % of
    the eligible took part; passed: agree more than `majority_pct` % of the votes cast
    (城市居民委员会组织法 第九条: 过半数出席, 出席人的过半数通过)."""
    paper = paper or {}
    counts = {c: paper.get(c, 0) for c in Ballot.Choice.values}
    for choice, n in topic.ballots.values_list("choice").annotate(n=Count("pk")):
        counts[choice] += n
    cast = sum(counts.values())
    eligible = topic.eligible_count
    quorum_met = cast * 100 > topic.quorum_pct * eligible
    passed = quorum_met and counts["agree"] * 100 > topic.majority_pct * cast
    return counts | {
        "cast": cast,
        "online": cast - sum(paper.values()),
        "paper": sum(paper.values()),
        "eligible": eligible,
        "turnout": round(cast / eligible, 4) if eligible else 0.0,
        "quorum_met": quorum_met,
        "passed": passed,
    }


@transaction.atomic
def topic_decide(*, actor, topic, version, paper_votes=None) -> Topic:
    """Close the vote and state the result (计票、公布结果), adding the paper votes of the
    meeting if any; more votes than eligible voters is refused."""
    user = _user(actor)
    row = _lock(user, topic, version, what="结束表决")
    _require_state(row, Topic.Status.VOTING, what="结束表决")
    before = snapshot(row, TOPIC_FIELDS)
    result = tally(row, _paper(paper_votes))
    if result["cast"] > row.eligible_count:
        raise ValidationFailed(
            f"总票数 {result['cast']} 超过有表决权的 {row.eligible_count}，请核对现场票数。",
            fields={"paper_votes": ["票数过多"]},
        )
    row.tally = result
    if not result["quorum_met"]:
        row.outcome = Topic.Outcome.NO_QUORUM
    else:
        row.outcome = Topic.Outcome.PASSED if result["passed"] else Topic.Outcome.REJECTED
    row.status, row.decided_at = Topic.Status.DECIDED, timezone.now()
    if row.outcome != Topic.Outcome.PASSED or not row.needs_action:
        row.done_at = row.decided_at
    return _save(row, user, "party.topic.decide", before, [*TOPIC_FIELDS, "tally"])


@transaction.atomic
def topic_follow_up(
    *, actor, topic, version, description: str, category=None, lon=None, lat=None,
    address: str = "",
) -> TopicAction:  # fmt: skip
    """Carry out a passed decision (议定事项落实): a work order, linked; the topic is 落实中
    until `topic_complete`. May be called again for more orders."""
    from yiwang.workorders.services import work_order_create

    user = _user(actor)
    row = _lock(user, topic, version, what="落实议定事项")
    _require_state(row, Topic.Status.DECIDED, Topic.Status.FOLLOWING_UP, what="落实")
    if row.outcome != Topic.Outcome.PASSED:
        raise Conflict("议题未通过，无需落实。", code=Code.INVALID_STATE)
    text = geo.text(description, field="description", label="落实事项", max_length=1000,
                    required=True)  # fmt: skip
    order = work_order_create(
        actor=user,
        description=f"【居民议事】{row.title}：{text}",
        lon=lon,
        lat=lat,
        address=address or row.community.name,
        category=category or None,
        location_required=False,
    )
    action = TopicAction.objects.create(topic=row, work_order=order)
    before = snapshot(row, TOPIC_FIELDS)
    row.status = Topic.Status.FOLLOWING_UP
    _save(row, user, "party.topic.follow_up", before)
    return action


FINISHED_ORDER_STATES = {"completed", "archived"}


@transaction.atomic
def topic_complete(*, actor, topic, version) -> Topic:
    """Mark the decision carried out (办结): every follow-up order handled."""
    user = _user(actor)
    row = _lock(user, topic, version, what="办结议题")
    _require_state(row, Topic.Status.FOLLOWING_UP, what="办结")
    open_orders = [
        a.work_order.code
        for a in row.actions.select_related("work_order")
        if a.work_order.status not in FINISHED_ORDER_STATES
    ]
    if open_orders:
        raise Conflict(f"落实工单尚未办完：{'、'.join(open_orders)}。", code=Code.ORDERS_OPEN)
    before = snapshot(row, TOPIC_FIELDS)
    row.status, row.done_at = Topic.Status.DONE, timezone.now()
    return _save(row, user, "party.topic.complete", before)
