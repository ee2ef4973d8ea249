"""Pages of the command center (指挥调度一中心), thin over services and selectors:

/command/                         大屏: map drill-down, live counts, KPIs, trends, feed
/command/analysis/                分析研判: one KPI by a dimension, two periods, .xlsx
/command/assessment/?month=&kind= 考核: the ranking, each score with its facts
/command/tasks/<id>/              one task's progress per grid
/command/tasks/mine/              the grid worker's tasks (phone): 确认收到 and 回报
/command/tasks/<id>/<grid>/<verb>/  POST confirm / report
/command/incidents/<id>/          one emergency: chain, timeline, 确认接报
/command/incidents/<id>/ack/      POST
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from yiwang.command import selectors, services
from yiwang.command.services.common import DESK_ROLES
from yiwang.command.services.incidents import incident_get_for
from yiwang.core.errors import NotFound, ServiceError
from yiwang.core.months import month_bounds


def _desk_only(request):
    if request.user.has_role(*DESK_ROLES):
        return None
    return render(request, "command/forbidden.html", status=403)


@login_required
@require_GET
def screen(request):
    if refused := _desk_only(request):
        return refused
    return render(request, "command/screen.html", {"tile_url": settings.YIWANG_TILE_URL})


@login_required
@require_GET
def analysis(request):
    if refused := _desk_only(request):
        return refused
    p = request.GET
    context = {"metrics": selectors.METRICS, "dimensions": selectors.DIMENSIONS, "q": p}
    try:
        date_from, date_to = selectors.parse_period(p.get("from"), p.get("to"))
        compare = (None, None)
        if p.get("compare_from") and p.get("compare_to"):
            compare = selectors.parse_period(p.get("compare_from"), p.get("compare_to"))
        context["data"] = selectors.analysis(
            user=request.user,
            metric=p.get("metric", "reported"),
            by=p.get("by", "community"),
            date_from=date_from,
            date_to=date_to,
            region=p.get("region", ""),
            compare_from=compare[0],
            compare_to=compare[1],
        )
    except ServiceError as exc:
        context["error"] = exc.message
    context["export"] = request.GET.urlencode()
    return render(request, "command/analysis.html", context)


@login_required
@require_GET
def assessment(request):
    if refused := _desk_only(request):
        return refused
    month = request.GET.get("month") or timezone.localdate().strftime("%Y-%m")
    kind = request.GET.get("kind") or "department"
    return render(request, "command/assessment.html", assessment_context(request, month, kind))


def assessment_context(request, month: str, kind: str, **extra) -> dict:
    """What the assessment page shows (also re-rendered by a refused 存档, with its error)."""
    from yiwang.command.views.assessment_store import store_context

    context = {"month": month, "kind": kind, **extra}
    try:
        data = selectors.assessment_rows(user=request.user, month=month, kind=kind)
    except ServiceError as exc:
        context["error"] = exc.message
    else:
        from django.utils.dateparse import parse_datetime

        context["data"] = data
        context["stored_at"] = data["stored_at"] and parse_datetime(data["stored_at"])
        context["is_past"] = month_bounds(month)[1] < timezone.localdate()
        context.update(store_context(request.user, month, kind, data))
    return context


@login_required
def task_new(request):
    """The dispatcher's form: title, instructions, deadline, grids (or a whole community)."""
    if refused := _desk_only(request):
        return refused
    grids = list(selectors.grid_choices(user=request.user))
    form = {"title": "", "instructions": "", "due": "", "fields": "", "grids": []}
    error = ""
    if request.method == "POST":
        p = request.POST
        form = {
            "title": p.get("title", ""),
            "instructions": p.get("instructions", ""),
            "due": p.get("due", ""),
            "fields": p.get("report_fields", ""),
            "grids": p.getlist("grids"),
        }
        fields = [f.strip() for f in form["fields"].replace("，", ",").split(",") if f.strip()]
        try:
            task = services.task_create(
                actor=request.user,
                title=form["title"],
                instructions=form["instructions"],
                grids=form["grids"] or None,
                region=p.get("region") or None,
                due=form["due"],
                report_fields=fields,
            )
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, f"已布置到 {task.assignments.count()} 个网格。")
            return redirect("command:task", pk=task.pk)
    return render(
        request,
        "command/task_new.html",
        {"grids": grids, "form": form, "error": error},
        status=400 if error else 200,
    )


