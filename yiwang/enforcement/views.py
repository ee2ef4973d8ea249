"""HTML pages of 综合执法 (phone first for officers in the field): thin views over services and
selectors.

    /enforcement/                         案件列表 with stage and SLA colours
    /enforcement/cases/new/?work_order=   登记案件 (from a work order: 已立案 link stored)
    /enforcement/cases/<id>/              案卷: deadlines, the steps the law allows next,
                                          evidence, documents (PDF), summons, timeline
    /enforcement/cases/<id>/<action>/     POST one step (form with `version`)
    /enforcement/matters/                 执法事项清单
    /enforcement/inspections/             双随机 plans; /enforcement/inspections/<id>/ draw, results
    /public/inspections/                  双随机一公开 without login

A refused step comes back as the case page with the Chinese reason next to its form (4xx),
never a 500.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yiwang.accounts.models import OrgUnit, User
from yiwang.core.errors import Forbidden, NotFound, ServiceError, ValidationFailed
from yiwang.core.workdays import TimeUnit, deadline_for
from yiwang.enforcement import selectors, services
from yiwang.enforcement.api import run_action
from yiwang.enforcement.models import (
    Case,
    CaseRecord,
    Document,
    Evidence,
    InspectionTarget,
    Officer,
    Preservation,
    Publication,
    Statement,
)
from yiwang.enforcement.services.cases import SIMPLE_LIMIT, late_fee
from yiwang.enforcement.services.common import officer_of
from yiwang.enforcement.services.publication import (
    publication_may_withdraw,
    publication_withdraw,
)

EVENT_LABELS = {
    **selectors.ACTION_LABELS,
    "open": "登记案件",
    "supervise": "超期督办",
    "bulletin": "案情通报",
    "withdraw_publication": "撤回公开",
}
STAGE_TABS = [("open", "办理中"), ("closed", "已结案"), ("all", "全部")]


def _nav():
    return [
        ("案件", "/enforcement/"),
        ("登记案件", "/enforcement/cases/new/"),
        ("事项清单", "/enforcement/matters/"),
        ("双随机抽查", "/enforcement/inspections/"),
    ]


def _case(user, pk):
    """The case, or the site's 404 page ("not yours" answers like "not found")."""
    try:
        return selectors.case_get(user=user, id=pk)
    except NotFound as exc:
        raise Http404(exc.message)


def _plan(user, pk):
    try:
        return selectors.plan_get(user=user, id=pk)
    except NotFound as exc:
        raise Http404(exc.message)


def _render(request, template, context, status=200):
    return render(request, template, {"enf_nav": _nav(), **context}, status=status)


@login_required
def case_list(request):
    tab = request.GET.get("tab", "open")
    filters = {"open": "1"} if tab == "open" else {"stage": "closed"} if tab == "closed" else {}
    cases = list(selectors.case_list(user=request.user, filters=filters)[:200])
    now = timezone.now()
    for case in cases:
        case.colour = selectors.case_colour(case, now)
        running = [d for d in case.deadlines.all() if d.state in ("open", "overdue")]
        case.next_deadline = min(running, key=lambda d: d.due) if running else None
    return _render(request, "enforcement/list.html",
                   {"cases": cases, "tab": tab, "tabs": STAGE_TABS})  # fmt: skip


def _party_from_post(post) -> dict:
    kind = post.get("party_kind")
    party = {"kind": kind, "name": post.get("party_name", ""), "phone": post.get("party_phone"),
             "address": post.get("party_address", "")}  # fmt: skip
    if kind == "organisation":
        party["credit_code"] = post.get("party_code", "")
    else:
        party["id_number"] = post.get("party_code", "")
    return party


@login_required
def case_new(request):
    from yiwang.workorders.selectors import work_order_get

    order, error = None, None
    order_id = request.GET.get("work_order") or request.POST.get("work_order")
    if order_id:
        try:
            order = work_order_get(user=request.user, id=int(order_id))
        except (ServiceError, ValueError):
            order = None
    if request.method == "POST":
        try:
            case = services.case_open(
                actor=request.user, procedure=request.POST.get("procedure"),
                matter=request.POST.get("matter"), party=_party_from_post(request.POST),
                facts=request.POST.get("facts"), address=request.POST.get("address", ""),
                work_order=order.pk if order else None,
                lon=request.POST.get("lon") or None, lat=request.POST.get("lat") or None,
            )  # fmt: skip
        except ServiceError as exc:
            error = exc
        else:
            messages.success(request, f"已登记案件 {case.code}。")
            return redirect("enforcement:detail", pk=case.pk)
    context = {
        "order": order,
        "facts_default": order.description if order else "",
        "address_default": order.address if order else "",
        "matters": selectors.matter_list(),
        "form": request.POST if request.method == "POST" else {},
        "error": error,
        "is_officer": officer_of(request.user) is not None,
    }
    return _render(request, "enforcement/new.html", context, status=error.status if error else 200)


