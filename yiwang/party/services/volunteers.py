"""志愿服务 services: registration, teams (志愿服务队) and their members, activities, sign-up,
check-in, hours confirmed by the organiser, and the numbered record certificate.

民政部令第67号《志愿服务记录与证明出具办法（试行）》: records are kept by whoever
organised the service (谁记录谁证明), truthfully and in time; only confirmed hours count and
appear on the printed record."""

from __future__ import annotations

import datetime as dt
import decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yiwang.fieldwork import geo
from yiwang.party.models import (
    Activity,
    Signup,
    Volunteer,
    VolunteerCertificate,
    VolunteerTeam,
)
from yiwang.party.residents import people_of
from yiwang.party.services.alliance import ALLIANCE_ROLES, fetch_visible, region_code_of
from yiwang.party.services.common import is_staff_for

CHECK_IN_EARLY = dt.timedelta(hours=1)


def _login(actor):
    if actor is None or not actor.is_authenticated:
        raise Forbidden("请先登录。")
    return actor


@transaction.atomic
def volunteer_register(*, actor, skills: str = "", community=None) -> Volunteer:
    """Register as a volunteer (志愿者注册) in the community one lives in."""
    user = _login(actor)
    if Volunteer.objects.filter(user=user).exists():
        raise Conflict("您已注册为志愿者。", code="duplicate")
    person = people_of(user).first()
    code = region_code_of(community) if community else (person.grid.parent.code if person else "")
    if not code:
        raise ValidationFailed("请选择所在社区。", fields={"community": ["必填"]})
    volunteer = Volunteer.objects.create(
        user=user, person=person, region_code=code,
        skills=geo.text(skills, field="skills", label="服务特长", max_length=200),
    )  # fmt: skip
    audit_record(actor=user, action="party.volunteer.register", target=volunteer,
                 after={"community": code})  # fmt: skip
    return volunteer


def _require_community_staff(user, code: str, what: str) -> None:
    if not (user.is_superuser or (user.has_role(*ALLIANCE_ROLES) and is_staff_for(user, code))):
        raise Forbidden(f"只有社区工作人员可以{what}。")


@transaction.atomic
def team_create(*, actor, name: str, community, description: str = "") -> VolunteerTeam:
    """Found a volunteer team (成立志愿服务队) in a community of the staff member."""
    user = _login(actor)
    code = region_code_of(community)
    _require_community_staff(user, code, "成立志愿服务队")
    title = geo.text(name, field="name", label="服务队名称", max_length=100, required=True)
    if VolunteerTeam.objects.filter(region_code=code, name=title).exists():
        raise ValidationFailed("本社区已有同名服务队。", fields={"name": ["已存在同名服务队"]})
    team = VolunteerTeam.objects.create(
        name=title, region_code=code,
        description=geo.text(description, field="description", label="服务内容", max_length=200),
    )  # fmt: skip
    audit_record(actor=user, action="party.team.create", target=team,
                 after={"name": team.name, "community": code})  # fmt: skip
    return team


def _team_for_staff(user, team) -> VolunteerTeam:
    row = fetch_visible(VolunteerTeam, user, team, "服务队")
    _require_community_staff(user, row.region_code, "管理服务队")
    return row


@transaction.atomic
def team_member_add(*, actor, team, volunteer, leader: bool = False) -> Volunteer:
    """Put a registered volunteer of the community into the team (one team per volunteer: the
    last one wins), optionally as its 队长."""
    user = _login(actor)
    row = _team_for_staff(user, team)
    member = fetch_visible(Volunteer, user, volunteer, "志愿者")
    if not member.region_code.startswith(row.region_code[:9]):
        raise ValidationFailed(
            "志愿者不在本街道，不能加入该服务队。", fields={"volunteer": ["不在本街道"]}
        )
    before = member.team_id
    member.team = row
    member.save(update_fields=["team", "updated_at"])
    if leader:
        row.leader = member.user
        row.save(update_fields=["leader", "updated_at"])
    after = {"volunteer": member.pk, "from_team": before, "leader": bool(leader)}
    audit_record(actor=user, action="party.team.member_add", target=row, after=after)
    return member


