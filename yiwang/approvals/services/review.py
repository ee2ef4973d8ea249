"""Review steps (审查环节): the holder of the active step approves or denies; a 一件事 parent
concludes when its last child is decided."""

from __future__ import annotations

from django.db import transaction

from yiwang.approvals import issuing
from yiwang.approvals.errors import ApprovalErrorCode as E
from yiwang.approvals.models import (
    Application,
    ApplicationStep,
)
from yiwang.approvals.permissions import holds_step
from yiwang.approvals.services.common import (
    _CORE,
    A,
    S,
    _locked,
    _now,
    _Recorder,
    _refusal_note,
    _save,
    _set_refusal,
    _transition,
    add_workdays,
)
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, Forbidden, check_version


def _step_holder_guard(actor, app: Application, *, with_pending: bool = False):
    """The active step, which `actor` must hold (403 otherwise); with the pending steps after it
    when asked (one query for both)."""
    if app.kind == A.Kind.BUNDLE:
        raise Conflict("一件事的审查在各子件上办理。", code=E.USE_PARENT)
    rows = list(
        ApplicationStep.objects.select_for_update(of=("self",))
        .filter(
            application=app,
            state__in=[ApplicationStep.State.ACTIVE, ApplicationStep.State.PENDING],
        )
        .only("id", "order", "name", "state", "department", "role", "limit_days")
        .order_by("order")
    )
    step = next((s for s in rows if s.state == ApplicationStep.State.ACTIVE), None)
    if step is None:
        _transition(app.deny)  # raises the state conflict
        raise Conflict("没有正在办理的环节。", code=E.WRONG_STATE)
    if not holds_step(actor, step):
        raise Forbidden(
            f"“{step.name}”环节由{step.department.name}办理，您不是该环节的办理人。",
            code=E.NOT_STEP_HOLDER,
        )
    if with_pending:
        return step, [s for s in rows if s.state == ApplicationStep.State.PENDING]
    return step


def _conclude_parent(child: Application, rec: _Recorder, now) -> None:
    """When the last child of a bundle is decided, the parent concludes. The parent row is
    locked before the siblings are read, so two siblings finishing at once serialise here and
    the later one sees the other's decision (READ COMMITTED reads after the lock)."""
    parent = (
        A.objects.select_for_update(of=("self",))
        .only("id", "version", "status")  # all the conclusion reads and writes
        .get(pk=child.parent_id)
    )
    siblings = A.objects.filter(parent_id=parent.pk).order_by()
    statuses = list(siblings.values_list("status", flat=True))
    if any(s not in (S.APPROVED, S.DENIED) for s in statuses) or parent.status != S.REVIEWING:
        return
    approved = any(s == S.APPROVED for s in statuses)
    before = parent.status
    parent.decided_at = now
    _transition(parent.conclude, approved=approved)
    parent.bump_version(fields=["status", "decided_at"])
    denied = sum(s == S.DENIED for s in statuses)
    note = f"{len(statuses) - denied} 项准予办理" + (f"，{denied} 项不予办理" if denied else "")
    rec.add(
        parent, "conclude", "一件事办结", from_status=before, to_status=parent.status, note=note
    )


@transaction.atomic
def application_approve_step(
    *, actor, application: Application, version, opinion: str = ""
) -> Application:
    """The holder of the active step approves it; the next applicable step starts, or, after the
    last, the application is approved."""
    app = _locked(application, only=(*_CORE, "applicant_name", "company_name"))
    step, pending = _step_holder_guard(actor, app, with_pending=True)
    check_version(app, version)
    if app.status not in (S.ACCEPTED, S.REVIEWING):
        _transition(app.approve_step, last=False)
    now = _now()
    step.state = ApplicationStep.State.APPROVED
    step.acted_by, step.acted_at, step.opinion = actor, now, opinion
    nxt = pending[0] if pending else None
    if nxt is not None:
        nxt.state = ApplicationStep.State.ACTIVE
        nxt.started_at = now
        nxt.deadline, _ = add_workdays(now, nxt.limit_days)
    # plain UPDATEs: cheaper in Python than one bulk_update CASE expression
    ApplicationStep.objects.filter(pk=step.pk).update(
        state=step.state, acted_by=actor, acted_at=now, opinion=opinion
    )
    if nxt is not None:
        ApplicationStep.objects.filter(pk=nxt.pk).update(
            state=nxt.state, started_at=now, deadline=nxt.deadline
        )
    before = app.status
    _transition(app.approve_step, last=nxt is None)
    fields = ["status"]
    if nxt is None:
        app.decided_at = now
        app.decision_note = opinion
        fields += ["decided_at", "decision_note"]
    _save(app, fields)
    if nxt is None:
        issuing.issue_result(app=app, now=now, note=opinion)
    rec = _Recorder(actor, now)
    rec.add(
        app,
        "approve_step",
        f"{step.name}：通过",
        from_status=before,
        to_status=app.status,
        note=opinion,
        data={"step": step.order},
    )
    if nxt is None and app.parent_id:
        _conclude_parent(app, rec, now)
    rec.flush()
    audit_record(
        actor=actor,
        action="approvals.step.approve",
        target=app,
        before={"status": before, "step": step.order},
        after={"status": app.status, "next_step": nxt.order if nxt else None},
        note=opinion,
    )
    return app


@transaction.atomic
def application_deny(
    *, actor, application: Application, version, reason: str, legal_basis: str
) -> Application:
    """不予办理 by the holder of the active step, with reason and legal basis."""
    app = _locked(application, only=_CORE)
    step = _step_holder_guard(actor, app)
    check_version(app, version)
    _set_refusal(app, reason, legal_basis)
    now = _now()
    step.state = ApplicationStep.State.DENIED
    step.acted_by, step.acted_at, step.opinion = actor, now, reason
    step.save(update_fields=["state", "acted_by", "acted_at", "opinion"])
    ApplicationStep.objects.filter(application=app, state=ApplicationStep.State.PENDING).update(
        state=ApplicationStep.State.CANCELLED
    )
    before = app.status
    app.decided_at = now
    _transition(app.deny)
    _save(app, ["status", "decided_at", "reason", "legal_basis"])
    rec = _Recorder(actor, now)
    rec.add(
        app,
        "deny",
        f"{step.name}：不予办理",
        from_status=before,
        to_status=S.DENIED,
        note=_refusal_note(app),
    )
    if app.parent_id:
        _conclude_parent(app, rec, now)
    rec.flush()
    audit_record(
        actor=actor,
        action="approvals.application.deny",
        target=app,
        before={"status": before},
        after={"status": app.status, "reason": app.reason, "legal_basis": app.legal_basis},
    )
    return app
