"""Joint enforcement (1+5+N 联合执法): summons with an arrival deadline, 案情通报, 案件移送."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import Membership, OrgUnit, Role
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, Forbidden, ValidationFailed, check_version
from yiwang.core.workdays import TimeUnit, deadline_for
from yiwang.enforcement.errors import EnforcementErrorCode as E
from yiwang.enforcement.models import Case, DocumentKind, Referral, Summons
from yiwang.enforcement.services.cases import _lock, _require_case_officer, _save
from yiwang.enforcement.services.common import positive_int, record, text
from yiwang.enforcement.services.numbering import document_issue

S = Case.Stage
# The receipt of a referred case is expected within 3 working days (local rule, configurable
# default; no national figure).
REFERRAL_RECEIPT_WORKDAYS = 3


def _partners(codes) -> list[OrgUnit]:
    if not isinstance(codes, list | tuple) or not codes:
        raise ValidationFailed("请选择协同部门。", fields={"partners": ["至少一个"]})
    units = list(OrgUnit.objects.filter(code__in=[str(c) for c in codes]))
    missing = sorted(set(map(str, codes)) - {u.code for u in units})
    if missing:
        raise ValidationFailed(
            f"没有这些部门：{'、'.join(missing)}。", fields={"partners": missing}
        )
    return units


def _notify(units, *, title: str, body: str, link: str, actor) -> None:
    from yiwang.accounts.models import User
    from yiwang.notifications.services import notify

    users = User.objects.filter(memberships__org_unit__in=units, is_active=True).distinct()
    notify(recipients=list(users), kind="assist", title=title, body=body, link=link, actor=actor)


@transaction.atomic
def case_summon(*, actor, case, version, partners, minutes=None, hours=None, note="",
                kind="summon") -> list[Summons]:  # fmt: skip
    """召集 partner departments to the case (吹哨报到 of 综合执法), each with an arrival
    deadline in minutes or hours; or, with kind="bulletin", a 案情通报 without arrival."""
    case = _lock(case, version)
    if not case.is_open:
        raise Conflict("案件已结案，不能召集或通报。", code=E.WRONG_STAGE)
    _require_case_officer(actor, case)
    units = _partners(partners)
    note = text(note, field="note", label="事由")
    now = timezone.now()
    arrive_by = None
    if kind == "summon":
        if minutes not in (None, ""):
            limit = positive_int(minutes, field="minutes", label="到场时限（分钟）", high=24 * 60)
            arrive_by = deadline_for(now, limit, TimeUnit.MINUTES)
        elif hours not in (None, ""):
            limit = positive_int(hours, field="hours", label="到场时限（小时）", high=72)
            arrive_by = deadline_for(now, limit, TimeUnit.HOURS)
        else:
            raise ValidationFailed("请填写到场时限（分钟或小时）。", fields={"minutes": ["必填"]})
    elif kind != "bulletin":
        raise ValidationFailed("类型应为 summon 或 bulletin。", fields={"kind": ["不正确"]})
    rows = [
        Summons.objects.create(
            case=case,
            partner=u,
            kind=kind,
            note=note,
            arrive_by=arrive_by,
            status=Summons.Status.SUMMONED,
        )  # fmt: skip
        for u in units
    ]
    _save(case, [])
    label = "联合执法召集" if kind == "summon" else "案情通报"
    when = f"，请于 {timezone.localtime(arrive_by):%H:%M} 前到场" if arrive_by else ""
    _notify(units, title=f"{label}：{case.code}{when}", body=note,
            link=f"/enforcement/cases/{case.pk}/", actor=actor)  # fmt: skip
    record(case, actor=actor, action=kind, from_stage=case.stage, at=now, note=note,
           data={"partners": [u.name for u in units], "arrive_by": arrive_by})  # fmt: skip
    return rows


SUMMONS_STEPS = {
    "acknowledge": (Summons.Status.SUMMONED, Summons.Status.ACKNOWLEDGED, "acknowledged_at"),
    "arrive": (Summons.Status.ACKNOWLEDGED, Summons.Status.ARRIVED, "arrived_at"),
    "done": (Summons.Status.ARRIVED, Summons.Status.DONE, None),
}


def staff_unit_ids(user):
    """The org units the user works in: a resident's membership of a unit says where they live,
    not that they answer that unit's 召集."""
    return (
        Membership.objects.filter(user_id=user.pk).exclude(role=Role.RESIDENT).values("org_unit_id")
    )