def _form_context(case: Case, user) -> dict:
    """Choices and defaults of the step forms (only what the law allows)."""
    now = timezone.now()
    officers = Officer.objects.select_related("user").filter(
        department=case.department, is_active=True
    )
    on_case = {u.pk for u in case.officers.all()}
    earliest = timezone.localtime(deadline_for(now, 7, TimeUnit.WORK_DAYS))
    hearing_default = dt.datetime.combine(earliest.date() + dt.timedelta(days=1), dt.time(9, 30))
    expected = None
    if case.fine_amount and case.stage == Case.Stage.SERVED:
        expected = case.fine_amount + late_fee(case, now)[1]
    return {
        "officer_choices": [o.user for o in officers],
        "chair_choices": [o.user for o in officers if o.user_id not in on_case],
        "evidence_kinds": Evidence.Kind.choices,
        "partners": OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT).exclude(
            pk=case.department_id
        ),
        "simple_limit": SIMPLE_LIMIT[case.party_kind],
        "fine_range": case.matter.fine_range(case.party_kind),
        "hearing_default": hearing_default.strftime("%Y-%m-%dT%H:%M"),
        "now_local": timezone.localtime(now).strftime("%Y-%m-%dT%H:%M"),
        "expected_payment": expected,
        "on_spot_allowed": case.procedure == "simple"
        and case.fine_amount
        and case.fine_amount <= 100,
    }


def _record_context(case: Case) -> dict:
    from yiwang.enforcement.services.publication import decision_days

    return {
        "record_kinds": CaseRecord.Kind.choices,
        "preservation_decisions": Preservation.Decision.choices,
        "statement_conclusions": Statement.Conclusion.choices,
        "pending_preservations": [p for p in case.preservations.all() if p.decided_at is None],
        "unreviewed_statements": [s for s in case.statements.all() if s.reviewed_at is None],
        "publish_days": decision_days(),
    }


def _detail(request, pk, *, error=None, failed_action="", status=200, void=None):
    case = _case(request.user, pk)
    now = timezone.now()
    deadlines = [
        {**selectors.deadline_json(d, now), "due_local": timezone.localtime(d.due)}
        for d in case.deadlines.all()
    ]
    stages = dict(Case.Stage.choices)
    timeline = [
        {"event": e, "label": EVENT_LABELS.get(e.action, e.action),
         "stage": stages.get(e.to_stage, "")}
        for e in case.events.all()
    ]  # fmt: skip
    actions = selectors.case_actions(user=request.user, case=case)
    context = {
        "case": case,
        "deadlines": deadlines,
        "timeline": timeline,
        "actions": [(a, selectors.ACTION_LABELS[a]) for a in actions],
        "error": error,
        "failed_action": failed_action,
        "general_error": error if error and failed_action not in actions else None,
        "colour": selectors.case_colour(case, now),
        "waiting": selectors.case_waiting_for(case),
        "posted": request.POST if error and request.method == "POST" else {},
        "posted_officers": request.POST.getlist("officers") if error else [],
        "no_post": {},
        "may_void": selectors.may_print_personal_data(request.user, case)
        and officer_of(request.user) is not None,
        "full_pii_papers": selectors.may_print_personal_data(request.user, case),
        "may_withdraw": publication_may_withdraw(request.user, case),
        **(void or {}),
        **_form_context(case, request.user),
        **_record_context(case),
    }
    return _render(request, "enforcement/detail.html", context, status=status)


@login_required
def case_detail(request, pk):
    return _detail(request, pk)