@transaction.atomic
def team_member_remove(*, actor, team, volunteer) -> Volunteer:
    user = _login(actor)
    row = _team_for_staff(user, team)
    member = Volunteer.objects.filter(pk=getattr(volunteer, "pk", volunteer), team=row).first()
    if member is None:
        raise NotFound("该志愿者不在本服务队。")
    member.team = None
    member.save(update_fields=["team", "updated_at"])
    if row.leader_id == member.user_id:
        row.leader = None
        row.save(update_fields=["leader", "updated_at"])
    audit_record(actor=user, action="party.team.member_remove", target=row,
                 after={"volunteer": member.pk})  # fmt: skip
    return member


@transaction.atomic
def activity_create(*, actor, title: str, community, starts_at, ends_at, place: str = "",
                    capacity=20, team=None) -> Activity:  # fmt: skip
    """Publish an activity (发布志愿活动) of a community, optionally of one of its teams."""
    user = _login(actor)
    code = region_code_of(community)
    _require_community_staff(user, code, "发布志愿活动")
    team_row = _team_for_staff(user, team) if team not in (None, "") else None
    start = geo.moment(starts_at, field="starts_at", label="开始时间")
    end = geo.moment(ends_at, field="ends_at", label="结束时间")
    if end <= start or end - start > dt.timedelta(hours=24):
        raise ValidationFailed("结束时间须晚于开始时间，且活动不超过 24 小时。",
                               fields={"ends_at": ["时间不合理"]})  # fmt: skip
    activity = Activity.objects.create(
        title=geo.text(title, field="title", label="活动", max_length=100, required=True),
        region_code=code, organiser=user, starts_at=start, ends_at=end, team=team_row,
        place=geo.text(place, field="place", label="地点", max_length=200),
        capacity=int(geo.number(capacity, field="capacity", label="名额", low=1, high=10000,
                                required=True)),
    )  # fmt: skip
    audit_record(actor=user, action="party.activity.create", target=activity,
                 after={"title": activity.title, "starts_at": start})  # fmt: skip
    return activity


@transaction.atomic
def activity_signup(*, actor, activity) -> Signup:
    """Sign up (报名): registered volunteers, before the start, while places remain."""
    user = _login(actor)
    volunteer = Volunteer.objects.filter(user=user).first()
    if volunteer is None:
        raise Forbidden("请先注册为志愿者。", code="not_volunteer")
    row = (
        Activity.objects.select_for_update()
        .filter(pk=fetch_visible(Activity, user, activity, "活动").pk)
        .get()
    )
    if timezone.now() >= row.starts_at:
        raise Conflict("活动已开始，报名已截止。", code="closed")
    if row.signups.count() >= row.capacity:
        raise Conflict("名额已满。", code="full")
    try:
        with transaction.atomic():
            signup = Signup.objects.create(activity=row, volunteer=volunteer)
    except IntegrityError:
        raise Conflict("您已报名该活动。", code="duplicate")
    audit_record(actor=user, action="party.activity.signup", target=row,
                 after={"volunteer": volunteer.pk})  # fmt: skip
    return signup


def _signup_for_organiser(actor, signup) -> Signup:
    pk = getattr(signup, "pk", signup)
    row = Signup.objects.select_for_update().filter(pk=pk).select_related("activity").first()
    if row is None or row.activity.organiser_id != actor.pk:
        raise NotFound("报名记录不存在。")
    return row


@transaction.atomic
def signup_check_in(*, actor, signup, at=None) -> Signup:
    """The organiser checks a volunteer in on site (签到), from an hour before the start."""
    user = _login(actor)
    row = _signup_for_organiser(user, signup)
    now = geo.moment(at, field="at") if at else timezone.now()
    if not row.activity.starts_at - CHECK_IN_EARLY <= now <= row.activity.ends_at:
        raise Conflict("不在活动时间内，不能签到。", code="closed")
    if row.checked_in_at:
        raise Conflict("已签到。", code="duplicate")
    row.checked_in_at = now
    row.save(update_fields=["checked_in_at"])
    audit_record(actor=user, action="party.signup.check_in", target=row.activity,
                 after={"signup": row.pk, "at": now})  # fmt: skip
    return row