@login_required
@require_GET
def weekly_report(request):
    """每周分析报告 (PDF): last week by default, or `?from=&to=`; the worker's stored copy when
    it exists."""
    from django.http import FileResponse, HttpResponse

    from yiwang.command import documents

    if refused := _desk_only(request):
        return refused
    default = documents.last_week(timezone.localdate())
    try:
        date_from, date_to = selectors.parse_period(
            request.GET.get("from") or default[0], request.GET.get("to") or default[1]
        )
    except ServiceError as exc:
        return render(request, "command/forbidden.html", {"message": exc.message}, status=400)
    name = f"weekly-{date_from}-{date_to}.pdf"
    stored = documents.stored_path(request.user, date_from, date_to)
    if stored.exists():
        return FileResponse(stored.open("rb"), content_type="application/pdf", filename=name)
    pdf = documents.weekly_report_pdf(user=request.user, date_from=date_from, date_to=date_to)
    answer = HttpResponse(pdf, content_type="application/pdf")
    answer["Content-Disposition"] = f'inline; filename="{name}"'
    return answer


@login_required
@require_GET
def task_detail(request, pk: int):
    try:
        task = selectors.task_get(user=request.user, id=pk)
    except NotFound:
        return render(request, "command/forbidden.html", status=404)
    return render(request, "command/task.html", {"p": selectors.task_progress(task)})


@login_required
@require_GET
def my_tasks(request):
    rows = list(selectors.my_assignments(user=request.user))
    return render(request, "command/my_tasks.html", {"rows": rows, "now": timezone.now()})


@login_required
@require_POST
def assignment_action(request, pk: int, grid: str, verb: str):
    try:
        if verb == "confirm":
            services.task_assignment_confirm(
                actor=request.user, task_id=pk, grid_code=grid, version=request.POST.get("version")
            )
            messages.success(request, "已确认收到任务。")
        elif verb == "report":
            values = {
                key[len("value:") :]: value
                for key, value in request.POST.items()
                if key.startswith("value:")
            }
            services.task_assignment_report(
                actor=request.user,
                task_id=pk,
                grid_code=grid,
                note=request.POST.get("note"),
                values=values,
                version=request.POST.get("version"),
            )
            messages.success(request, "回报已提交。")
        else:
            raise NotFound("未知操作。")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("command:my-tasks")


@login_required
def incident_new(request):
    """上报应急事件: level, type, description and the point (GPS on a phone)."""
    from yiwang.command.models import IncidentLevel, IncidentType
    from yiwang.command.services.incidents import RAISE_ROLES

    if not request.user.has_role(*RAISE_ROLES):
        return render(request, "command/forbidden.html", status=403)
    form, error = request.POST if request.method == "POST" else {}, ""
    if request.method == "POST":
        try:
            incident = services.incident_raise(
                actor=request.user,
                level=form.get("level"),
                type=form.get("type"),
                description=form.get("description"),
                lon=form.get("lon"),
                lat=form.get("lat"),
            )
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, "应急事件已上报，上报链已通知。")
            return redirect("command:incident", pk=incident.pk)
    return render(
        request,
        "command/incident_new.html",
        {
            "levels": IncidentLevel.choices,
            "types": IncidentType.choices,
            "form": form,
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def incident_detail(request, pk: int):
    try:
        incident = incident_get_for(user=request.user, id=pk)
    except NotFound:
        return render(request, "command/forbidden.html", status=404)
    row = selectors.incident_row(incident)
    can_ack = incident.status == incident.Status.ALARM and (
        request.user.pk in incident.chain_user_ids()
    )
    users = {}
    if incident.chain:
        from yiwang.accounts.models import User

        ids = incident.chain_user_ids()
        users = {u.pk: str(u) for u in User.objects.filter(pk__in=ids)}
    chain = [
        {**link, "names": [users.get(uid, "?") for uid in link["user_ids"]], "index": i}
        for i, link in enumerate(incident.chain)
    ]
    plans = []
    if request.user.has_role(*DESK_ROLES) and incident.status != incident.Status.CLOSED:
        plans = list(selectors.plans_for(incident))
    return render(
        request,
        "command/incident.html",
        {"i": row, "chain": chain, "can_ack": can_ack, "plans": plans},
    )


@login_required
@require_POST
def incident_plan(request, pk: int):
    try:
        task = services.incident_apply_plan(
            actor=request.user, id=pk, plan=request.POST.get("plan")
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("command:incident", pk=pk)
    messages.success(request, f"预案已启动，任务下发 {task.assignments.count()} 个网格。")
    return redirect("command:task", pk=task.pk)


@login_required
@require_POST
def incident_ack(request, pk: int):
    try:
        services.incident_ack(actor=request.user, id=pk, note=request.POST.get("note", ""))
        messages.success(request, "已确认接报，上报链停止升级。")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("command:incident", pk=pk)
