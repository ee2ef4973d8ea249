"""Assessment (考核): the admin-edited weights, and the worker's monthly and weekly notices."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import Role
from yiwang.command.models import DEFAULT_WEIGHTS, AssessmentScheme, weights_problem
from yiwang.core.audit import audit_record
from yiwang.core.errors import Forbidden, StaleVersion, ValidationFailed
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


def assessment_compute_month(*, now: dt.datetime | None = None) -> dict:
    """The worker, on the 1st: tell the leaders last month's assessment is ready (the scores
    are computed from the facts when read, so they always match the orders behind them)."""
    now = now or timezone.now()
    first = timezone.localdate(now).replace(day=1)
    month = (first - dt.timedelta(days=1)).strftime("%Y-%m")
    rows = notify(
        recipients=_leaders(),
        kind="report",
        title=f"{month} 月度考核结果已生成",
        link=f"/command/assessment/?month={month}",
    )
    return {"month": month, "told": len(rows)}


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
