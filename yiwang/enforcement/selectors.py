"""Every read of 综合执法, already scoped to the asking user."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone

from yiwang.accounts.scope import access_or_404
from yiwang.core.errors import NotFound, ValidationFailed
from yiwang.core.workdays import TimeUnit
from yiwang.enforcement.models import (
    Case,
    CaseEvent,
    CaseRecord,
    Deadline,
    Document,
    Evidence,
    InspectionPlan,
    InspectionTarget,
    Matter,
    Publication,
    Summons,
)
from yiwang.enforcement.services.cases import review_required
from yiwang.enforcement.services.common import officer_of
from yiwang.enforcement.services.joint import staff_unit_ids

S = Case.Stage
CENT = Decimal("0.01")
YELLOW_SHARE = 0.8  # yellow once 80 % of a limit has run (as work orders)


def matter_list(*, filters=None):
    filters = filters or {}
    qs = Matter.objects.filter(is_current=True).order_by("code")
    if filters.get("domain"):
        qs = qs.filter(domain=filters["domain"])
    if filters.get("q"):
        qs = qs.filter(Q(name__icontains=filters["q"]) | Q(code__icontains=filters["q"]))
    if filters.get("simple_procedure") in ("1", "true"):
        qs = qs.filter(simple_procedure=True)
    return qs


def case_list(*, user, filters=None):
    filters = filters or {}
    qs = Case.objects.visible_to(user).select_related("matter").prefetch_related("deadlines")
    if filters.get("stage"):
        qs = qs.filter(stage__in=str(filters["stage"]).split(","))
    if filters.get("procedure"):
        qs = qs.filter(procedure=filters["procedure"])
    if filters.get("open") in ("1", "true"):
        qs = qs.filter(stage__in=Case.OPEN_STAGES)
    return qs


def case_get(*, user, id) -> Case:  # noqa: A002
    qs = Case.objects.select_related(
        "matter", "department", "work_order", "legal_entity", "hearing_chair", "reviewer"
    ).prefetch_related(
        "officers",
        "deadlines",
        Prefetch("events", queryset=CaseEvent.objects.order_by("at", "id")),
        Prefetch("evidence", queryset=Evidence.objects.select_related("collected_by")),
        Prefetch("documents", queryset=Document.objects.order_by("issued_at", "id")),
        Prefetch("summons", queryset=Summons.objects.select_related("partner")),
        "referrals",
        Prefetch("records", queryset=CaseRecord.objects.prefetch_related("officers")),
        "statements",
        "preservations",
        "discussions",
        "publications",
    )
    return access_or_404(qs, user=user, message="案件不存在或无权查看。", pk=id)


def deadline_colour(row: Deadline, now: dt.datetime) -> str:
    """green / yellow / red of an open limit; done limits are green (met) or red (late)."""
    if row.state in (Deadline.State.MET,):
        return "green"
    if row.state in (Deadline.State.LATE, Deadline.State.OVERDUE):
        return "red"
    if row.state == Deadline.State.PAUSED:
        return "grey"
    if now > row.due:
        return "red"
    total = (row.due - row.start).total_seconds() or 1
    return "yellow" if (now - row.start).total_seconds() / total >= YELLOW_SHARE else "green"


def deadline_json(row: Deadline, now=None) -> dict:
    now = now or timezone.now()
    state = row.state
    if state == Deadline.State.OPEN and now > row.due:
        state = Deadline.State.OVERDUE
    unit = {TimeUnit.WORK_DAYS: "work_days", TimeUnit.DAYS: "calendar_days"}.get(row.unit, "hours")
    return {
        "step": row.step,
        "label": row.label,
        "article": row.article,
        "due": row.due.isoformat(),
        "value": row.value,
        "unit": unit,
        "state": state,
        "colour": deadline_colour(row, now),
    }


def case_colour(case: Case, now=None) -> str:
    """The worst colour of the case's running limits (the list's SLA colour)."""
    now = now or timezone.now()
    colours = [deadline_colour(d, now) for d in case.deadlines.all()
               if d.state in (Deadline.State.OPEN, Deadline.State.OVERDUE)]  # fmt: skip
    for c in ("red", "yellow", "green"):
        if c in colours:
            return c
    return "none"


# (action, label) in the order of the law; which ones the case allows is decided below.
ACTION_LABELS = {
    "decide_on_spot": "当场处罚",
    "file": "立案",
    "add_evidence": "收集证据",
    "end_investigation": "调查终结",
    "notify": "事先告知",
    "request_hearing": "登记听证申请",
    "hold_hearing": "记录听证",
    "legal_review": "法制审核",
    "decide": "作出决定",
    "take_record": "制作笔录",
    "preserve": "先行登记保存",
    "preservation_decide": "先行登记保存处理决定",
    "statement": "登记陈述申辩",
    "review_statement": "复核陈述申辩",
    "discuss": "重大案件集体讨论",
    "publish": "公开处罚决定",
    "extend": "延长办案期限",
    "serve": "送达",
    "record_payment": "登记缴款",
    "close": "结案",
    "refer": "移送",
    "summon": "联合执法召集",
}


def case_actions(*, user, case: Case) -> list[str]:
    """The steps the law allows next on this case, for this user (the page offers only these)."""
    officer = officer_of(user)
    if officer is None or officer.department_id != case.department_id:
        return []
    on_case = any(u.pk == user.pk for u in case.officers.all())
    if case.stage == S.CLOSED:
        pending = any(p.published_at is None for p in case.publications.all())
        return ["publish"] if pending and on_case else []
    if case.procedure == Case.Procedure.SIMPLE:
        steps = {
            S.CLUE: ["decide_on_spot"],
            S.SERVED: ["record_payment" if case.fine_amount else "close"],
            S.EXECUTED: ["close"],
        }
        return steps.get(case.stage, []) if on_case else []  # fmt: skip
    if case.stage == S.CLUE:
        return ["file", "refer", "summon"]
    if case.stage in (S.NOTIFIED, S.HEARD) and officer.legal_reviewer and not on_case:
        return ["legal_review"]
    if not on_case:
        return []
    statements = ["statement"] + (["review_statement"] if _unreviewed(case) else [])
    by_stage = {
        S.INVESTIGATING: ["add_evidence", "take_record", "preserve", "end_investigation",
                          "extend", "refer", "summon"],
        S.INVESTIGATED: ["notify", "extend", "refer", "summon"],
        S.NOTIFIED: (["request_hearing"] if case.hearing_offered else []) + statements
        + ([] if review_required(case) else ["discuss", "decide"])
        + ["extend", "summon"],
        S.HEARING: ["hold_hearing", *statements, "summon"],
        S.HEARD: [*statements, "extend", "summon"],
        S.REVIEWED: [*statements, "discuss", "decide", "extend", "summon"],
        S.DECIDED: ["close"] if case.outcome == Case.Outcome.TRANSFER else ["serve"],
        S.SERVED: ["record_payment"] if case.fine_amount else ["close"],
        S.EXECUTED: ["close"],
        S.REFERRED: ["close"],
    }  # fmt: skip
    steps = list(by_stage.get(case.stage, []))
    if any(p.decided_at is None for p in case.preservations.all()):
        steps.insert(0, "preservation_decide")
    if any(p.published_at is None for p in case.publications.all()):
        steps.append("publish")
    return steps


def _unreviewed(case: Case) -> list:
    return [s for s in case.statements.all() if s.reviewed_at is None]


def may_print_personal_data(user, case: Case) -> bool:
    """Whether `user` may render the case's papers with the party's full ID number: the case's
    officers and its legal reviewers (法制审核人员 of the agency). Everyone else who may see the
    case (leaders, the command centre) gets a masked copy, which is not a valid paper."""
    if any(u.pk == user.pk for u in case.officers.all()) or case.reviewer_id == user.pk:
        return True
    officer = officer_of(user)
    return bool(officer and officer.legal_reviewer and officer.department_id == case.department_id)


def case_waiting_for(case: Case) -> str:
    """What the case waits on that the handling officer cannot do (shown on the case page)."""
    if case.stage in (S.NOTIFIED, S.HEARD) and review_required(case):
        return "待法制审核人员审核后方可作出决定（行政处罚法第五十八条）。"
    if case.stage == S.HEARING and case.hearing_at:
        when = timezone.localtime(case.hearing_at)
        return f"听证定于 {when:%Y-%m-%d %H:%M} 举行；听证期间办案期限中止计算。"
    if case.stage == S.NOTIFIED and case.hearing_offered:
        return "当事人可在告知后五个工作日内申请听证；期满或当事人明确放弃后方可决定。"
    return ""


def _parse_day(value, field):
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD。", fields={field: ["格式不正确"]})


def case_kpis(*, user, date_from=None, date_to=None) -> dict:
    """Cases by stage and procedure, on-time share per step, on-the-spot share, patrol share,
    fines decided and collected, over cases opened in [from, to]."""
    start, end = _parse_day(date_from, "from"), _parse_day(date_to, "to")
    qs = Case.objects.visible_to(user)
    if start:
        qs = qs.filter(opened_at__date__gte=start)
    if end:
        qs = qs.filter(opened_at__date__lte=end)
    total = qs.count()
    by_stage = dict(qs.values_list("stage").annotate(n=Count("id")).order_by())
    by_procedure = dict(qs.values_list("procedure").annotate(n=Count("id")).order_by())
    decided = qs.filter(decided_at__isnull=False)
    on_spot = decided.filter(procedure=Case.Procedure.SIMPLE).count()
    patrol = qs.filter(source=Case.Source.PATROL).count()
    steps = {}
    rows = Deadline.objects.filter(case__in=qs).values_list("step", "state")
    for step, state in rows:
        done = steps.setdefault(step, {"met": 0, "late": 0, "overdue": 0, "open": 0})
        key = {"met": "met", "late": "late", "overdue": "overdue"}.get(state, "open")
        done[key] += 1
    on_time = {
        step: {**c, "on_time_share": round(c["met"] / (c["met"] + c["late"] + c["overdue"]), 4)
               if (c["met"] + c["late"] + c["overdue"]) else None}
        for step, c in steps.items()
    }  # fmt: skip
    sums = decided.aggregate(decided=Sum("fine_amount"), collected=Sum("paid_amount"))
    return {
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "cases": total,
        "by_stage": by_stage,
        "by_procedure": by_procedure,
        "on_time": on_time,
        "decided_on_spot_share": round(on_spot / decided.count(), 4) if decided.count() else None,
        "found_by_patrol_share": round(patrol / total, 4) if total else None,
        "fines_decided": str(Decimal(sums["decided"] or 0).quantize(CENT)),
        "fines_collected": str(Decimal(sums["collected"] or 0).quantize(CENT)),
    }


def plan_list(*, user=None, public: bool = False):
    qs = InspectionPlan.objects.prefetch_related("matters").order_by("-created_at")
    if public:
        return qs.exclude(status=InspectionPlan.Status.DRAFT)
    from yiwang.accounts.models import Role
    from yiwang.accounts.scope import data_scope

    scope = data_scope(user)
    if scope.is_global:
        return qs
    mine = Q(department_id__in=scope.department_ids)
    if scope.has_role(Role.LEADER, Role.DISPATCHER, Role.ADMIN):
        # the street oversees the plans of its own departments, not another street's
        for prefix in scope.region_prefixes:
            mine |= Q(department__parent__region_code__startswith=prefix)
    return qs.filter(mine)


def plan_get(*, user, id, public: bool = False) -> InspectionPlan:  # noqa: A002
    from yiwang.core.errors import NotFound

    if int(id) > 2**62:
        raise NotFound("抽查计划不存在或无权查看。")
    plan = (
        plan_list(user=user, public=public)
        .prefetch_related(
            Prefetch(
                "targets",
                queryset=InspectionTarget.objects.select_related("entity").prefetch_related(
                    "inspectors"
                ),
            )
        )
        .filter(pk=id)
        .first()
    )
    if plan is None:
        raise NotFound("抽查计划不存在或无权查看。")
    return plan


def work_order_links(order, user) -> list:
    """The cases opened from a work order (已立案), for the order page (workorders.links)."""
    from django.urls import reverse

    from yiwang.workorders.links import OrderLink

    if not getattr(user, "is_authenticated", False):
        return []
    cases = Case.objects.visible_to(user).filter(work_order_id=order.pk).order_by("pk")
    return [
        OrderLink(
            badge="已立案" if case.stage != Case.Stage.CLOSED else "案件已结案",
            label=f"执法案件 {case.code}（{case.get_stage_display()}）",
            url=reverse("enforcement:detail", args=[case.pk]),
            waits=case.stage in Case.OPEN_STAGES,
        )
        for case in cases
    ]


def inspections_of_entity(entity_id: int) -> list[dict]:
    """Every 双随机 check made on one 法人 that has been carried out, with its date, unit and
    result: what a firm may see of the checks made on it (国办发〔2024〕54号)."""
    targets = (
        InspectionTarget.objects.filter(entity_id=entity_id, inspected_at__isnull=False)
        .select_related("plan__department")
        .order_by("-inspected_at")
    )
    return [
        {
            "date": t.inspected_at,
            "kind": f"双随机抽查：{t.plan.name}",
            "unit": t.plan.department.name,
            "result": t.get_result_display(),
        }
        for t in targets
    ]


def case_publication(*, user, id) -> Publication:  # noqa: A002
    """A penalty decision's publication (公开) of a case the user may see; anything else is
    404 ("not yours" answers like "not found")."""
    pub = Publication.objects.filter(pk=min(id, 2**62), case__isnull=False).first()
    if pub is None:
        raise NotFound("公开的处罚决定不存在或无权查看。")
    case_get(user=user, id=pub.case_id)
    return pub


def summons_received(*, user):
    """联合执法召集 sent to the units the user works in."""
    return Summons.objects.filter(partner_id__in=staff_unit_ids(user))
