"""志愿服务 services: registration, activities, sign-up, check-in and hours confirmed by the
organiser. 民政部令第67号《志愿服务记录与证明出具办法（试行）》: records are kept by whoever
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
from yiwang.party.alliance import ALLIANCE_ROLES, fetch_visible, region_code_of
from yiwang.party.models import Activity, Signup, Volunteer
from yiwang.party.residents import people_of
from yiwang.party.services import is_staff_for

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


@transaction.atomic
def activity_create(*, actor, title: str, community, starts_at, ends_at, place: str = "",
                    capacity=20) -> Activity:  # fmt: skip
    user = _login(actor)
    code = region_code_of(community)
    if not (user.has_role(*ALLIANCE_ROLES) and is_staff_for(user, code)):
        raise Forbidden("只有社区工作人员可以发布志愿活动。")
    start = geo.moment(starts_at, field="starts_at", label="开始时间")
    end = geo.moment(ends_at, field="ends_at", label="结束时间")
    if end <= start or end - start > dt.timedelta(hours=24):
        raise ValidationFailed("结束时间须晚于开始时间，且活动不超过 24 小时。",
                               fields={"ends_at": ["时间不合理"]})  # fmt: skip
    activity = Activity.objects.create(
        title=geo.text(title, field="title", label="活动", max_length=100, required=True),
        region_code=code, organiser=user, starts_at=start, ends_at=end,
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
