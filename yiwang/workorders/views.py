"""HTML pages of the work-order loop (四单工作法): thin views over the services and selectors.

    /wo/report/                     上报 (居民: map, address, photo; 网格员: camera, GPS, 代报)
    /wo/mine/                       我的工单 (reported or followed), 待评价 highlighted
    /wo/grid/                       本网格工单 (网格员)
    /wo/inbox/                      部门待办 (主办 with SLA colours, 协办任务, 待核查)
    /wo/dispatch/                   301 to the dispatcher's console, now in command
                                    (/command/console/: queues, search, batch actions, 12345)
    /wo/<id>/                       工单详情: map, photos, timeline, the user's actions
    /wo/<id>/<action>/              POST one action (form with `version`)
    /wo/<id>/tasks/<task>/<verb>/   POST 协办任务 报到 (accept) / 完成 (complete)
    /wo/locate/?lon=&lat=           HTMX fragment: which grid a point falls in
    /wo/locate/?address=            HTMX fragment: 房屋库 buildings matching a typed address
    /wo/report/similar/             HTMX fragment: open orders nearby with similar text
    /wo/report/support/<id>/        POST 我也遇到 (join an open order instead of a new one)
    /wo/map/base.json?bbox=         offline base map: outlines with names, buildings as points

Every action form posts the `version` it was rendered with; service errors
(`core.errors.ServiceError`) are caught and shown next to the form (a stale version reads
“数据已被他人修改，请刷新后重试”), never a 500. HTMX posts get the order panel back; plain posts
follow POST/redirect/GET, or go back to a `next` page (the console) with a message.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from yiwang.accounts.models import Role
from yiwang.core.errors import NotFound, ServiceError, ValidationFailed
from yiwang.core.pii import mask_name, mask_phone
from yiwang.core.views import home_url_for
from yiwang.workorders import links, page_selectors, selectors
from yiwang.workorders import services as sv
from yiwang.workorders.forms import ACTIONS, AssistForm, ReportForm, TaskForm
from yiwang.workorders.models import AssistTask, WorkOrder, WorkOrderEvent, WorkOrderPhoto

GRID_ROLES = {Role.GRID_WORKER, Role.PARTY_SPECIALIST}
STAFF_ROLES = {Role.DEPARTMENT_STAFF, Role.ENFORCEMENT_OFFICER}
DESK_ROLES = {Role.DISPATCHER, Role.ADMIN, Role.LEADER}

SERVICES = {
    "dispatch": sv.work_order_dispatch,
    "accept": sv.work_order_accept,
    "return": sv.work_order_return,
    "assist": sv.work_order_assist,
    "extend": sv.work_order_extend_request,
    "extend_decide": sv.work_order_extend_decide,
    "complete": sv.work_order_complete,
    "verify": sv.work_order_verify,
    "reopen": sv.work_order_reopen,
    "supervise": sv.work_order_supervise,
    "resolve_on_spot": sv.work_order_resolve_on_spot,
    "merge": sv.work_order_merge,
    "cancel": sv.work_order_cancel,
    "rate": sv.work_order_rate,
}
TASK_SERVICES = {"accept": sv.assist_task_accept, "complete": sv.assist_task_complete}
TASK_LABELS = {"accept": "报到", "complete": "协办完成"}
SLA_LABELS = dict(WorkOrder.Sla.choices)


# --- helpers ----------------------------------------------------------------------------------


def _has(user, roles: set) -> bool:
    return user.is_superuser or bool(user.roles() & roles)


def _forbidden(request, page: str):
    """A Chinese 403 page that points the user to their own workbench."""
    context = {"page": page, "home": _home_for(request.user)}
    return _render(request, "workorders/forbidden.html", context, status=403)


def _nav(user) -> list[tuple[str, str]]:
    links = []
    if _has(user, GRID_ROLES):
        links += [
            ("网格上报", reverse("workorders:report")),
            ("本网格", reverse("workorders:grid")),
        ]
    else:
        links.append(("我要上报", reverse("workorders:report")))
    links.append(("我的工单", reverse("workorders:mine")))
    if _has(user, STAFF_ROLES):
        links.append(("部门待办", reverse("workorders:inbox")))
    if _has(user, DESK_ROLES):
        links.append(("指挥中心", _desk_home(user)))
    return links


def _render(request, template: str, context: dict, status: int = 200):
    context.setdefault("wo_nav", _nav(request.user))
    context.setdefault("now", timezone.now())
    return render(request, template, context, status=status)


def _get_order(request, pk) -> WorkOrder:
    try:
        return selectors.work_order_get(user=request.user, id=pk)
    except NotFound:
        raise Http404("工单不存在或无权查看。")


def _gone(request):
    """The order is not (or no longer) visible: HTMX is sent to the user's workbench."""
    messages.error(request, "工单不存在，或已不在您的办理范围内。")
    response = HttpResponse(status=204)
    response["HX-Redirect"] = _home_for(request.user)
    return response