def _step_data(post) -> dict:
    data = {k: v for k, v in post.items()}
    if "penalty_kind" in post:
        data["penalty"] = {"kind": post.get("penalty_kind"), "amount": post.get("penalty_amount")}
    data["officers"] = post.getlist("officers")
    data["partners"] = post.getlist("partners")
    return data


@login_required
@require_POST
def case_action(request, pk, action):
    case = _case(request.user, pk)
    try:
        run_action(action, request.user, case, _step_data(request.POST), request.FILES)
    except ServiceError as exc:
        return _detail(request, pk, error=exc, failed_action=action, status=exc.status)
    messages.success(request, f"{selectors.ACTION_LABELS.get(action, action)}：已完成。")
    return redirect("enforcement:detail", pk=pk)


@login_required
@require_POST
def document_void(request, pk):
    """作废 a paper's number with its reason (and, by default, issue it again under a new
    number); the voided number stays listed on the case, never reused."""
    doc = Document.objects.filter(pk=min(pk, 2**62), case__isnull=False).first()
    if doc is None:
        raise Http404("文书不存在。")
    case = _case(request.user, doc.case_id)
    reason = request.POST.get("reason", "")
    try:
        if not (selectors.may_print_personal_data(request.user, case) and officer_of(request.user)):
            raise Forbidden("只有本案承办人员或法制审核人员可以作废文书。")
        if request.POST.get("reissue"):
            new = services.document_reissue(actor=request.user, document=doc, reason=reason)
            messages.success(request, f"已作废 {doc.number}，重新出具为 {new.number or '新文书'}。")
        else:
            services.document_void(actor=request.user, document=doc, reason=reason)
            messages.success(request, f"已作废 {doc.number}。")
    except ServiceError as exc:
        void = {"void_error": exc, "void_failed": doc.pk, "void_reason": reason}
        return _detail(request, case.pk, status=exc.status, void=void)
    return redirect("enforcement:detail", pk=case.pk)


def _is_admin(user) -> bool:
    return user.is_superuser or user.has_role("admin")


@login_required
def matter_list(request):
    """执法事项清单 with its .xlsx export, and for system admins the .xlsx import: checked
    first ("检查"), every row error listed, nothing imported unless all rows are valid."""
    context = {"q": request.GET.get("q", ""), "may_import": _is_admin(request.user)}
    status = 200
    if request.method == "POST":
        if not context["may_import"]:
            raise PermissionDenied("只有系统管理员可以导入执法事项清单。")
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationFailed("请选择 .xlsx 文件。", fields={"file": ["必填"]})
            context["result"] = services.matters_import(
                actor=request.user, content=upload.read(), dry_run=bool(request.POST.get("dry_run"))
            )
        except ServiceError as exc:
            context["import_error"] = exc
            context["row_errors"] = sorted(
                ((int(k.split("_")[1]), v) for k, v in (exc.fields or {}).items()
                 if k.startswith("row_")), key=lambda r: r[0])  # fmt: skip
            status = exc.status
    context["matters"] = selectors.matter_list(filters=request.GET)
    return _render(request, "enforcement/matters.html", context, status=status)


# --- 双随机一公开 -----------------------------------------------------------------------------


@login_required
def plan_list(request):
    error = None
    if request.method == "POST":
        try:
            plan = services.inspection_plan_create(
                actor=request.user, name=request.POST.get("name"),
                matters=request.POST.getlist("matters"),
                population={"entity_kinds": request.POST.getlist("entity_kinds"),
                            "grids": [g for g in request.POST.get("grids", "").split() if g]},
                count=request.POST.get("count") or None, ratio=request.POST.get("ratio") or None,
                inspectors_per_target=request.POST.get("inspectors_per_target") or 2,
            )  # fmt: skip
        except ServiceError as exc:
            error = exc
        else:
            return redirect("enforcement:plan", pk=plan.pk)
    from yiwang.basedata.models import LegalEntity

    context = {
        "plans": selectors.plan_list(user=request.user),
        "error": error,
        "matters": selectors.matter_list(),
        "kinds": LegalEntity.Kind.choices,
    }
    return _render(
        request, "enforcement/plans.html", context, status=error.status if error else 200
    )


