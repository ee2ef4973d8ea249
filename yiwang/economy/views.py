"""Pages of the economy desk (thin views over the services and selectors).

    /economy/                      经济发展局 desk: firms, overdue visits, enterprise KPIs, policies
    /economy/evaluation/?year=     亩均效益评价: run, classes on the map, results, .xlsx export
    /economy/official/             挂钩人员 (phone): my firms, overdue visits, pushed policies
    /economy/firms/<id>/           a firm: profile, figures, officials, visits, requests (+ forms)
    /economy/my/                   the firm's own page (company user)
    /economy/my/requests/<id>/rate/  POST the firm's rating of a request
    /economy/figures/import/       POST an .xlsx of yearly figures (row errors as messages)
    /economy/figures/template/     the empty import template

Forms post and redirect (POST/redirect/GET); a service refusal (`ServiceError`) is shown as a
message on the page it came from, never a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yiwang.core.errors import NotFound, ServiceError
from yiwang.economy import selectors, xlsx
from yiwang.economy import services as sv
from yiwang.economy.evaluation import INDICATORS
from yiwang.economy.industries import SIZE_LABELS, division_label
from yiwang.economy.models import CLASS_CHOICES, OfficialAssignment
from yiwang.workorders.models import WorkOrder

CLASS_LABELS = dict(CLASS_CHOICES)


def _nav(user) -> list[tuple[str, str]]:
    links = []
    if sv.is_bureau(user):
        links += [("企业服务台", "/economy/"), ("亩均评价", "/economy/evaluation/")]
    if OfficialAssignment.objects.filter(official=user, is_active=True).exists():
        links.append(("我挂钩的企业", "/economy/official/"))
    if sv.firm_of_user(user) is not None:
        links.append(("我的企业", "/economy/my/"))
    return links


def _render(request, template: str, context: dict, status: int = 200):
    context = {"economy_nav": _nav(request.user), **context}
    return render(request, template, context, status=status)


def _not_found(request, message: str = "未找到该页面或您无权查看。"):
    return _render(request, "economy/not_found.html", {"message": message}, status=404)


def _run_service(request, fn, success: str, **kwargs):
    try:
        result = fn(**kwargs)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return None
    messages.success(request, success)
    return result


# --- the bureau's desk ------------------------------------------------------------------------


@login_required
def desk(request):
    if not sv.is_bureau(request.user):
        return _not_found(request)
    filters = request.GET
    firms = list(selectors.firm_list(user=request.user, filters=filters)[:200])
    today = timezone.localdate()
    kpis = selectors.enterprise_kpis(
        user=request.user, date_from=today.replace(month=1, day=1), date_to=today
    )
    policies = list(selectors.policy_list(user=request.user)[:20])
    for policy in policies:
        policy.eligible_count = len(
            selectors.policy_eligible_firms(user=request.user, policy=policy)
        )
    context = {
        "firms": firms,
        "filters": filters,
        "size_labels": SIZE_LABELS,
        "overdue": selectors.overdue_visits(user=request.user)[:50],
        "kpis": kpis,
        "policies": policies,
        "classes": CLASS_CHOICES,
    }
    return _render(request, "economy/desk.html", context)


@login_required
@require_POST
def policy_push(request, pk: int):
    try:
        policy = selectors.policy_get(user=request.user, id=pk)
    except NotFound:
        return _not_found(request)
    count = _run_service(request, sv.policy_push, "政策已推送。", actor=request.user, policy=policy)
    if count is not None:
        messages.info(request, f"新推送 {count} 条（每家企业的挂钩人员各一条）。")
    return redirect("economy:desk")


# --- 亩均效益评价 -----------------------------------------------------------------------------


def _years() -> list[int]:
    this = timezone.localdate().year
    return list(range(this - 1, this - 6, -1))


@login_required
def evaluation(request):
    if not sv.is_bureau(request.user):
        return _not_found(request)
    if request.method == "POST":
        run = _run_service(
            request,
            sv.evaluation_run,
            "评价已完成。",
            actor=request.user,
            year=request.POST.get("year"),
        )
        target = f"/economy/evaluation/?run={run.pk}" if run else "/economy/evaluation/"
        return redirect(target)
    runs = list(selectors.evaluation_run_list(user=request.user)[:20])
    run = None
    if request.GET.get("run"):
        try:
            run = selectors.evaluation_run_get(user=request.user, id=request.GET["run"])
        except NotFound:
            return _not_found(request)
    elif runs:
        run = runs[0]
    klass = request.GET.get("class", "")
    results = (
        list(selectors.evaluation_results(user=request.user, run=run, klass=klass)[:300])
        if run
        else []
    )
    scheme = sv.current_scheme()
    context = {
        "runs": runs,
        "run": run,
        "results": results,
        "klass": klass,
        "classes": CLASS_CHOICES,
        "years": _years(),
        "scheme": scheme,
        "indicators": [(INDICATORS[k][0], w) for k, w in scheme.weights.items()],
        "points": selectors.class_map(user=request.user, run=run) if run else [],
    }
    return _render(request, "economy/evaluation.html", context)


@login_required
def evaluation_export(request, pk: int):
    try:
        run = selectors.evaluation_run_get(user=request.user, id=pk)
    except NotFound:
        return _not_found(request)
    content = xlsx.evaluation_export(
        run=run, results=selectors.evaluation_results(user=request.user, run=run)
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="evaluation-{run.year}.xlsx"'
    return response


# --- officials --------------------------------------------------------------------------------


@login_required
def official(request):
    rows = selectors.official_firms(user=request.user)
    notices = list(selectors.policy_notices(user=request.user)[:30])
    if not rows and not notices and not sv.is_bureau(request.user):
        return _not_found(request, "您没有挂钩服务的企业。")
    return _render(request, "economy/official.html", {"rows": rows, "notices": notices})


def _firm_context(request, firm) -> dict:
    user = request.user
    return {
        "firm": firm,
        "industry": division_label(firm.industry),
        "size": SIZE_LABELS.get(firm.size_class, "未划分"),
        "figures": list(firm.figures.order_by("-year")[:5]),
        "contacts": list(firm.contacts.all()),
        "visits": list(selectors.firm_visits(firm)[:20]),
        "requests": list(selectors.enterprise_requests(user=user, firm=firm)[:20]),
        "categories": sv.enterprise_categories(),
        "may_visit": sv.is_official_of(user, firm) or sv.is_bureau(user),
        "is_bureau": sv.is_bureau(user),
        "candidates": sv.official_candidates() if sv.is_bureau(user) else [],
        "this_year": timezone.localdate().year,
        "today": timezone.localdate().isoformat(),
        "class_label": CLASS_LABELS.get(firm.evaluation_class or "", ""),
        "result": selectors.firm_latest_result(firm),
    }


@login_required
def firm_detail(request, pk: int):
    try:
        firm = selectors.firm_get(user=request.user, id=pk)
    except NotFound:
        return _not_found(request)
    if sv.firm_of_user(request.user) == firm and not sv.is_bureau(request.user):
        return redirect("economy:my")
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "visit":
            _run_service(
                request,
                sv.visit_record,
                "走访已登记。",
                actor=request.user,
                firm=firm,
                visited_on=request.POST.get("visited_on"),
                summary=request.POST.get("summary", ""),
                raised=request.POST.get("raised", ""),
            )
        elif action == "figures":
            _run_service(
                request,
                sv.firm_figures_save,
                "年度数据已保存。",
                actor=request.user,
                firm=firm,
                **{k: request.POST.get(k, "") for k in ["year", *sv.FIGURE_FIELDS]},
            )
        elif action == "official":
            _assign_official(request, firm)
        elif action == "request":
            _run_service(
                request,
                sv.enterprise_request_create,
                "诉求已提交，进入工单流程。",
                actor=request.user,
                firm=firm,
                description=request.POST.get("description", ""),
                category=request.POST.get("category", ""),
            )
        return redirect("economy:firm", pk=firm.pk)
    return _render(request, "economy/firm.html", _firm_context(request, firm))


def _assign_official(request, firm) -> None:
    from yiwang.accounts.models import User

    official = User.objects.filter(pk=request.POST.get("official") or 0, is_active=True).first()
    if official is None or official not in sv.official_candidates():
        messages.error(request, "请选择挂钩人员。")
        return
    _run_service(
        request,
        sv.official_assign,
        "挂钩人员已安排。",
        actor=request.user,
        firm=firm,
        official=official,
        kind=request.POST.get("kind", "staff"),
    )


@login_required
@require_POST
def figures_import(request):
    if not sv.is_bureau(request.user):
        return _not_found(request)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要导入的 .xlsx 文件。")
        return redirect("economy:desk")
    result = _run_service(
        request,
        xlsx.figures_import,
        "导入完成。" if not request.POST.get("dry_run") else "校验完成（未写入）。",
        actor=request.user,
        data=upload.read(),
        filename=upload.name,
        dry_run=bool(request.POST.get("dry_run")),
    )
    if result is not None:
        messages.info(
            request,
            f"共 {result.total} 行：新增 {result.created}，更新 {result.updated}，"
            f"拒绝 {result.rejected}。",
        )
        for error in result.errors[:10]:
            messages.error(request, f"第{error['row']}行 {error['column']}：{error['message']}")
    return redirect("economy:desk")


@login_required
def figures_template(request):
    response = HttpResponse(
        xlsx.figures_template(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="figures-template.xlsx"'
    return response


# --- the firm's own page ----------------------------------------------------------------------


@login_required
def my_firm(request):
    try:
        firm = selectors.my_firm(user=request.user)
    except NotFound:
        return _not_found(request, "您的账号尚未绑定企业，请联系街道经济发展局。")
    if request.method == "POST":
        _run_service(
            request,
            sv.enterprise_request_create,
            "诉求已提交，我们会尽快办理。",
            actor=request.user,
            firm=firm,
            description=request.POST.get("description", ""),
            category=request.POST.get("category", ""),
        )
        return redirect("economy:my")
    context = _firm_context(request, firm)
    for item in context["requests"]:
        order = item.work_order
        item.to_rate = (
            order.reporter_id == request.user.pk
            and order.status in WorkOrder.DONE_STATES
            and not (order.rated_at and order.completed_at and order.rated_at >= order.completed_at)
        )
    context.update(
        officials=firm.active_officials,
        policies=selectors.policies_for_firm(firm, firm.evaluation_class),
        timeline=selectors.firm_timeline(firm),
        satisfactions=WorkOrder.Satisfaction.choices,
    )
    return _render(request, "economy/my.html", context)


@login_required
@require_POST
def my_request_rate(request, pk: int):
    try:
        item = selectors.enterprise_request_get(user=request.user, id=pk)
    except NotFound:
        return _not_found(request)
    _run_service(
        request,
        sv.enterprise_request_rate,
        "感谢您的评价。",
        actor=request.user,
        enterprise_request=item,
        version=request.POST.get("version"),
        satisfaction=request.POST.get("satisfaction", ""),
        comment=request.POST.get("comment", ""),
    )
    return redirect("economy:my")
