"""受理 and 不予受理 (行政许可法 Art. 32), the promised deadline counted in working days from
acceptance (Art. 82), and its recount once a provisional year is entered."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from yiwang.approvals import cache, issuing
from yiwang.approvals.catalogue import (
    Requirement,
)
from yiwang.approvals.errors import ApprovalErrorCode as E
from yiwang.approvals.models import (
    AffairType,
    Application,
    ApplicationStep,
    Paper,
    ServiceItem,
    StepFlow,
)
from yiwang.approvals.services.common import (
    _CONTACT,
    _STATE,
    A,
    S,
    _attach_catalogue,
    _count_visit,
    _current_material_keys,
    _locked,
    _now,
    _Recorder,
    _refusal_note,
    _require_clerk,
    _require_top,
    _save,
    _save_child,
    _set_refusal,
    _transition,
    add_workdays,
    requirements_of,
)
from yiwang.core import conditions
from yiwang.core.audit import audit_record
from yiwang.core.errors import ValidationFailed, check_version


def _missing_required(app: Application) -> list[Requirement]:
    have = _current_material_keys(app.owner)
    return [r for r in requirements_of(app) if r.required and r.key not in have]


def _current_flow(item: ServiceItem) -> StepFlow | None:
    """The item's current flow version with its steps (read-only; cached, see cache.py)."""
    return cache.cached(
        ("flow", item.pk),
        lambda: (
            StepFlow.objects.filter(item_id=item.pk, is_current=True)
            .prefetch_related("steps")
            .first()
        ),
    )


def _start_item(app: Application, now, rec: _Recorder, steps_out: list) -> str:
    """Accept one item application: 即办件 decided on the spot, 承诺件 get their steps from the
    pinned flow. Returns the target status."""
    item = app.item
    app.accepted_at = now
    if item.affair_type == AffairType.IMMEDIATE:
        app.deadline, app.deadline_provisional = now, False
        app.decided_at = now
        app.decided_on_spot = True
        app.limit_days = 0
        return S.APPROVED
    flow = _current_flow(item)
    app.flow = flow
    app.limit_days = item.promised_limit_days
    app.deadline, app.deadline_provisional = add_workdays(now, item.promised_limit_days)
    active = None
    definitions = list(flow.steps.all()) if flow is not None else []
    form = app.full_form
    if app.kind == A.Kind.SUB:
        form = {**app.parent.full_form, **form}
    for d in definitions:
        applies = conditions.evaluate(d.condition, form)
        step = ApplicationStep(
            application=app,
            definition=d,
            order=d.order,
            name=d.name,
            department_id=d.department_id,
            role=d.role,
            limit_days=d.limit_days,
            state=ApplicationStep.State.PENDING if applies else ApplicationStep.State.SKIPPED,
        )
        if applies and active is None:
            active = step
            step.state = ApplicationStep.State.ACTIVE
            step.started_at = now
            step.deadline, _ = add_workdays(now, d.limit_days)
        steps_out.append(step)
    if active is None:
        raise ValidationFailed(
            f"“{item.name}”没有适用的审批环节，请管理员检查流程配置。",
            code=E.INVALID_CATALOGUE,
            fields={"flow": ["无适用环节"]},
        )
    return S.ACCEPTED


APP_TIMING_FIELDS = [
    "status",
    "accepted_at",
    "accepted_by",
    "deadline",
    "deadline_provisional",
    "decided_at",
    "decided_on_spot",
    "limit_days",
    "flow",
    "visits",
    "last_visit_on",
    "decision_note",
]


@transaction.atomic
def application_accept(
    *, actor, application: Application, version, note: str = "", visit: bool = False
) -> Application:
    """受理. Every required material must be in (otherwise use 一次性告知). 即办件 are decided
    at acceptance; the deadline of a 承诺件 counts its promised working days from now."""
    app = _locked(application, load=("form_private",))  # step conditions read the form
    _require_top(app)
    _require_clerk(actor, app)
    check_version(app, version)
    if app.status != S.SUBMITTED:
        _transition(app.accept, target=S.ACCEPTED)
    missing = _missing_required(app)
    if missing:
        raise ValidationFailed(
            f"缺少必要材料：{'、'.join(r.name for r in missing)}。请一次性告知申请人补正。",
            code=E.MISSING_MATERIALS,
            fields={r.key: [f"缺少“{r.name}”"] for r in missing},
        )
    now = _now()
    rec = _Recorder(actor, now)
    steps: list[ApplicationStep] = []
    app.accepted_by = actor
    app.decision_note = note
    if visit:
        _count_visit(app, now)
    children: list[Application] = []
    if app.kind == A.Kind.BUNDLE:
        children = list(app.children.defer(*_CONTACT).order_by("id"))
        for child in children:
            _attach_catalogue(child)
            child.parent = app
            child.accepted_by = actor
            before = child.status
            target = _start_item(child, now, rec, steps)
            _transition(child.accept, target=target)
            rec.add(
                child,
                "accept",
                "受理" if target == S.ACCEPTED else "受理并当场办结",
                from_status=before,
                to_status=target,
            )
            _save_child(child, S.SUBMITTED, APP_TIMING_FIELDS)
        app.accepted_at = now
        deadlines = [c.deadline for c in children if c.deadline]
        app.deadline = max(deadlines) if deadlines else now
        app.deadline_provisional = any(c.deadline_provisional for c in children)
        undecided = [c for c in children if c.status not in (S.APPROVED, S.DENIED)]
        if undecided:
            target = S.REVIEWING
        else:
            target = S.APPROVED
            app.decided_at = now
            app.decided_on_spot = True
    else:
        target = _start_item(app, now, rec, steps)
    before = app.status
    _transition(app.accept, target=target)
    _save(app, APP_TIMING_FIELDS)
    ApplicationStep.objects.bulk_create(steps)
    on_spot = children if app.kind == A.Kind.BUNDLE else [app]
    for decided in on_spot:
        if decided.status == S.APPROVED:
            issuing.issue_result(app=decided, now=now, note="当场办结")
    paper = issuing.issue_paper(
        app=app, kind=Paper.Kind.ACCEPT, actor=actor, now=now, data=_accept_notice(app, children)
    )
    label = "受理并当场办结" if target == S.APPROVED else "受理"
    rec.add(
        app,
        "accept",
        label,
        from_status=before,
        to_status=target,
        note=note,
        data={
            "deadline": app.deadline.isoformat() if app.deadline else None,
            "paper": paper.number,
        },
    )
    rec.flush()
    audit_record(
        actor=actor,
        action="approvals.application.accept",
        target=app,
        before={"status": before},
        after={"status": app.status, "deadline": app.deadline, "steps": len(steps)},
        note=note,
    )
    return app


