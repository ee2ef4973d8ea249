"""Every read of the economy desk, already scoped to the asking user (`visible_to`)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from yiwang.core.errors import NotFound, ValidationFailed
from yiwang.economy import rules
from yiwang.economy.models import (
    EnterpriseRequest,
    EvaluationResult,
    EvaluationRun,
    FirmFigures,
    FirmProfile,
    FirmUser,
    OfficialAssignment,
    Policy,
    PolicyNotice,
    ServiceVisit,
)
from yiwang.economy.services import firm_of_user, is_bureau


def _latest_class():
    return Subquery(
        EvaluationResult.objects.filter(firm=OuterRef("pk"), run__is_current=True)
        .order_by("-run__year")
        .values("klass")[:1]
    )


def firm_queryset(*, user):
    """Firms the user may see (`user=None`: the system, e.g. the demo), with their active
    officials and latest evaluation class."""
    officials = OfficialAssignment.objects.filter(is_active=True).select_related("official")
    base = FirmProfile.objects.all() if user is None else FirmProfile.objects.visible_to(user)
    return (
        base.select_related("entity", "grid")
        .prefetch_related(Prefetch("officials", queryset=officials, to_attr="active_officials"))
        .annotate(evaluation_class=_latest_class())
    )


def firm_list(*, user, filters: dict | None = None):
    """Firms the user may see; filters: q (name or code), grid (code prefix), industry,
    size_class, above_scale, evaluation_class, mine (the firms the user is official of)."""
    filters = filters or {}
    qs = firm_queryset(user=user)
    q = str(filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(entity__name__icontains=q) | Q(entity__uscc=q.upper()))
    if filters.get("grid"):
        qs = qs.filter(grid__code__startswith=str(filters["grid"]))
    if filters.get("industry"):
        value = str(filters["industry"])
        qs = qs.filter(industry_section=value) if value.isalpha() else qs.filter(industry=value)
    if filters.get("size_class"):
        qs = qs.filter(size_class=filters["size_class"])
    if str(filters.get("above_scale", "")).lower() in {"1", "true"}:
        qs = qs.filter(above_scale=True)
    if filters.get("evaluation_class"):
        qs = qs.filter(evaluation_class=filters["evaluation_class"])
    if str(filters.get("mine", "")).lower() in {"1", "true"}:
        qs = qs.filter(officials__official=user, officials__is_active=True)
    return qs.order_by("entity__name", "pk")


def firm_get(*, user, id) -> FirmProfile:  # noqa: A002 (the conventions' name)
    try:
        return firm_queryset(user=user).get(pk=int(id))
    except (FirmProfile.DoesNotExist, ValueError, TypeError):
        raise NotFound("未找到该企业。")


def latest_figures(firm) -> FirmFigures | None:
    return firm.figures.order_by("-year").first()


def firm_facts(firm: FirmProfile, figures: FirmFigures | None, evaluation_class=None) -> dict:
    """The fields a policy rule may name (`rules.FIELDS`), for one firm."""
    facts = {
        "kind": firm.entity.kind,
        "industry": firm.industry,
        "industry_section": firm.industry_section,
        "size_class": firm.size_class,
        "above_scale": firm.above_scale,
        "evaluation_class": evaluation_class,
        "grid": firm.grid.code if firm.grid_id else "",
    }
    for name in ("year", "revenue", "tax", "energy", "land_mu", "employees", "assets"):
        facts[name] = getattr(figures, name, None) if figures is not None else None
    return facts


def _latest_figures_by_firm(firm_ids) -> dict:
    out = {}
    for figures in FirmFigures.objects.filter(firm_id__in=firm_ids).order_by("firm_id", "year"):
        out[figures.firm_id] = figures  # ascending years: the last one wins
    return out


def policy_eligible_firms(*, user, policy: Policy) -> list[FirmProfile]:
    """The firms of the user's territory that meet the policy's rule (符合条件的企业)."""
    firms = list(firm_queryset(user=user).order_by("entity__name", "pk"))
    figures = _latest_figures_by_firm([f.pk for f in firms])
    return [
        f
        for f in firms
        if rules.evaluate(policy.rule, firm_facts(f, figures.get(f.pk), f.evaluation_class))
    ]


def policy_list(*, user):
    if user is None or not getattr(user, "is_authenticated", False):
        return Policy.objects.none()
    return Policy.objects.filter(is_active=True).order_by("-created_at", "-id")


def policy_get(*, user, id) -> Policy:  # noqa: A002
    try:
        return policy_list(user=user).get(pk=int(id))
    except (Policy.DoesNotExist, ValueError, TypeError):
        raise NotFound("未找到该政策。")


def policies_for_firm(firm: FirmProfile, evaluation_class=None) -> list[Policy]:
    facts = firm_facts(firm, latest_figures(firm), evaluation_class)
    return [p for p in Policy.objects.filter(is_active=True) if rules.evaluate(p.rule, facts)]


def firm_visits(firm: FirmProfile):
    return ServiceVisit.objects.filter(firm=firm).select_related("official")


def firm_timeline(firm: FirmProfile) -> list[dict]:
    """Every visit and every inspection of the firm, newest first, with its date and unit
    (国办发〔2024〕54号: firms see the checks made on them). A 挂钩 visit is service, not a
    check; the 双随机 checks come from the enforcement module."""
    from yiwang.enforcement.selectors import inspections_of_entity

    visits = [
        {
            "date": v.visited_on,
            "kind": "走访服务（非检查）",
            "unit": v.unit_name,
            "person": str(v.official),
            "summary": v.summary,
        }
        for v in firm_visits(firm)
    ]
    checks = [
        {**c, "date": timezone.localtime(c["date"]).date(), "person": "", "summary": c["result"]}
        for c in inspections_of_entity(firm.entity_id)
    ]
    return sorted(visits + checks, key=lambda row: row["date"], reverse=True)


def is_overdue(firm: FirmProfile, today: dt.date, since: dt.date | None = None) -> bool:
    """A visit is overdue when the cadence has passed since the last visit (or since the
    assignment, for a firm never visited)."""
    start = firm.last_visit_on or since
    return start is not None and start + dt.timedelta(days=firm.visit_cadence_days) < today


def official_firms(*, user, today: dt.date | None = None) -> list[dict]:
    """The firms the user is official of, with the visit status (走访是否逾期)."""
    today = today or timezone.localdate()
    out = []
    assignments = (
        OfficialAssignment.objects.filter(official=user, is_active=True)
        .select_related("firm__entity", "firm__grid")
        .order_by("firm__entity__name")
    )
    for a in assignments:
        firm = a.firm
        since = timezone.localdate(a.created_at)
        due = (firm.last_visit_on or since) + dt.timedelta(days=firm.visit_cadence_days)
        out.append(
            {
                "firm": firm,
                "kind": a.get_kind_display(),
                "last_visit_on": firm.last_visit_on,
                "next_due": due,
                "overdue": is_overdue(firm, today, since),
            }
        )
    return out


def overdue_visits(*, user, today: dt.date | None = None) -> list[dict]:
    """Every firm of the user's territory whose official's visit is overdue (bureau view)."""
    today = today or timezone.localdate()
    rows = []
    assignments = (
        OfficialAssignment.objects.filter(
            is_active=True, firm__in=FirmProfile.objects.visible_to(user).values("pk")
        )
        .select_related("firm__entity", "official")
        .order_by("firm__entity__name")
    )
    for a in assignments:
        if is_overdue(a.firm, today, timezone.localdate(a.created_at)):
            rows.append({"firm": a.firm, "official": a.official})
    return rows


def policy_notices(*, user):
    return (
        PolicyNotice.objects.filter(official=user)
        .select_related("policy", "firm__entity")
        .order_by("-pushed_at")
    )


def enterprise_requests(*, user, firm: FirmProfile | None = None):
    """企业诉求 of the firms the user sees: every one for the bureau; for anyone else those of
    the firms they serve (挂钩人员) or belong to (企业用户), and those whose work order the
    work-order scope gives them (dispatched to their department, placed in their grid, the
    street's). A request is a work order: seeing the firm does not open its orders to a
    department or a grid they never reached."""
    qs = EnterpriseRequest.objects.filter(
        firm__in=FirmProfile.objects.visible_to(user).values("pk")
    ).select_related("work_order__category", "firm__entity", "raised_by")
    if not is_bureau(user):
        from yiwang.workorders.models import WorkOrder

        uid = getattr(user, "pk", None)
        served = OfficialAssignment.objects.filter(official_id=uid, is_active=True)
        own = FirmUser.objects.filter(user_id=uid)
        qs = qs.filter(
            Q(firm__in=served.values("firm_id"))
            | Q(firm__in=own.values("firm_id"))
            | Q(work_order__in=WorkOrder.objects.visible_to(user).values("pk"))
        )
    if firm is not None:
        qs = qs.filter(firm=firm)
    return qs.order_by("-created_at", "-id")


def enterprise_request_get(*, user, id) -> EnterpriseRequest:  # noqa: A002
    try:
        return enterprise_requests(user=user).get(pk=int(id))
    except (EnterpriseRequest.DoesNotExist, ValueError, TypeError):
        raise NotFound("未找到该诉求。")


def my_firm(*, user) -> FirmProfile:
    firm = firm_of_user(user)
    if firm is None:
        raise NotFound("您的账号尚未绑定企业。")
    return firm_get(user=user, id=firm.pk)


# ---------------------------------------------------------------------------- evaluations


def evaluation_run_list(*, user):
    if not is_bureau(user):
        return EvaluationRun.objects.none()
    return EvaluationRun.objects.order_by("-year", "-id")


def evaluation_run_get(*, user, id) -> EvaluationRun:  # noqa: A002
    try:
        return evaluation_run_list(user=user).get(pk=int(id))
    except (EvaluationRun.DoesNotExist, ValueError, TypeError):
        raise NotFound("未找到该评价。")


def evaluation_results(*, user, run: EvaluationRun, klass: str = ""):
    qs = EvaluationResult.objects.filter(
        run=run, firm__in=FirmProfile.objects.visible_to(user).values("pk")
    ).select_related("firm__entity", "firm__grid")
    if klass:
        qs = qs.filter(klass=klass)
    return qs.order_by(F("rank").asc(nulls_last=True), "firm__entity__name")


def firm_latest_result(firm: FirmProfile) -> dict | None:
    """The firm's result in the latest current run, its facts spelled out (or None)."""
    from yiwang.economy.evaluation import explain

    result = (
        EvaluationResult.objects.filter(firm=firm, run__is_current=True)
        .select_related("run")
        .order_by("-run__year")
        .first()
    )
    if result is None:
        return None
    return {
        "year": result.run.year,
        "klass": result.klass,
        "score": result.score,
        "rank": result.rank,
        **explain(result.facts, result.run.scheme, result.run.benchmarks),
    }


def class_map(*, user, run: EvaluationRun) -> list[dict]:
    """Points of the evaluated firms with their class (for the command screen's map)."""
    return [
        {
            "firm": r.firm_id,
            "name": r.firm.entity.name,
            "class": r.klass,
            "lon": r.firm.entity.lon,
            "lat": r.firm.entity.lat,
        }
        for r in evaluation_results(user=user, run=run)
        if r.firm.entity.lon is not None
    ]


# ---------------------------------------------------------------------------- KPIs


def enterprise_kpis(*, user, date_from: dt.date, date_to: dt.date) -> dict:
    """Enterprise requests split out of the work-order KPIs: channel `enterprise` only,
    reported in [date_from, date_to]; the bureau counts the requests of the firms it sees,
    anyone else the orders of their KPI territory (`workorders.selectors.kpi_scope_q`)."""
    from yiwang.workorders.models import WorkOrder
    from yiwang.workorders.selectors import kpi_scope_q

    if date_to < date_from:
        raise ValidationFailed("结束日期不能早于开始日期。", fields={"to": ["须不早于 from"]})
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    qs = WorkOrder.objects.filter(
        channel=WorkOrder.Channel.ENTERPRISE, reported_at__gte=start, reported_at__lt=end
    ).order_by()
    if is_bureau(user):
        # The bureau answers for the requests of every firm of its territory, whichever
        # department handles them.
        firms = FirmProfile.objects.visible_to(user).values("pk")
        qs = qs.filter(enterprise_request__firm__in=firms)
    else:
        scope = kpi_scope_q(user)
        if scope is not None:
            qs = qs.filter(scope)
    by_status = dict(qs.values_list("status").annotate(n=Count("*")))
    by_category = dict(qs.values_list("category__name").annotate(n=Count("*")))
    rated = qs.filter(satisfaction__gt="")
    satisfied = rated.filter(satisfaction__in=["satisfied", "basically_satisfied"]).count()
    total_rated = rated.count()
    reported = sum(by_status.values())
    closed = by_status.get("archived", 0)
    return {
        "reported": reported,
        "by_status": by_status,
        "by_category": {k or "未分类": v for k, v in by_category.items()},
        "archived": closed,
        "completion_rate": round(closed / reported, 4) if reported else None,
        "rated": total_rated,
        "satisfaction_rate": round(satisfied / total_rated, 4) if total_rated else None,
    }
