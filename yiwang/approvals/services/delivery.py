"""出件: the result handed over, the 出件回执 issued, and the applicant told."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q

from yiwang.approvals import issuing
from yiwang.approvals.models import (
    Application,
    Paper,
    ResultDocument,
)
from yiwang.approvals.services.common import (
    _CORE,
    _STATE,
    A,
    S,
    _count_visit,
    _locked,
    _now,
    _one_of,
    _Recorder,
    _require_clerk,
    _require_top,
    _save,
    _tell_applicant,
    _transition,
)
from yiwang.core.audit import audit_record
from yiwang.core.errors import ValidationFailed, check_version


@transaction.atomic
def application_deliver(
    *,
    actor,
    application: Application,
    version,
    method: str,
    note: str = "",
    visit: bool | None = None,
) -> Application:
    """出件: the result handed over by window pickup, post or electronic licence. A window
    pickup counts a visit unless `visit=False`; for a bundle all results go out at once."""
    app = _locked(
        application,
        only=(*_CORE, "visits", "last_visit_on", "applicant_name", "company_name", *_TOLD),
        related=("applicant",),  # told below, read in the same query
    )
    _require_top(app)
    _require_clerk(actor, app)
    check_version(app, version)
    if method not in A.Delivery.values:
        raise ValidationFailed("送达方式无效。", fields={"method": [_one_of(A.Delivery.choices)]})
    if app.status not in (S.APPROVED, S.DENIED):
        _transition(app.deliver)
    now = _now()
    before = app.status
    app.delivered_at, app.delivery_method, app.delivery_note = now, method, note[:200]
    app.delivered_by = actor
    if visit if visit is not None else method == A.Delivery.WINDOW:
        _count_visit(app, now)
    _transition(app.deliver)
    _save(
        app,
        [
            "status",
            "delivered_at",
            "delivery_method",
            "delivery_note",
            "delivered_by",
            "visits",
            "last_visit_on",
        ],
    )
    rec = _Recorder(actor, now)
    label = A.Delivery(method).label
    rec.add(
        app, "deliver", f"出件（{label}）", from_status=before, to_status=S.DELIVERED, note=note
    )
    if app.kind == A.Kind.BUNDLE:
        children = list(app.children.filter(status__in=[S.APPROVED, S.DENIED]).only(*_STATE))
        refused = sum(c.status == S.DENIED for c in children)
        for child in children:
            rec.add(
                child,
                "deliver",
                f"随一件事出件（{label}）",
                from_status=child.status,
                to_status=S.DELIVERED,
            )
            _transition(child.deliver)
        A.objects.filter(pk__in=[c.pk for c in children], status__in=[S.APPROVED, S.DENIED]).update(
            status=S.DELIVERED,
            delivered_at=now,
            delivery_method=method,
            version=F("version") + 1,
        )
    else:
        refused = int(before == S.DENIED)
    results = ResultDocument.objects.filter(Q(application=app) | Q(application__parent=app))
    handed = [
        {"name": r.name, "number": r.number, "item": r.data.get("item", "")}
        for r in results.order_by("application_id", "id")
    ]
    issuing.issue_paper(
        app=app,
        kind=Paper.Kind.RECEIPT,
        actor=actor,
        now=now,
        data={"method": label, "note": note, "delivered_at": now.isoformat(), "results": handed},
    )
    rec.flush()
    _tell_applicant(  # 出件 → the applicant, with the results and where to read them
        app,
        kind="result",
        title=f"办件 {app.number} 已出件（{label}）",
        body=_result_text(app, handed, refused),
        actor=actor,
    )
    audit_record(
        actor=actor,
        action="approvals.application.deliver",
        target=app,
        before={"status": before},
        after={"status": app.status, "method": method, "visits": app.visits},
    )
    return app


# What the 出件 notice reads: deliver locks these beside the columns it changes.
_TOLD = ("applicant", "submitted_by", "channel", "reason")


def _result_text(app: Application, handed: list[dict], refused: int) -> str:
    """办理结果 in one line: each result document with its number, and what was refused (the
    items of a 一件事 not granted; the reason of a single item's 不予办理)."""
    parts = [f"{r['name']}（编号 {r['number']}）" for r in handed]
    text = f"办理结果：{'；'.join(parts)}。" if parts else ""
    if refused and app.kind == A.Kind.BUNDLE:
        text += f"其中 {refused} 项不予办理。"
    elif refused:
        reason = app.reason.rstrip("。.；; ")
        text += f"不予办理：{reason}。" if reason else "不予办理。"
    return text + "请在办件页面查看办理结果。"