@login_required
def plan_detail(request, pk):
    plan = _plan(request.user, pk)
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("step") == "draw":
                services.inspection_plan_draw(actor=request.user, plan=plan,
                                              version=request.POST.get("version"),
                                              seed=request.POST.get("seed"))  # fmt: skip
            elif request.POST.get("step") == "publish":
                services.inspection_results_publish(actor=request.user, plan=plan)
            else:
                services.inspection_result_record(
                    actor=request.user, plan=plan, target_id=request.POST.get("target"),
                    result=request.POST.get("result"), note=request.POST.get("note", ""),
                    open_case=bool(request.POST.get("open_case")),
                )  # fmt: skip
        except ServiceError as exc:
            error = exc
        else:
            return redirect("enforcement:plan", pk=pk)
        plan = _plan(request.user, pk)
    from yiwang.basedata.models import LegalEntity

    kinds = dict(LegalEntity.Kind.choices)
    context = {
        "plan": plan,
        "error": error,
        "results": InspectionTarget.Result.choices[1:],
        "me": request.user,
        "pending_publication": _attach_publications(plan),
        "kind_labels": [kinds.get(k, k) for k in plan.population_filter.get("entity_kinds", [])],
    }
    # fmt: skip
    return _render(request, "enforcement/plan.html", context, status=error.status if error else 200)


def _attach_publications(plan) -> int:
    """Each target gets `.pub` (its publication row or None); returns how many wait."""
    pubs = {p.target_id: p for p in Publication.objects.filter(target__plan=plan)}
    for t in plan.targets.all():
        t.pub = pubs.get(t.pk)
    return sum(1 for p in pubs.values() if p.published_at is None)


@login_required
def summons_inbox(request):
    """联合执法召集 received by my units: acknowledge, record arrival, record what we did."""
    from yiwang.enforcement.services.joint import arrival_overdue

    error = None
    if request.method == "POST":
        pk = request.POST.get("summons", "")
        received = selectors.summons_received(user=request.user)
        row = received.filter(pk=int(pk)).first() if pk.isdigit() and len(pk) < 18 else None
        if row is None:
            raise Http404("召集不存在。")
        try:
            services.summons_step(actor=request.user, summons=row,
                                  version=request.POST.get("version"),
                                  action=request.POST.get("action", ""),
                                  note=request.POST.get("note", ""))  # fmt: skip
        except ServiceError as exc:
            error = exc
        else:
            return redirect("enforcement:summons")
    rows = list(
        selectors.summons_received(user=request.user)
        .select_related("case", "partner", "case__matter")
        .distinct()
        .order_by("-created_at")[:100]
    )
    now = timezone.now()
    for row in rows:
        row.late = arrival_overdue(row, now)
    context = {"rows": rows, "error": error}
    return _render(
        request, "enforcement/summons.html", context, status=error.status if error else 200
    )


def public_inspections(request):
    """双随机一公开: plans, the draw record and the published results, for everyone."""
    plans = list(selectors.plan_list(public=True).prefetch_related("targets__entity")[:50])
    published = set(
        Publication.objects.filter(target__plan__in=plans, published_at__isnull=False,
                                   withdrawn_at__isnull=True).values_list("target_id", flat=True)
    )  # fmt: skip
    for plan in plans:
        plan.shown = [(t, t.pk in published) for t in plan.targets.all()]
    return render(request, "enforcement/public.html", {"plans": plans})


def public_penalties(request):
    """行政处罚决定公开 (Art. 48): published decisions, a person's name masked, no ID numbers."""
    rows = Publication.objects.filter(
        kind=Publication.Kind.DECISION, published_at__isnull=False
    ).order_by("-published_at")[:200]
    return render(request, "enforcement/public_penalties.html", {"rows": rows})


__all__ = ["User"]


@login_required
@require_POST
def publication_withdraw_page(request, pk, publication):
    case = _case(request.user, pk)  # "not yours" answers like "not found"
    pub = Publication.objects.filter(pk=min(publication, 2**62), case_id=case.pk).first()
    if pub is None:
        raise Http404("公开信息不存在。")
    reason = request.POST.get("reason", "")
    try:
        publication_withdraw(actor=request.user, publication=pub, reason=reason)
    except ServiceError as exc:
        form = {"withdraw_error": exc, "withdraw_failed": pub.pk, "withdraw_reason": reason}
        return _detail(request, case.pk, status=exc.status, void=form)
    messages.success(request, "已撤回公开的处罚决定，公示页显示撤回及理由。")
    return redirect("enforcement:detail", pk=case.pk)