def _visible(user, pk) -> bool:
    return WorkOrder.objects.visible_to(user).filter(pk=pk).exists()


def _desk_home(user) -> str:
    """The desk roles' home page, registered by the command centre (its console or screen)."""
    return home_url_for(user) or reverse("workbench")


def _home_for(user) -> str:
    """Where a user goes after an order left their hands (e.g. a department returned it)."""
    if _has(user, DESK_ROLES):
        return _desk_home(user)
    if _has(user, STAFF_ROLES):
        return reverse("workorders:inbox")
    if _has(user, GRID_ROLES):
        return reverse("workorders:grid")
    return reverse("workorders:mine")


def _safe_next(request) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _apply_error(form, exc: ServiceError) -> None:
    """Put a service error onto the form: next to the field it names, else above the form."""
    if isinstance(exc, ValidationFailed) and exc.fields:
        named = [f for f in exc.fields if f in form.fields and f != "version"]
        if named:
            form.add_error(named[0], exc.message)
            return
    form.add_error(None, exc.message)


def _form_error_text(form) -> str:
    texts = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            texts.append(f"{label}：{error}" if label and field != "version" else str(error))
    return "；".join(texts) or "提交失败，请检查填写内容。"


def _make_form(action: str, order: WorkOrder, data=None, files=None):
    form_class = ACTIONS[action][0]
    kwargs = {"initial": {"version": order.version}, "prefix": action}
    if form_class is AssistForm:
        busy = {t.department_id for t in order.assist_tasks.all() if t.status in AssistTask.ACTIVE}
        kwargs["exclude_departments"] = busy | {order.primary_department_id}
    return form_class(data, files, **kwargs)


def _sla(order: WorkOrder, now) -> dict | None:
    level = order.sla_at(now)
    return {"level": level, "label": SLA_LABELS[level]} if level else None


def _decorate(orders, now) -> list:
    """Attach the SLA colour (绿/黄/红) to each order for the lists."""
    orders = list(orders)
    for order in orders:
        order.sla_info = _sla(order, now)
    return orders


# --- report -----------------------------------------------------------------------------------


@login_required
def report(request):
    """上报: residents place the problem on a map (or give an address); grid workers take a
    photo with the camera and their position from the browser (GPS), and may report on a
    resident's behalf (代为上报: the resident, when registered with that phone, becomes the
    reporter, follows the order and rates it)."""
    user = request.user
    grid_worker = _has(user, GRID_ROLES)
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, grid_worker=grid_worker)
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            extra = {}
            if grid_worker and (d.get("reporter_name") or d.get("reporter_phone")):
                extra["reporter_name"] = d.get("reporter_name", "")
                extra["reporter_phone"] = d.get("reporter_phone", "")
                resident = page_selectors.resident_by_phone(d.get("reporter_phone", ""))
                if resident is not None:
                    extra["reporter"] = resident
            try:
                order = sv.work_order_create(
                    actor=user,
                    description=d["description"],
                    lon=d.get("lon"),
                    lat=d.get("lat"),
                    address=d.get("address") or "",
                    category=d.get("category") or None,
                    priority=d.get("priority") or None,
                    photos=d.get("photos") or [],
                    idempotency_key=request.POST.get("submit_token", "")[:64],
                    **extra,
                )
            except ServiceError as exc:
                _apply_error(form, exc)
                status = exc.status
            else:
                where = (
                    f"已自动派遣至{order.primary_department.name}"
                    if order.status == WorkOrder.Status.DISPATCHED and order.primary_department
                    else order.get_status_display()
                )
                messages.success(request, f"上报成功，工单编号 {order.code}（{where}）。")
                if "reporter" in extra:
                    messages.info(
                        request,
                        f"已登记反映人{mask_name(extra['reporter'].display_name)}，办结后由其评价。",
                    )
                if _visible(user, order.pk):
                    return redirect("workorders:detail", pk=order.pk)
                return redirect(_home_for(user))
    else:
        form = ReportForm(grid_worker=grid_worker)
        status = 200
    context = {
        "form": form,
        "grid_worker": grid_worker,
        "submit_token": request.POST.get("submit_token") or uuid.uuid4().hex,
        "map_features": page_selectors.map_layers(user=user),
    }
    if not grid_worker:
        context.update(_category_picker(form))
    return _render(request, "workorders/report.html", context, status=status)


