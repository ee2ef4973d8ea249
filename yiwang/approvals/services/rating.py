"""好差评 (一事一评) and 差评整改: a bad rating opens a rectification for the unit that owns the
rated step; the street's local limits (CenterPolicy)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django_fsm import TransitionNotAllowed

from yiwang.accounts.models import OrgUnit, Role
from yiwang.approvals.errors import ApprovalErrorCode as E
from yiwang.approvals.models import (
    Application,
    ApplicationStep,
    CenterPolicy,
    RatedStage,
    Rating,
    RatingLevel,
    Rectification,
    RectificationFollowUp,
)
from yiwang.approvals.permissions import _memberships, is_clerk_of, streets_of
from yiwang.approvals.services.common import (
    _CORE,
    A,
    S,
    _locked,
    _now,
    _one_of,
    _Problems,
    _Recorder,
    _refuse,
    _require_top,
    _save,
    _unit,
    add_workdays,
    policy_for,
)
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, Forbidden, ValidationFailed, check_version


def _window_unit(street_id: int, clerk_id: int | None) -> int:
    """The unit of the window (综窗) of a street: where the clerk who acted holds the window
    role (为民服务中心, or the street itself), else any window unit of the street."""
    from yiwang.accounts.models import Membership

    rows = Membership.objects.filter(role=Role.WINDOW_CLERK).filter(
        Q(org_unit_id=street_id) | Q(org_unit__parent_id=street_id)
    )
    for candidates in (rows.filter(user_id=clerk_id) if clerk_id else rows.none(), rows):
        units = set(candidates.values_list("org_unit_id", flat=True))
        if units:
            return min(units - {street_id}, default=street_id)
    return street_id


def _rated_step(app: Application, step, *, bad: bool) -> tuple[str, ApplicationStep | None, int]:
    """(stage, review step, owning unit) of what a rating judges: the window for acceptance
    and hand-over, the step's department for a review step (一次一评). A 差评 of a 一件事 must
    name the step; one of a single item without a named step goes to the department that
    decided it (its last acted review step), a refusal to accept to the window."""
    value = str(step or "").strip()
    if value == RatedStage.ACCEPT:
        return RatedStage.ACCEPT, None, _window_unit(app.street_id, app.accepted_by_id)
    if value == RatedStage.DELIVER:
        return RatedStage.DELIVER, None, _window_unit(app.street_id, app.delivered_by_id)
    acted = ApplicationStep.objects.filter(
        Q(application_id=app.pk) | Q(application__parent_id=app.pk),
        state__in=[ApplicationStep.State.APPROVED, ApplicationStep.State.DENIED],
    ).order_by("-acted_at", "-id")
    if value:
        chosen = acted.filter(pk=int(value)).first() if value.isdigit() else None
        if chosen is None:
            raise ValidationFailed(
                "请从列出的环节中选择要评价的环节。", fields={"step": ["不是本办件已办理的环节"]}
            )
        return RatedStage.REVIEW, chosen, chosen.department_id
    if app.status == S.REJECTED:
        return RatedStage.ACCEPT, None, _window_unit(app.street_id, app.accepted_by_id)
    if bad and app.kind == A.Kind.BUNDLE:
        raise ValidationFailed(
            "请选择不满意的环节（窗口受理、各部门审查或出件），以便转给负责的部门整改。",
            fields={"step": ["请选择不满意的环节"]},
        )
    last = acted.first()
    if last is not None:
        return RatedStage.REVIEW, last, last.department_id
    return "", None, app.department_id


@transaction.atomic
def application_rate(
    *, actor, application: Application, version, level, comment: str = "", step=None
) -> Rating:
    """一事一评: the applicant rates once after delivery (or a refusal to accept), naming the
    step judged when they wish (`step`: "accept", "deliver" or a review step's id). A 差评 (the
    two lowest levels) opens a rectification for the unit that owns that step (the window for
    acceptance and hand-over, the reviewing department for a review step) with a deadline of
    `CenterPolicy.rectify_workdays` working days (default 5)."""
    app = _locked(
        application,
        only=(*_CORE, "applicant", "department", "accepted_by", "delivered_by"),
    )
    _require_top(app)
    is_applicant = app.applicant_id is not None and actor.pk == app.applicant_id
    on_behalf = app.applicant_id is None and is_clerk_of(actor, app.street_id)
    if not (is_applicant or on_behalf):
        raise Forbidden("只有申请人本人可以评价。", code=E.NOT_APPLICANT)
    check_version(app, version)
    if Rating.objects.filter(application=app).exists():
        raise Conflict("该办件已经评价过，每件只能评价一次。", code=E.ALREADY_RATED)
    if app.status not in (S.DELIVERED, S.REJECTED):
        raise Conflict("办件出件后才能评价。", code=E.WRONG_STATE, fields={"status": [app.status]})
    try:
        level = int(level)
    except (TypeError, ValueError):
        level = 0
    if level not in RatingLevel.values:
        raise ValidationFailed(
            "评价等级须为 1～5（非常不满意～非常满意）。", fields={"level": ["1～5"]}
        )
    comment = (comment or "").strip()
    problems = _Problems()
    if level <= RatingLevel.DISSATISFIED and not comment:
        problems.collect(
            _refuse, "差评请写明不满意的原因，以便整改。", "comment", "请写明不满意的原因"
        )
    rated = problems.collect(_rated_step, app, step, bad=level <= RatingLevel.DISSATISFIED)
    problems.raise_any()
    stage, rated_step, owner_unit = rated
    now = _now()
    try:
        rating = Rating.objects.create(
            application=app,
            level=level,
            comment=comment[:2000],
            rated_by=actor,
            channel="online" if is_applicant else "window",
            stage=stage,
            step=rated_step,
            created_at=now,
        )
    except IntegrityError:  # a concurrent rating won: the transaction rolls back
        raise Conflict("该办件已经评价过，每件只能评价一次。", code=E.ALREADY_RATED)
    _save(app, [])
    rec = _Recorder(actor, now)
    rec.add(app, "rate", f"评价：{RatingLevel(level).label}", note=comment, data={"level": level})
    rectification = None
    if rating.is_bad:
        days = policy_for(app.street).rectify_workdays
        deadline, _ = add_workdays(now, days)
        rectification = Rectification.objects.create(
            rating=rating,
            application=app,
            department_id=owner_unit,
            opened_at=now,
            deadline=deadline,
        )
        judged = rated_step.name if rated_step else RatedStage(stage).label if stage else ""
        rec.add(
            app,
            "rectify_open",
            "差评转整改",
            note=f"{_unit(owner_unit).name}，{days} 个工作日内整改"
            + (f"（所评环节：{judged}）" if judged else ""),
        )
    rec.flush()
    audit_record(
        actor=actor,
        action="approvals.application.rate",
        target=app,
        after={"level": level, "rectification": rectification.pk if rectification else None},
        note=comment,
    )
    return rating


def _require_rectifier(actor, rect: Rectification) -> None:
    if actor.is_superuser:
        return
    units = {u for u, _k, _p, _r in _memberships(actor)}
    leader_streets = streets_of(actor, Role.LEADER)
    if rect.department_id in units or rect.application.street_id in leader_streets:
        return
    raise Forbidden("只有整改部门或街道领导可以办理整改。")


def _locked_rectification(actor, rectification: Rectification) -> Rectification:
    """The rectification re-read under a write lock, for its department or a street leader."""
    rect = (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("application")
        .get(pk=rectification.pk)
    )
    _require_rectifier(actor, rect)
    return rect


@transaction.atomic
def rectification_follow_up(
    *, actor, rectification: Rectification, kind: str, note: str
) -> RectificationFollowUp:
    """Record a 回访 or the progress of a rectification."""
    rect = _locked_rectification(actor, rectification)
    kinds = (RectificationFollowUp.Kind.CALLBACK, RectificationFollowUp.Kind.PROGRESS)
    if kind not in kinds:
        hint = _one_of(RectificationFollowUp.Kind.choices, kinds)
        raise ValidationFailed("跟进类型无效。", fields={"kind": [hint]})
    if not (note or "").strip():
        raise ValidationFailed("请填写跟进内容。", fields={"note": ["必填"]})
    if rect.state != Rectification.State.OPEN:
        raise Conflict("整改已办结。", code=E.WRONG_STATE)
    now = _now()
    follow = RectificationFollowUp.objects.create(
        rectification=rect, kind=kind, note=note.strip(), actor=actor, at=now
    )
    audit_record(actor=actor, action=f"approvals.rectification.{kind}", target=rect, note=note)
    return follow


@transaction.atomic
def rectification_close(
    *, actor, rectification: Rectification, version, outcome: str, result: str
) -> Rectification:
    """整改办结: fixed, explained (no legal basis to change), or appealed (误评/恶意差评)."""
    rect = _locked_rectification(actor, rectification)
    check_version(rect, version)
    if outcome not in Rectification.Outcome.values:
        hint = _one_of(Rectification.Outcome.choices)
        raise ValidationFailed("整改结果无效。", fields={"outcome": [hint]})
    if not (result or "").strip():
        raise ValidationFailed("请填写整改情况。", fields={"result": ["必填"]})
    try:
        rect.close()
    except TransitionNotAllowed:
        raise Conflict("整改已办结。", code=E.WRONG_STATE)
    now = _now()
    rect.closed_at, rect.outcome, rect.result = now, outcome, result.strip()
    rect.bump_version(fields=["state", "closed_at", "outcome", "result"])
    RectificationFollowUp.objects.create(
        rectification=rect,
        kind=RectificationFollowUp.Kind.CLOSE,
        note=rect.result,
        actor=actor,
        at=now,
    )
    rec = _Recorder(actor, now)
    rec.add(
        rect.application,
        "rectify_close",
        f"差评整改办结（{rect.get_outcome_display()}）",
        note=rect.result,
    )
    rec.flush()
    audit_record(
        actor=actor,
        action="approvals.rectification.close",
        target=rect,
        after={"outcome": outcome, "on_time": rect.on_time},
        note=result,
    )
    return rect


@transaction.atomic
def policy_set(*, actor, street: OrgUnit, rectify_workdays: int, notice_workdays: int = 5):
    """Set a street's local rules (差评整改时限, 一次性告知时限)."""
    if not (1 <= int(rectify_workdays) <= 60) or not (1 <= int(notice_workdays) <= 20):
        raise ValidationFailed("时限超出合理范围。", fields={"rectify_workdays": ["1～60"]})
    policy, _ = CenterPolicy.objects.update_or_create(
        street=street,
        defaults={"rectify_workdays": rectify_workdays, "notice_workdays": notice_workdays},
    )
    audit_record(
        actor=actor,
        action="approvals.policy.set",
        target=policy,
        after={"rectify_workdays": rectify_workdays, "notice_workdays": notice_workdays},
    )
    return policy
