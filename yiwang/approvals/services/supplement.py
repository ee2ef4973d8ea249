"""一次性告知 (行政许可法 Art. 32) and 补正: the listed materials are set aside, the clock stops
until the applicant hands them in, and the deadline moves by the working days the pause took."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from yiwang.approvals import issuing
from yiwang.approvals.errors import ApprovalErrorCode as E
from yiwang.approvals.models import (
    Application,
    ApplicationMaterial,
    Paper,
)
from yiwang.approvals.permissions import holds_step, is_clerk_of
from yiwang.approvals.services.common import (
    A,
    S,
    _active_step,
    _count_visit,
    _current_material_keys,
    _locked,
    _now,
    _Recorder,
    _require_clerk,
    _require_top,
    _save,
    _tell_applicant,
    _transition,
    add_workdays,
    requirements_of,
    workdays_in,
)
from yiwang.approvals.services.materials import _requirement
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, Forbidden, ValidationFailed, check_version


@transaction.atomic
def application_request_materials(
    *,
    actor,
    application: Application,
    version,
    gaps: list[dict],
    note: str = "",
    visit: bool = False,
) -> Application:
    """一次性告知: list every missing or wrong material at once (行政许可法 Art. 32). Before
    acceptance the window does it; during review the holder of the active step. The listed
    materials are set aside and the clock stops until the applicant supplements."""
    app = _locked(application)
    if app.status == S.SUBMITTED:
        _require_top(app)
        _require_clerk(actor, app)
    elif app.status in (S.ACCEPTED, S.REVIEWING):
        if app.kind == A.Kind.BUNDLE:
            raise Conflict("一件事受理后的补正请在相应子件上办理。", code=E.USE_PARENT)
        step = _active_step(app)
        if step is None or not holds_step(actor, step):
            raise Forbidden("您不是当前环节的办理人。", code=E.NOT_STEP_HOLDER)
    else:
        _transition(app.request_materials)
    check_version(app, version)
    requirements = requirements_of(app)
    listed, errors = [], {}
    for gap in gaps or []:
        key = str((gap or {}).get("key") or "")
        try:
            req = _requirement(requirements, key)
        except ValidationFailed:
            errors[key or "key"] = ["未知材料"]
            continue
        listed.append({"key": key, "name": req.name, "reason": (gap.get("reason") or "缺少")[:200]})
    if errors:
        raise ValidationFailed("一次性告知中有未知材料。", code=E.UNKNOWN_MATERIAL, fields=errors)
    if not listed:
        raise ValidationFailed(
            "请列出需要补正的全部材料。", code=E.NO_GAPS_LISTED, fields={"gaps": ["至少一项"]}
        )
    now = _now()
    before = app.status
    app.paused_from = before
    app.paused_at = now if before != S.SUBMITTED else None
    app.missing_materials = listed
    if visit:
        _count_visit(app, now)
    _transition(app.request_materials)
    _save(
        app, ["status", "paused_from", "paused_at", "missing_materials", "visits", "last_visit_on"]
    )
    ApplicationMaterial.objects.filter(
        application=app.owner, key__in=[g["key"] for g in listed], is_current=True
    ).update(is_current=False)
    issuing.issue_paper(
        app=app,
        kind=Paper.Kind.NOTICE,
        actor=actor,
        now=now,
        data={"gaps": listed, "note": note, "during_review": before != S.SUBMITTED},
    )
    rec = _Recorder(actor, now)
    text = "；".join(f"{g['name']}（{g['reason']}）" for g in listed)
    rec.add(
        app,
        "request_materials",
        "一次性告知补正材料",
        from_status=before,
        to_status=app.status,
        note=note or text,
        data={"gaps": listed},
    )
    rec.flush()
    audit_record(
        actor=actor,
        action="approvals.application.request_materials",
        target=app,
        before={"status": before},
        after={"status": app.status, "gaps": listed},
        note=note,
    )
    _tell_applicant(  # 一次性告知 → the applicant (Art. 32: in one notice, in writing)
        app.owner,
        kind="notice",
        title=f"办件 {app.owner.number} 需补正材料（一次性告知）",
        body=f"请补正：{text}",
        actor=actor,
    )
    return app


@transaction.atomic
def application_supplement(
    *, actor, application: Application, version, visit: bool = False
) -> Application:
    """补正完毕: every listed material is back; the application returns to where the notice
    stopped it and the deadline moves by the working days the pause took."""
    app = _locked(application)
    is_owner = actor.pk in (app.applicant_id, app.submitted_by_id)
    if not (is_owner or is_clerk_of(actor, app.street_id)):
        raise Forbidden("只有申请人或综窗人员可以提交补正。", code=E.NOT_APPLICANT)
    check_version(app, version)
    if app.status != S.NEEDS_MATERIALS:
        _transition(app.supplement, target=S.SUBMITTED)
    have = _current_material_keys(app.owner)
    still = [g for g in app.missing_materials if g["key"] not in have]
    if still:
        raise ValidationFailed(
            f"以下材料尚未补正：{'、'.join(g['name'] for g in still)}。",
            code=E.MISSING_MATERIALS,
            fields={g["key"]: [f"请补正“{g['name']}”"] for g in still},
        )
    now = _now()
    before = app.status
    paused = 0
    fields = [
        "status",
        "paused_at",
        "paused_from",
        "missing_materials",
        "paused_workdays",
        "deadline",
        "deadline_provisional",
        "visits",
        "last_visit_on",
    ]
    if app.paused_at is not None:
        paused = workdays_in(app.paused_at, now)
        if paused:
            app.paused_workdays += paused
            app.deadline, app.deadline_provisional = add_workdays(
                app.accepted_at, app.limit_days + app.paused_workdays
            )
            step = _active_step(app)
            if step is not None and step.deadline is not None:
                step.deadline, _ = add_workdays(step.deadline, paused)
                step.save(update_fields=["deadline"])
    target = app.paused_from or S.SUBMITTED
    app.paused_at, app.paused_from = None, ""
    gaps, app.missing_materials = app.missing_materials, []
    if visit:
        _count_visit(app, now)
    _transition(app.supplement, target=target)
    _save(app, fields)
    if app.parent_id and paused:
        parent = A.objects.select_for_update(of=("self",)).get(pk=app.parent_id)
        if parent.deadline is None or (app.deadline and app.deadline > parent.deadline):
            A.objects.filter(pk=parent.pk).update(deadline=app.deadline, version=F("version") + 1)
    rec = _Recorder(actor, now)
    rec.add(
        app,
        "supplement",
        "补正材料",
        from_status=before,
        to_status=target,
        note=f"计时暂停 {paused} 个工作日" if paused else "",
        data={"gaps": gaps},
    )
    rec.flush()
    audit_record(
        actor=actor,
        action="approvals.application.supplement",
        target=app,
        before={"status": before},
        after={"status": target, "paused_workdays": app.paused_workdays},
    )
    return app