def _category_picker(form) -> dict:
    """居民的分类选择: a short list of everyday categories with icons, and every small class
    for the search box (never a select of 300 coded options)."""
    chosen = str(form["category"].value() or "")
    index = [
        [code, label.rsplit("（", 1)[0], group]
        for group, smalls in page_selectors.category_choices()
        for code, label in smalls
    ]
    return {
        "everyday": selectors.everyday_categories(),
        "category_index": index,
        "chosen_category": chosen,
        "chosen_label": next((row[1] for row in index if row[0] == chosen), ""),
    }


@login_required
@require_GET
def report_similar(request):
    """HTMX fragment: open orders near the point with similar text (我也遇到), shown before the
    resident submits."""
    lon, lat = _point(request.GET)
    rows = []
    if lon is not None:
        rows = selectors.nearby_similar_orders(
            user=request.user,
            description=request.GET.get("description", "")[:2000],
            lon=lon,
            lat=lat,
        )
    return render(request, "workorders/_similar.html", {"similar": rows})


@login_required
@require_POST
def report_support(request, pk: int):
    """我也遇到: join an open order instead of filing a new one."""
    lon, lat = _point(request.POST)
    try:
        sv.work_order_support(
            actor=request.user,
            order=pk,
            description=request.POST.get("description", ""),
            lon=lon,
            lat=lat,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("workorders:report")
    messages.success(
        request, "已记录“我也遇到”：该问题已在处理中，您无需重复上报，办理进展会通知您。"
    )
    return redirect("workorders:mine")


@login_required
@require_GET
def map_base(request):
    """The offline base map as JSON: street, community and grid outlines with their names (any
    signed-in user: public boundaries) and, for a small `bbox` (zoomed in), the 房屋库's
    buildings as points, without rooms or people."""
    return JsonResponse(
        selectors.map_base(
            bbox=request.GET.get("bbox", ""), regions=request.GET.get("layer") != "houses"
        )
    )


def _point(data) -> tuple[float | None, float | None]:
    try:
        lon, lat = float(data.get("lon", "")), float(data.get("lat", ""))
    except ValueError:
        return None, None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None, None
    return lon, lat


@login_required
@require_GET
def locate(request):
    """HTMX fragment: the grid a tapped or GPS point falls in (落格预览)."""
    from yiwang.workorders.locating import locate_point

    address = request.GET.get("address", "").strip()[:256]
    if address and not request.GET.get("lon"):
        # 地址匹配: the 房屋库's buildings whose address matches what was typed.
        matches = selectors.address_suggestions(address)
        return render(
            request, "workorders/_address_suggest.html", {"matches": matches, "address": address}
        )
    found, error = None, ""
    lon, lat = _point(request.GET)
    if lon is None:
        error = "坐标无效。"
    else:
        found = locate_point(lon, lat)
    return render(request, "workorders/_locate.html", {"found": found, "error": error})


# --- lists ------------------------------------------------------------------------------------


@login_required
def mine(request):
    """我的工单: what I reported (or follow), with its state; finished ones wait for my rating."""
    now = timezone.now()
    orders = _decorate(page_selectors.my_orders(user=request.user), now)
    for order in orders:
        order.to_rate = (
            order.reporter_id == request.user.pk
            and order.status in WorkOrder.DONE_STATES
            and not (order.rated_at and order.completed_at and order.rated_at >= order.completed_at)
        )
    return _render(request, "workorders/mine.html", {"orders": orders})


@login_required
def grid(request):
    """本网格工单 (网格员): the open orders of my grids; 已办结 and 全部 tabs."""
    if not _has(request.user, GRID_ROLES):
        return _forbidden(request, "本网格工单")
    tab = request.GET.get("tab", "open")
    tab = tab if tab in page_selectors.GRID_TABS else "open"
    orders = _decorate(page_selectors.grid_orders(user=request.user, tab=tab), timezone.now())
    tabs = [(key, label) for key, (label, _) in page_selectors.GRID_TABS.items()]
    return _render(request, "workorders/grid.html", {"orders": orders, "tab": tab, "tabs": tabs})


@login_required
def inbox(request):
    """部门待办: orders my department holds (earliest deadline first, SLA colours), its 协办
    sub-tasks, and what it finished that waits for 核查."""
    if not _has(request.user, STAFF_ROLES):
        return _forbidden(request, "部门待办")
    now = timezone.now()
    sla = request.GET.get("sla", "")
    data = page_selectors.department_inbox(user=request.user, sla=sla)
    data["primary"] = _decorate(data["primary"], now)
    reworked = [o.pk for o in data["primary"] if o.reopen_count]
    reasons = page_selectors.rework_reasons(reworked) if reworked else {}
    for order in data["primary"]:
        order.rework_reason = reasons.get(order.pk)
    for task in data["assist"]:
        task.order.sla_info = _sla(task.order, now)
    counts = {"green": 0, "yellow": 0, "red": 0}
    for order in data["primary"]:
        if order.sla_info:
            counts[order.sla_info["level"]] += 1
    data.update(sla=sla if sla in SLA_LABELS else "", counts=counts, sla_labels=SLA_LABELS)
    return _render(request, "workorders/inbox.html", data)


# --- one order --------------------------------------------------------------------------------


# What a resident reads of an order's timeline (the rest is the government's internal work),
# and whose notes are written for the resident (签收安排, 处置结果, 核查, 撤销原因).
_A = WorkOrderEvent.Action
RESIDENT_EVENTS = {
    _A.REPORT, _A.DISPATCH, _A.ACCEPT, _A.COMPLETE, _A.RESOLVE_ON_SPOT, _A.VERIFY, _A.REOPEN,
    _A.MERGE, _A.CANCEL, _A.RATE,
}  # fmt: skip
RESIDENT_NOTES = {_A.ACCEPT, _A.COMPLETE, _A.RESOLVE_ON_SPOT, _A.VERIFY, _A.CANCEL, _A.RATE}
RESULT_EVENTS = {_A.COMPLETE, _A.RESOLVE_ON_SPOT}


def _public_note(event) -> bool:
    """A note the resident reads: results, and the platform's own routing (按权责清单自动派遣)."""
    return event.action in RESIDENT_NOTES or (event.action == _A.DISPATCH and not event.actor_id)


def _detail_context(
    request, order: WorkOrder, failed: tuple | None = None, revealed_phone: str = ""
) -> dict:
    user = request.user
    now = timezone.now()
    allowed = selectors.work_order_actions(user=user, order=order)
    forms = []
    for name in allowed:
        if failed and failed[0] == name:
            form = failed[1]
        else:
            form = _make_form(name, order)
        form_class, label, help_text = ACTIONS[name]
        forms.append(
            {
                "name": name,
                "label": label,
                "help": help_text,
                "form": form,
                "open": bool(failed and failed[0] == name),
                "multipart": any(
                    getattr(f.widget, "needs_multipart_form", False) for f in form.fields.values()
                ),
            }
        )
    my_departments = set(page_selectors.staff_department_ids(user))
    tasks = []
    for task in order.assist_tasks.all():
        verbs = []
        if task.department_id in my_departments and order.status in WorkOrder.OPEN_STATES:
            if task.status == AssistTask.Status.OPEN:
                verbs.append("accept")
            if task.status in AssistTask.ACTIVE:
                verbs.append("complete")
        task_forms = []
        for verb in verbs:
            if failed and failed[0] == f"task-{task.pk}-{verb}":
                form = failed[1]
            else:
                form = TaskForm(initial={"version": task.version}, prefix=f"task{task.pk}{verb}")
            task_forms.append({"verb": verb, "label": TASK_LABELS[verb], "form": form})
        tasks.append({"task": task, "forms": task_forms})
    shown = {f["name"] for f in forms} | {
        f"task-{t['task'].pk}-{tf['verb']}" for t in tasks for tf in t["forms"]
    }
    # A refused action whose form is no longer offered (wrong role, state moved on): say why
    # above the panel instead.
    panel_error = _form_error_text(failed[1]) if failed and failed[0] not in shown else ""
    photos = list(order.photos.all())
    for photo in photos:
        photo.url = reverse("workorder-photo", args=[order.pk, photo.pk])
    reporter = ""
    if order.reporter_id == user.pk:
        reporter = "我"
    elif order.reporter_id:
        reporter = mask_name(order.reporter.display_name or order.reporter.username)
    elif order.reporter_name:
        reporter = mask_name(order.reporter_name)
    events = list(order.events.all())
    states = dict(WorkOrder.Status.choices)
    for event in events:
        event.to_label = (
            states.get(event.to_state, "") if event.to_state != event.from_state else ""
        )
    pending_extension = next(
        (e for e in order.extensions.all() if e.status == e.Status.PENDING), None
    )
    phone = sv.reporter_phone(order)
    resident_view = not sv.works_the_loop(user)
    if resident_view:
        events = [e for e in events if e.action in RESIDENT_EVENTS]
    for event in events:
        event.public = not resident_view or _public_note(event)
    result_event = None
    if order.status in (WorkOrder.Status.COMPLETED, WorkOrder.Status.ARCHIVED):
        result_event = next((e for e in reversed(events) if e.action in RESULT_EVENTS), None)
    return {
        "linked": links.links_for(order, user),
        "supporters": order.supporters.count(),
        "resident_view": resident_view,
        "result_event": result_event,
        "approved_extensions": [e for e in order.extensions.all() if e.status == e.Status.APPROVED],
        "may_reveal_phone": not revealed_phone
        and bool(phone)
        and sv.may_reveal_reporter(user, order),
        "revealed_phone": revealed_phone,
        "order": order,
        "sla": _sla(order, now),
        "action_forms": forms,
        "tasks": tasks,
        "report_photos": [p for p in photos if p.kind == WorkOrderPhoto.Kind.REPORT],
        "evidence_photos": [p for p in photos if p.kind == WorkOrderPhoto.Kind.EVIDENCE],
        "events": events,
        "reporter": reporter or "匿名",
        "reporter_phone": revealed_phone or (mask_phone(phone) if phone else ""),
        "pending_extension": pending_extension,
        "map_features": page_selectors.map_layers(user=user, order=order),
        "triage_reason": sv.TRIAGE_REASONS.get(order.triage_reason, order.triage_reason),
        "is_htmx": bool(getattr(request, "htmx", False)),
        "panel_error": panel_error,
        "has_task_forms": any(t["forms"] for t in tasks),
    }


def _render_detail(request, order, *, failed=None, status=200, revealed_phone=""):
    context = _detail_context(request, order, failed, revealed_phone)
    template = "workorders/_order_panel.html" if context["is_htmx"] else "workorders/detail.html"
    return _render(request, template, context, status=status)


@login_required
def detail(request, pk: int):
    """工单详情: map, photos, timeline and the forms of what this user may do now."""
    return _render_detail(request, _get_order(request, pk))


def _finish(request, order_pk: int, failed, status: int, ok_message: str, warnings=()):
    """Answer an action post: the panel (HTMX), a redirect (plain post) or the form again."""
    user = request.user
    nxt = _safe_next(request)
    if failed is None:
        messages.success(request, ok_message)
        for warning in warnings:
            messages.warning(request, warning)
        visible = _visible(user, order_pk)
        if getattr(request, "htmx", False):
            if not visible:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = nxt or _home_for(user)
                return response
            return _render_detail(request, _get_order(request, order_pk))
        if nxt:
            return redirect(nxt)
        return redirect("workorders:detail", pk=order_pk) if visible else redirect(_home_for(user))
    if nxt and not getattr(request, "htmx", False):
        messages.error(request, _form_error_text(failed[1]))
        return redirect(nxt)
    return _render_detail(request, _get_order(request, order_pk), failed=failed, status=status)


@login_required
@require_POST
def order_action(request, pk: int, action: str):
    """POST one action of the loop (签收、退回、吹哨、延期、办结、核查、返工、督办、现场处置、
    合并、撤销、评价、派遣) with the `version` the form was rendered with."""
    if action not in ACTIONS:
        raise Http404("未知的操作。")
    if getattr(request, "htmx", False) and not _visible(request.user, pk):
        return _gone(request)
    order = _get_order(request, pk)
    form = _make_form(action, order, request.POST, request.FILES)
    label = ACTIONS[action][1]
    status, warnings = 400, []
    if form.is_valid():
        kwargs = form.service_kwargs()
        try:
            if action == "merge":
                kwargs["into"] = _merge_target(request.user, kwargs["into"])
            result = SERVICES[action](
                actor=request.user, order=order.pk, version=form.cleaned_data["version"], **kwargs
            )
        except ServiceError as exc:
            _apply_error(form, exc)
            status = exc.status
        else:
            warnings = getattr(result, "warnings", []) or []
            message = f"{label}成功。"
            if action == "dispatch" and result.primary_department_id:
                message = f"已派遣至{result.primary_department.name}。"
            return _finish(request, order.pk, None, 200, message, warnings)
    return _finish(request, order.pk, (action, form), status, "")


def _merge_target(user, text: str) -> int:
    """`into` typed as an order code (or id) the user can see."""
    text = text.strip()
    qs = WorkOrder.objects.visible_to(user)
    found = qs.filter(code=text.upper()).values_list("pk", flat=True).first()
    if found is None and text.isdigit():
        found = qs.filter(pk=int(text)).values_list("pk", flat=True).first()
    if found is None:
        raise ValidationFailed(f"要并入的工单 {text} 不存在。", fields={"into": ["工单不存在"]})
    return found


@login_required
@require_POST
def task_action(request, pk: int, task_id: int, verb: str):
    """协办任务: 报到 (accept) or 协办完成 (complete), by the cooperating department."""
    if verb not in TASK_SERVICES:
        raise Http404("未知的操作。")
    if getattr(request, "htmx", False) and not _visible(request.user, pk):
        return _gone(request)
    order = _get_order(request, pk)
    task = next((t for t in order.assist_tasks.all() if t.pk == task_id), None)
    if task is None:
        raise Http404("协办任务不存在。")
    form = TaskForm(request.POST, request.FILES, prefix=f"task{task.pk}{verb}")
    status = 400
    if form.is_valid():
        d = form.cleaned_data
        kwargs = {"note": d.get("note") or ""}
        if verb == "complete":
            kwargs["photos"] = d.get("photos") or []
        try:
            TASK_SERVICES[verb](actor=request.user, task=task.pk, version=d["version"], **kwargs)
        except ServiceError as exc:
            _apply_error(form, exc)
            status = exc.status
        else:
            return _finish(request, order.pk, None, 200, f"{TASK_LABELS[verb]}成功。")
    return _finish(request, order.pk, (f"task-{task.pk}-{verb}", form), status, "")


@login_required
@require_POST
def reporter_phone(request, pk: int):
    """回访: the reporter's phone for the dispatcher or the handling department, audited."""
    order = _get_order(request, pk)
    try:
        phone = sv.work_order_reporter_reveal(
            actor=request.user, order=order.pk, purpose=request.POST.get("purpose", "")
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _render_detail(request, order, status=exc.status)
    return _render_detail(request, order, revealed_phone=phone)