@transaction.atomic
def summons_step(*, actor, summons, version, action: str, note: str = "") -> Summons:
    """A partner's answer: acknowledge (响应) → arrive (到场) → done (what it did)."""
    if action not in SUMMONS_STEPS:
        raise ValidationFailed(
            "操作应为 acknowledge、arrive 或 done。", fields={"action": ["不正确"]}
        )
    summons = Summons.objects.select_for_update().get(pk=summons.pk)
    check_version(summons, version)
    if not Summons.objects.filter(pk=summons.pk, partner_id__in=staff_unit_ids(actor)).exists():
        raise Forbidden("只有被召集部门的人员可以响应。")
    before, after, stamp = SUMMONS_STEPS[action]
    if summons.kind == "bulletin" and action != "acknowledge":
        raise Conflict("案情通报只需响应，无需到场。", code=E.WRONG_STAGE)
    if summons.status != before:
        raise Conflict(
            f"当前状态为“{summons.get_status_display()}”，不能{action}。", code=E.WRONG_STAGE
        )
    now = timezone.now()
    summons.status = after
    fields = ["status", "updated_at"]
    if stamp:
        setattr(summons, stamp, now)
        fields.append(stamp)
    if action == "done":
        summons.action_taken = text(note, field="note", label="处置情况")
        fields.append("action_taken")
    summons.bump_version(fields=fields)
    audit_record(actor=actor, action=f"enforcement.summons.{action}", target=summons,
                 after={"status": after, "case": summons.case_id})  # fmt: skip
    return summons


@transaction.atomic
def case_refer(*, actor, case, version, authority: str, reason: str) -> Case:
    """案件移送 to another authority (not ours to punish, or a crime: Art. 27), with the
    移送函 numbered and a receipt expected within REFERRAL_RECEIPT_WORKDAYS working days."""
    case = _lock(case, version)
    from yiwang.enforcement.services.cases import _require_stage

    _require_stage(case, [S.CLUE, S.INVESTIGATING, S.INVESTIGATED], "移送")
    _require_case_officer(actor, case)
    now = timezone.now()
    referral = Referral.objects.create(
        case=case,
        authority=text(authority, field="authority", label="接收机关", max_length=100),
        reason=text(reason, field="reason", label="移送理由"),
        receipt_due=deadline_for(now, REFERRAL_RECEIPT_WORKDAYS, TimeUnit.WORK_DAYS),
    )
    from_stage = case.stage
    case.stage = S.REFERRED
    _save(case, ["stage"])
    doc = document_issue(actor=actor, case=case, kind=DocumentKind.TRANSFER, at=now)
    record(case, actor=actor, action="refer", from_stage=from_stage, at=now, note=referral.reason,
           data={"authority": referral.authority, "number": doc.number,
                 "receipt_due": referral.receipt_due})  # fmt: skip
    return case


@transaction.atomic
def referral_receipt(*, actor, referral, note: str = "", received_at=None) -> Referral:
    """The receiving authority's 回执, recorded by the officer."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    _require_case_officer(actor, referral.case)
    if referral.received_at:
        raise Conflict("回执已登记。", code=E.WRONG_STAGE)
    referral.received_at = received_at or timezone.now()
    referral.receipt_note = text(
        note, field="note", label="回执说明", required=False, max_length=200
    )
    referral.save(update_fields=["received_at", "receipt_note", "updated_at"])
    late = referral.received_at > referral.receipt_due
    audit_record(actor=actor, action="enforcement.referral.receipt", target=referral,
                 after={"late": late})  # fmt: skip
    return referral


def arrival_overdue(summons: Summons, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return bool(summons.arrive_by and summons.arrived_at is None and now > summons.arrive_by)
