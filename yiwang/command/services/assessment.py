"""Assessment (考核): the admin-edited weights, and the worker's monthly and weekly notices."""

from __future__ import annotations

import datetime as dt
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from yiwang.accounts.models import Role
from yiwang.command.models import DEFAULT_WEIGHTS, AssessmentScheme, weights_problem
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, Forbidden, StaleVersion, ValidationFailed
from yiwang.core.months import month_bounds
from yiwang.notifications import recipients
from yiwang.notifications.services import notify


@transaction.atomic
def assessment_scheme_set(*, actor, kind, weights, version=None) -> AssessmentScheme:
    """Set the weights of one kind of assessment; they must sum to 100 %."""
    if not (getattr(actor, "is_authenticated", False) and actor.has_role(Role.ADMIN, Role.LEADER)):
        raise Forbidden("只有管理员或街道领导可以修改考核权重。")
    problem = weights_problem(kind, weights)
    if problem:
        raise ValidationFailed(problem, fields={"weights": [problem]})
    row, _ = AssessmentScheme.objects.select_for_update().get_or_create(
        kind=kind, defaults={"weights": DEFAULT_WEIGHTS[kind]}
    )
    if version not in (None, "") and str(version) != str(row.version):
        raise StaleVersion(fields={"version": [f"当前版本为 {row.version}"]})
    before = dict(row.weights)
    row.weights = {k: float(v) for k, v in weights.items()}
    row.version += 1
    row.save(update_fields=["weights", "version", "updated_at"])
    audit_record(
        actor=actor, action="assessment.weights", target=row, before=before, after=row.weights
    )
    return row


def _leaders() -> list:
    from yiwang.accounts.models import Membership

    ids = Membership.objects.filter(role=Role.LEADER).values_list("user_id", flat=True)
    return recipients.active_users(ids)


@transaction.atomic
def assessment_month_store(*, actor, month, now: dt.datetime | None = None) -> list:
    """Freeze a month that is over (月度考核存档): compute the department and grid-worker
    scores from the facts with the weights in force now and store them with those weights
    and facts, so later edits of the weights or late changes of old orders never change it.
    `actor` None is the worker; people must be admins or street leaders. A month already
    stored is refused (409): a stored month is final."""
    from yiwang.command import selectors
    from yiwang.command.models import AssessmentKind, AssessmentSnapshot

    if actor is not None and not (
        getattr(actor, "is_authenticated", False) and actor.has_role(Role.ADMIN, Role.LEADER)
    ):
        raise Forbidden("只有管理员或街道领导可以存档月度考核。")
    now = now or timezone.now()
    first, _ = month_bounds(month)
    label = first.strftime("%Y-%m")
    if first >= timezone.localdate(now).replace(day=1):
        raise ValidationFailed(
            f"{label} 尚未结束，月度考核须在月份结束后存档。", fields={"month": ["月份未结束"]}
        )
    # The first writer wins: a second worker (or a person) finds the month stored.
    if AssessmentSnapshot.objects.select_for_update().filter(month=first).exists():
        raise Conflict(f"{label} 的月度考核已存档，存档后不再改变。")
    stored = []
    for kind in AssessmentKind.values:
        data = selectors.assessment_compute(user=selectors.SYSTEM, month=label, kind=kind)
        try:
            with transaction.atomic():
                snapshot = AssessmentSnapshot.objects.create(
                    kind=kind,
                    month=first,
                    weights=data["weights"],
                    rows=json.loads(json.dumps(data["rows"], cls=DjangoJSONEncoder)),
                    stored_at=now,
                    stored_by=actor,
                )
        except IntegrityError:  # another worker stored it between our check and our insert
            raise Conflict(f"{label} 的月度考核已存档，存档后不再改变。")
        stored.append(snapshot)
    audit_record(
        actor=actor,
        action="assessment.store",
        target=stored[0],
        after={s.kind: {"rows": len(s.rows), "weights": s.weights} for s in stored},
        note=label,
    )
    return stored


def assessment_compute_month(*, now: dt.datetime | None = None) -> dict:
    """The worker, on the 1st: store last month's assessment (unless it is stored already)
    and tell the leaders it is ready."""
    now = now or timezone.now()
    first = timezone.localdate(now).replace(day=1)
    month = (first - dt.timedelta(days=1)).strftime("%Y-%m")
    try:
        assessment_month_store(actor=None, month=month, now=now)
    except Conflict:
        return {"month": month, "stored": False, "told": 0}
    rows = notify(
        recipients=_leaders(),
        kind="report",
        title=f"{month} 月度考核结果已生成",
        link=f"/command/assessment/?month={month}",
    )
    return {"month": month, "stored": True, "told": len(rows)}


def weekly_report_notify(*, now: dt.datetime | None = None) -> dict:
    """The worker, every Monday: tell the leaders last week's analysis report is ready."""
    from yiwang.command import documents

    now = now or timezone.now()
    start, end = documents.last_week(timezone.localdate(now))
    leaders = _leaders()
    for leader in leaders:
        documents.store_weekly_report(user=leader, date_from=start, date_to=end)
    rows = notify(
        recipients=leaders,
        kind="report",
        title=f"每周分析报告（{start:%m月%d日}—{end:%m月%d日}）",
        link=f"/command/report/weekly.pdf?from={start}&to={end}",
    )
    return {"from": str(start), "to": str(end), "told": len(rows)}
