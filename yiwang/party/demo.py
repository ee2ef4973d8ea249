"""Demo 居民议事厅 and 四色网格 of 唯亭街道. Idempotent; runs after fieldwork's demo.

- The demo `resident` (刘居民, phone 13900000000) is registered in the 人口库 in the demo grid
  worker's grid, so they live in that community and can vote there.
- That community has one topic in each state: 已提议, 讨论中, 表决中 (open for `resident`),
  已表决 (未通过, with the meeting's paper votes), 落实中 (a work order under way) and 已办结.
- Four colour rules and the colours of every grid for last month and this month.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.basedata.models import Household, Person
from yiwang.party.models import ColourRule, Topic
from yiwang.party.residents import people_of
from yiwang.party.services import (
    colour_rule_save,
    grid_colours_compute,
    topic_comment,
    topic_complete,
    topic_decide,
    topic_follow_up,
    topic_open_discussion,
    topic_open_voting,
    topic_propose,
    topic_vote,
)

RESIDENT_ID = "32058219780315201"  # + check digit; synthetic, belongs to nobody
RULES = [
    ("red", "重点关注", 1, [{"fact": "overdue_share", "op": ">", "value": 0.2}]),
    ("yellow", "走访不足", 2, [{"fact": "visit_coverage", "op": "<", "value": 0.5}]),
    ("blue", "诉求在办", 3, [{"fact": "orders_reported", "op": ">=", "value": 1}]),
    ("green", "运行良好", 9, []),
]


def _resident_person(resident: User) -> Person | None:
    from yiwang.basedata.services import person_create
    from yiwang.core.validators import id_check_digit

    person = people_of(resident).first()
    if person is not None:
        return person
    zhuanyuan = User.objects.filter(username="zhuanyuan").first()
    assignment = getattr(zhuanyuan, "household_assignments", None)
    first = assignment.select_related("household").first() if assignment is not None else None
    household = first.household if first else Household.objects.order_by("pk").first()
    if household is None:
        return None
    return person_create(
        actor=None, name="刘居民", id_number=RESIDENT_ID + id_check_digit(RESIDENT_ID),
        grid=household.grid.code, phone=resident.phone, household=household, relation="other",
    )  # fmt: skip


def load(stdout) -> None:
    if Topic.objects.exists():
        stdout.write("党建：演示数据已存在，跳过。")
        return
    resident = User.objects.filter(username="resident").first()
    staff = (
        User.objects.filter(username="zhuanyuan").first()
        or User.objects.filter(username="leader").first()
    )
    if resident is None or staff is None:
        stdout.write("党建：演示账号尚未载入，跳过。")
        return
    with transaction.atomic():
        person = _resident_person(resident)
        if person is None:
            stdout.write("党建：演示人口库为空，跳过议事厅。")
        else:
            _topics(resident, staff, person.grid.parent)
            orgs, members = _organisations(person.grid.parent)
            _alliance(person.grid.parent, resident)
            _volunteers(person.grid.parent, resident, staff)
        n = _colours()
    stdout.write(
        f"党建：议事厅议题 {Topic.objects.count()} 个；四色网格 {n} 个网格（上月与本月）；"
        f"党组织 {orgs} 个、党员 {members} 名"
    )


def _topics(resident, staff, community) -> None:
    def propose(actor, title, body, **kw):
        return topic_propose(actor=actor, community=community.code, title=title, body=body, **kw)

    def to_voting(topic):
        topic = topic_open_discussion(actor=staff, topic=topic, version=topic.version)
        return topic_open_voting(actor=staff, topic=topic, version=topic.version)

    propose(resident, "小区增设电动自行车集中充电棚", "楼道里充电太危险，建议在3幢旁空地建充电棚。")
    t = propose(
        staff,
        "老旧小区改造方案征求意见",
        "改造内容：雨污分流、外墙保温、增设停车位，请大家提意见。",
    )
    t = topic_open_discussion(actor=staff, topic=t, version=t.version)
    topic_comment(actor=resident, topic=t, body="希望先做雨污分流，夏天一下雨就积水。")
    topic_comment(actor=staff, topic=t, body="已记录，社区将汇总意见后报街道。")
    to_voting(propose(staff, "1幢是否加装电梯", "加装电梯需本幢居民同意，费用按楼层分摊。"))
    t = to_voting(propose(staff, "小区广场舞时间调整为19:00-20:30", "部分居民反映噪声扰民。"))
    third = t.eligible_count // 3
    topic_decide(actor=staff, topic=t, version=t.version,
                 paper_votes={"agree": third // 2, "oppose": third, "abstain": 5})  # fmt: skip
    t = to_voting(
        propose(staff, "整治小区门口机动车乱停放", "高峰时段门口堵塞，建议施划停车位并劝离。")
    )
    topic_vote(actor=resident, topic=t, choice="agree")
    t.refresh_from_db()
    half = t.eligible_count // 2 + 1
    t = topic_decide(actor=staff, topic=t, version=t.version,
                     paper_votes={"agree": half, "oppose": 20})  # fmt: skip
    topic_follow_up(actor=staff, topic=t, version=t.version,
                    description="小区门口机动车乱停放，请执法局劝离并施划停车位", category="09009",
                    lon=120.78, lat=31.37)  # fmt: skip
    t = to_voting(propose(staff, "清理楼道堆放杂物", "消防通道堆放杂物，建议统一清理。"))
    t = topic_decide(actor=staff, topic=t, version=t.version,
                     paper_votes={"agree": t.eligible_count // 2 + 10})  # fmt: skip
    action = topic_follow_up(actor=staff, topic=t, version=t.version,
                             description="组织清理楼道堆放杂物", category="09009",
                             lon=120.78, lat=31.37)  # fmt: skip
    _finish_order(action.work_order)
    t.refresh_from_db()
    topic_complete(actor=staff, topic=t, version=t.version)


def _organisations(community) -> tuple[int, int]:
    """党工委 → the community's 区域联合党委 → a 党支部 per grid with people (one too small,
    one with its term running out), a 党员行动组; members from the 人口库; a few 三会一课."""
    from yiwang.accounts.demo import STREET
    from yiwang.accounts.models import OrgUnit
    from yiwang.grids.models import Region
    from yiwang.party.services import meeting_record, member_add, organisation_create

    today = timezone.localdate()
    street = OrgUnit.objects.get(code=STREET[0])
    unit = OrgUnit.objects.filter(region_code=community.code).first()
    top = organisation_create(actor=None, name="唯亭街道党工委", kind="working_committee",
                              org_unit=street, term_started_on=dt.date(2024, 1, 10))  # fmt: skip
    joint = organisation_create(actor=None, name=f"{community.name}区域联合党委",
                                kind="joint_committee", parent=top, org_unit=unit,
                                term_started_on=dt.date(2024, 3, 1))  # fmt: skip
    organisation_create(actor=None, name=f"{community.name}党员行动组", kind="action_group",
                        parent=joint, org_unit=unit)  # fmt: skip
    grids = Region.objects.filter(parent=community, level="grid", people__isnull=False)
    count, members = 3, 0
    for i, grid in enumerate(grids.distinct().order_by("code")):
        started = today - dt.timedelta(days=365 * 5 - 45) if i == 1 else dt.date(2023, 4, 1)
        branch = organisation_create(actor=None, name=f"{grid.name}党支部", kind="branch",
                                     parent=joint, grid=grid, term_started_on=started)  # fmt: skip
        count += 1
        size = 2 if i == 2 else 5 + i % 4
        adults = Person.objects.filter(grid=grid, birth_date__lte=dt.date(1995, 1, 1))
        for k, person in enumerate(adults.order_by("pk")[:size]):
            member_add(
                actor=None,
                person=person,
                organisation=branch,
                joined_on=dt.date(1990 + k * 3, 7, 1),
                post="secretary" if k == 0 else "member",
                status="probationary" if k == size - 1 and size > 3 else "full",
                is_mobile=k == 1,
            )
            members += 1
        if i != 2:
            for kind, days in (("committee", 12), ("assembly", 40), ("group", 20), ("lecture", 60)):
                meeting_record(actor=None, organisation=branch, kind=kind,
                               held_on=today - dt.timedelta(days=days + i * 9),
                               subject="学习贯彻党的创新理论", attendees=size)  # fmt: skip
    return count, members


def _alliance(community, resident) -> None:
    """Three alliance units (from the 法人库 of the community when there are any), projects
    under way, and 微心愿 open, claimed and fulfilled."""
    from yiwang.basedata.models import LegalEntity
    from yiwang.party.services import alliance

    entities = list(
        LegalEntity.objects.filter(grid__code__startswith=community.code).order_by("pk")[:3]
    )
    offers = [["每月一次助老理发", "提供党员活动室"], ["免费法律咨询"], ["助学结对两名学生"]]
    units = []
    for i, commitments in enumerate(offers):
        entity = entities[i] if i < len(entities) else None
        units.append(
            alliance.alliance_unit_register(
                actor=None,
                name="" if entity else f"共建单位{i + 1}",
                uscc=entity.uscc if entity else "",
                community=community.code,
                commitments=commitments,
            )
        )
    for unit, (title, pct, people) in zip(
        units,
        [("银发助餐", 60, 120), ("法律明白人培训", 100, 45), ("七彩课堂", 20, 12)],
        strict=True,
    ):
        project = alliance.project_create(actor=None, unit=unit, title=title)
        alliance.project_progress(
            actor=None, project=project, version=project.version, progress_pct=pct,
            beneficiaries=people, note="阶段进展",
        )  # fmt: skip
    wishes = [alliance.wish_post(actor=resident, title=t) for t in
              ("想要一台助听器", "楼道装一盏感应灯", "孩子暑期有人辅导功课")]  # fmt: skip
    claimed = alliance.wish_claim(actor=None, wish=wishes[1], version=wishes[1].version,
                                  unit=units[0])  # fmt: skip
    alliance.wish_claim(actor=None, wish=wishes[2], version=wishes[2].version, unit=units[2])
    alliance.wish_fulfil(actor=None, wish=claimed, version=claimed.version, note="已安装")


def _volunteers(community, resident, staff) -> None:
    """`resident` registered as a volunteer and signed up for next Saturday's activity."""
    from yiwang.party.models import VolunteerTeam
    from yiwang.party.services import volunteers

    VolunteerTeam.objects.get_or_create(name="五老议事志愿服务队", region_code=community.code)
    volunteers.volunteer_register(actor=resident, skills="理发、陪聊")
    today = timezone.localdate()
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    start = timezone.make_aware(dt.datetime.combine(saturday, dt.time(9)))
    activity = volunteers.activity_create(
        actor=staff, title="敬老院陪伴理发", community=community.code, starts_at=start,
        ends_at=start + dt.timedelta(hours=3), place="社区日间照料中心", capacity=15,
    )  # fmt: skip
    volunteers.activity_signup(actor=resident, activity=activity)


def _finish_order(order) -> None:
    from yiwang.workorders.services import work_order_accept, work_order_complete

    handler = User.objects.filter(username="zhifa").first()
    if handler is None or order.status != "dispatched":
        return
    order = work_order_accept(actor=handler, order=order, version=order.version)
    work_order_complete(actor=handler, order=order, version=order.version,
                        note="已组织物业清理完毕", no_photo_reason="演示数据")  # fmt: skip


def _colours() -> int:
    if not ColourRule.objects.exists():
        for colour, label, priority, conditions in RULES:
            colour_rule_save(actor=None, colour=colour, label=label, priority=priority,
                             conditions=conditions)  # fmt: skip
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    grid_colours_compute(actor=None, month=last_month)
    return grid_colours_compute(actor=None, month=this_month)
