"""党组织、党员、三会一课 services: the organisation tree bound to org units and grids, members
from the 人口库, transfers with history, meetings."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import Role
from yiwang.basedata.models import Person
from yiwang.core.audit import acting_user, audit_record, snapshot
from yiwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed, check_version
from yiwang.fieldwork import geo
from yiwang.party.models import BranchMeeting, MemberTransfer, PartyMember, PartyOrganisation
from yiwang.party.services.common import _user, is_staff_for

ORG_ROLES = {Role.ADMIN, Role.LEADER, Role.PARTY_SPECIALIST}


def _require_org_staff(actor, region_code: str) -> None:
    if actor is None:
        return
    user = _user(actor)
    if not user.has_role(*ORG_ROLES) or not is_staff_for(user, region_code):
        raise Forbidden("只有党群工作人员可以维护党组织信息。")


def _org(actor, value, field: str) -> PartyOrganisation:
    pk = getattr(value, "pk", value)
    qs = (
        PartyOrganisation.objects.all()
        if actor is None
        else PartyOrganisation.objects.visible_to(actor)
    )
    try:
        row = qs.filter(pk=int(pk), is_active=True).first()
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise ValidationFailed("党组织不存在。", fields={field: ["未找到"]})
    return row


def _past_date(value, *, field: str, label: str) -> dt.date:
    """A date typed on a page (YYYY-MM-DD) or given as a date: required, not in the future."""
    from django.utils.dateparse import parse_date

    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    if not isinstance(value, dt.date):
        try:
            value = parse_date(str(value or "").strip()[:10])
        except ValueError:
            value = None
    if value is None:
        raise ValidationFailed(f"请填写{label}（年-月-日）。", fields={field: ["请填写日期"]})
    if value > timezone.localdate():
        raise ValidationFailed(f"{label}不能晚于今天。", fields={field: ["不能是将来"]})
    return value


@transaction.atomic
def organisation_create(
    *, actor, name: str, kind: str, parent=None, grid=None, org_unit=None,
    term_started_on: dt.date | None = None, term_years: int | None = None,
) -> PartyOrganisation:  # fmt: skip
    """Create a node of the tree (成立党组织), bound to a grid (网格党支部) and/or an org unit."""
    from yiwang.grids.models import Region

    if kind not in PartyOrganisation.Kind.values:
        raise ValidationFailed("党组织类型无效。", fields={"kind": ["类型无效"]})
    parent_row = _org(actor, parent, "parent") if parent not in (None, "") else None
    region = None
    if grid not in (None, ""):
        region = Region.objects.filter(code=getattr(grid, "code", grid)).first()
        if region is None:
            raise ValidationFailed("网格不存在。", fields={"grid": ["未找到"]})
    code = region.code if region else (getattr(org_unit, "region_code", "") or
                                       (parent_row.region_code if parent_row else ""))  # fmt: skip
    if not code:
        raise ValidationFailed("请指定网格、单位或上级党组织。", fields={"grid": ["必填其一"]})
    _require_org_staff(actor, code)
    if term_started_on not in (None, ""):
        term_started_on = _past_date(term_started_on, field="term_started_on", label="任期开始")
    else:
        term_started_on = None
    community = region is not None or getattr(org_unit, "kind", "") == "community"
    org = PartyOrganisation.objects.create(
        name=geo.text(name, field="name", label="名称", max_length=100, required=True),
        kind=kind, parent=parent_row, grid=region, org_unit=org_unit, region_code=code,
        term_started_on=term_started_on,
        term_years=term_years or (5 if community else 3),  # 村、社区5年，其他3年
    )  # fmt: skip
    audit_record(actor=actor, action="party.organisation.create", target=org,
                 after=snapshot(org, ["name", "kind", "parent", "region_code"]))  # fmt: skip
    return org


@transaction.atomic
def member_add(
    *, actor, person, organisation, joined_on: dt.date, status: str = "full",
    post: str = "member", is_mobile: bool = False,
) -> PartyMember:  # fmt: skip
    """Register a person of the 人口库 as a party member of an organisation."""
    org = _org(actor, organisation, "organisation")
    _require_org_staff(actor, org.region_code)
    person_row = Person.objects.filter(pk=getattr(person, "pk", person)).first()
    if person_row is None:
        raise ValidationFailed("人口库中没有此人。", fields={"person": ["未找到"]})
    if status not in PartyMember.Status.values or post not in PartyMember.Post.values:
        raise ValidationFailed("党员类别或职务无效。", fields={"status": ["无效"]})
    joined_on = _past_date(joined_on, field="joined_on", label="入党日期")
    if PartyMember.objects.filter(person=person_row).exists():
        raise Conflict("此人已登记为党员。", code="duplicate")
    member = PartyMember.objects.create(
        person=person_row, organisation=org, region_code=org.region_code, joined_on=joined_on,
        status=status, post=post, is_mobile=bool(is_mobile),
    )  # fmt: skip
    after = snapshot(member, ["organisation", "status", "post", "is_mobile"])
    audit_record(actor=actor, action="party.member.add", target=member, after=after)
    return member


@transaction.atomic
def member_transfer(*, actor, member, version, to, reason: str) -> PartyMember:
    """Transfer a member to another organisation (组织关系转接), with history."""
    from yiwang.accounts.scope import access_or_404

    pk = getattr(member, "pk", member)
    access_or_404(PartyMember.objects.all(), user=actor, message="党员不存在。", pk=pk)
    row = PartyMember.objects.select_for_update().get(pk=pk)
    _require_org_staff(actor, row.region_code)  # the role gate before the body is read
    check_version(row, version)
    target = _org(actor, to, "to")
    if target.pk == row.organisation_id:
        raise ValidationFailed("转入党组织与现所在党组织相同。", fields={"to": ["相同"]})
    text = geo.text(reason, field="reason", label="转接原因", max_length=200, required=True)
    MemberTransfer.objects.create(member=row, from_organisation_id=row.organisation_id,
                                  to_organisation=target, reason=text, actor=actor)  # fmt: skip
    before = snapshot(row, ["organisation", "region_code"])
    row.organisation, row.region_code = target, target.region_code
    row.bump_version(fields=["organisation", "region_code"])
    audit_record(actor=actor, action="party.member.transfer", target=row, before=before,
                 after=snapshot(row, ["organisation", "region_code"]), note=text)  # fmt: skip
    return row


@transaction.atomic
def meeting_record(
    *, actor, organisation, kind: str, held_on, subject: str, attendees=0
) -> BranchMeeting:
    """Record a 三会一课 meeting of an organisation (the one in the path: one the actor cannot
    see is not found, 404)."""
    try:
        org = _org(actor, organisation, "organisation")
    except ValidationFailed:
        raise NotFound("党组织不存在。")
    _require_org_staff(actor, org.region_code)
    if kind not in BranchMeeting.Kind.values:
        raise ValidationFailed("会议类型无效。", fields={"kind": ["类型无效"]})
    held_on = _past_date(held_on, field="held_on", label="会议日期")
    count = geo.number(attendees, field="attendees", label="出席人数", low=0, high=10000,
                       required=False) or 0  # fmt: skip
    meeting = BranchMeeting.objects.create(
        organisation=org, kind=kind, held_on=held_on, attendees=int(count),
        subject=geo.text(subject, field="subject", label="主题", max_length=200, required=True),
        recorded_by=acting_user(actor),
    )  # fmt: skip
    audit_record(actor=actor, action="party.meeting.record", target=org,
                 after={"meeting": meeting.pk, "kind": kind, "held_on": held_on})  # fmt: skip
    return meeting


MEMBER_LOOKUP_PURPOSE = "党员信息录入：按身份证号从人口库带出人员"


@transaction.atomic
def member_register(
    *, actor, id_number: str, organisation, joined_on, status: str = "full",
    post: str = "member", is_mobile: bool = False,
) -> PartyMember:  # fmt: skip
    """The party office enters a member from a desk (党员信息录入): the person is found in the
    人口库 by ID number (basedata's audited exact search, purpose recorded), then registered
    in the organisation with the party data."""
    from yiwang.basedata.services import person_search

    org = _org(actor, organisation, "organisation")
    _require_org_staff(actor, org.region_code)
    if not str(id_number or "").strip():
        raise ValidationFailed("请填写身份证号。", fields={"id_number": ["必填"]})
    try:
        found = person_search(
            actor=actor, field="id_number", value=id_number, purpose=MEMBER_LOOKUP_PURPOSE
        )
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, fields={"id_number": list(exc.fields.values())[0]
                                                    if exc.fields else [exc.message]})  # fmt: skip
    if not found:
        raise ValidationFailed(
            "人口库中没有此身份证号的人员，请先在人口库登记。",
            fields={"id_number": ["人口库中未找到"]},
        )
    return member_add(actor=actor, person=found[0], organisation=org, joined_on=joined_on,
                      status=status, post=post, is_mobile=is_mobile)  # fmt: skip