def _accept_notice(app: Application, children: list[Application]) -> dict:
    """What the 受理通知书 states: the promised date and, for a 一件事, each item's."""

    def line(a: Application) -> dict:
        return {
            "item": a.item.name if a.item_id else a.title,
            "department": a.item.department.name if a.item_id else "",
            "limit_days": a.limit_days,
            "deadline": a.deadline.isoformat() if a.deadline else None,
            "on_spot": a.decided_on_spot,
        }

    names = sorted({m.name for m in app.materials.filter(is_current=True).order_by()})
    return {
        "accepted_at": app.accepted_at.isoformat(),
        "deadline": app.deadline.isoformat() if app.deadline else None,
        "provisional": app.deadline_provisional,
        "limit_days": app.limit_days,
        "on_spot": app.decided_on_spot,
        "items": [line(c) for c in children] if children else [line(app)],
        "materials": names,
    }


@transaction.atomic
def application_reject(
    *, actor, application: Application, version, reason: str, legal_basis: str
) -> Application:
    """不予受理, with the reason and the legal basis (行政许可法 Art. 32)."""
    app = _locked(application)
    _require_top(app)
    _require_clerk(actor, app)
    check_version(app, version)
    if app.status not in (S.SUBMITTED, S.NEEDS_MATERIALS):
        _transition(app.reject)
    _set_refusal(app, reason, legal_basis)
    now = _now()
    before = app.status
    _transition(app.reject)
    _save(app, ["status", "reason", "legal_basis"])
    issuing.issue_paper(
        app=app,
        kind=Paper.Kind.REJECT,
        actor=actor,
        now=now,
        data={"reason": app.reason, "legal_basis": app.legal_basis},
    )
    rec = _Recorder(actor, now)
    rec.add(
        app,
        "reject",
        "不予受理",
        from_status=before,
        to_status=S.REJECTED,
        note=_refusal_note(app),
    )
    if app.kind == A.Kind.BUNDLE:
        children = list(app.children.only(*_STATE))
        for child in children:
            rec.add(
                child, "reject", "随一件事不予受理", from_status=child.status, to_status=S.REJECTED
            )
            _transition(child.reject)
        A.objects.filter(pk__in=[c.pk for c in children], status=S.SUBMITTED).update(
            status=S.REJECTED,
            reason=app.reason,
            legal_basis=app.legal_basis,
            version=F("version") + 1,
        )
    rec.flush()
    audit_record(
        actor=actor,
        action="approvals.application.reject",
        target=app,
        before={"status": before},
        after={"status": app.status, "reason": app.reason, "legal_basis": app.legal_basis},
    )
    return app


@transaction.atomic
def application_deadlines_recompute(*, actor=None, years=()) -> int:
    """重算预估时限: once a year's official holidays are entered, the promised deadline (承诺时限)
    of every accepted application counted on the provisional calendar is counted again; a
    一件事 parent follows its children. A paused application (待补正) is counted again when it
    resumes. Returns how many changed."""
    now = _now()
    rec = _Recorder(actor or "系统", now)
    open_items = (
        A.objects.select_for_update(of=("self",))
        .filter(deadline_provisional=True, status__in=(S.ACCEPTED, S.REVIEWING))
        .exclude(accepted_at=None)
    )
    changed = []
    # parents by subquery: PostgreSQL refuses FOR UPDATE with the DISTINCT a join would need
    parents = A.objects.filter(parent__isnull=False).values("parent_id")
    for app in open_items.exclude(pk__in=parents):
        old = app.deadline
        app.deadline, app.deadline_provisional = add_workdays(
            app.accepted_at, app.limit_days + app.paused_workdays
        )
        _save(app, ["deadline", "deadline_provisional"])
        changed.append((app, old))
    for parent in open_items.filter(pk__in=parents):
        children = list(parent.children.all())
        old = parent.deadline
        deadlines = [c.deadline for c in children if c.deadline]
        parent.deadline = max(deadlines) if deadlines else parent.deadline
        parent.deadline_provisional = any(c.deadline_provisional for c in children)
        _save(parent, ["deadline", "deadline_provisional"])
        changed.append((parent, old))
    note = f"{'、'.join(str(y) for y in years)}年放假安排已录入，承诺时限按正式安排重算"
    for app, old in changed:
        data = {"old_deadline": old.isoformat() if old else None}
        data["new_deadline"] = app.deadline.isoformat() if app.deadline else None
        rec.add(app, "deadline_recompute", "时限重算", note=note, data=data)
        audit_record(
            actor=actor,
            action="approvals.application.deadline_recompute",
            target=app,
            before={"deadline": old},
            after={"deadline": app.deadline, "provisional": app.deadline_provisional},
            note=note,
        )
    rec.flush()
    return len(changed)