@transaction.atomic
def signup_confirm_hours(*, actor, signup, hours=None) -> Signup:
    """The organiser confirms the hours served (确认服务时长); without a figure, from the
    check-in to the end of the activity. No check-in, no hours; never more than that span."""
    user = _login(actor)
    row = _signup_for_organiser(user, signup)
    if row.checked_in_at is None:
        raise Conflict("该志愿者未签到，不能确认时长。", code="not_checked_in")
    if row.confirmed_at is not None:
        raise Conflict("时长已确认。", code="duplicate")
    span = (row.activity.ends_at - row.checked_in_at).total_seconds() / 3600
    value = span if hours in (None, "") else geo.number(
        hours, field="hours", label="服务时长", low=0.1, high=24, required=True
    )  # fmt: skip
    if value > span + 1e-9:
        raise ValidationFailed(f"服务时长不能超过签到至活动结束的 {span:.1f} 小时。",
                               fields={"hours": ["超过在场时间"]})  # fmt: skip
    row.hours = decimal.Decimal(f"{value:.1f}")
    row.confirmed_by, row.confirmed_at = user, timezone.now()
    row.save(update_fields=["hours", "confirmed_by", "confirmed_at"])
    audit_record(actor=user, action="party.signup.confirm_hours", target=row.activity,
                 after={"signup": row.pk, "hours": row.hours})  # fmt: skip
    return row


def volunteer_record(volunteer: Volunteer) -> dict:
    """The record of hours (志愿服务记录): confirmed services count; unconfirmed are listed
    apart and do not count."""
    rows = list(volunteer.signups.select_related("activity", "confirmed_by").order_by(
        "activity__starts_at"))  # fmt: skip
    confirmed = [s for s in rows if s.confirmed_at]
    return {
        "volunteer": volunteer,
        "confirmed": confirmed,
        "pending": [s for s in rows if not s.confirmed_at],
        "total_hours": sum((s.hours for s in confirmed), decimal.Decimal("0")),
    }


CERTIFICATE_SERIES = "party.volunteer_certificate"
CERTIFICATE_PREFIX = "志愿服务记录证明"


@transaction.atomic
def volunteer_certificate_issue(*, actor, volunteer=None) -> VolunteerCertificate:
    """Issue a numbered 志愿服务记录证明 (free, from the records: 民政部令第67号) for the signed-in
    volunteer, or for `volunteer` by the community's staff. Only confirmed hours are certified;
    with none confirmed there is nothing to certify (409). The rows are kept as issued."""
    from yiwang.core.numbering import formatted, issue_number

    user = _login(actor)
    if volunteer in (None, ""):
        row = Volunteer.objects.filter(user=user).first()
        if row is None:
            raise Forbidden("请先注册为志愿者。", code="not_volunteer")
    else:
        row = fetch_visible(Volunteer, user, volunteer, "志愿者")
        if row.user_id != user.pk:
            _require_community_staff(user, row.region_code, "出具志愿服务记录证明")
    record = volunteer_record(row)
    if not record["confirmed"]:
        raise Conflict("暂无组织者已确认的服务时长，无法出具证明。", code="nothing_confirmed")
    now = timezone.now()
    year = timezone.localdate(now).year
    number = formatted(CERTIFICATE_PREFIX, year, issue_number(CERTIFICATE_SERIES, year))
    rows = [
        {"date": timezone.localdate(s.activity.starts_at).isoformat(), "activity": s.activity.title,
         "place": s.activity.place, "hours": str(s.hours), "confirmed_by": str(s.confirmed_by),
         "confirmed_at": timezone.localtime(s.confirmed_at).strftime("%Y-%m-%d")}
        for s in record["confirmed"]
    ]  # fmt: skip
    cert = VolunteerCertificate.objects.create(
        volunteer=row, number=number, issued_at=now, issued_by=user,
        total_hours=record["total_hours"], rows=rows,
    )  # fmt: skip
    after = {"number": number, "hours": record["total_hours"], "rows": len(rows)}
    audit_record(actor=user, action="party.volunteer.certificate", target=cert, after=after)
    return cert
