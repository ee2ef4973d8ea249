"""The dispatcher's console (指挥调度台), thin over the console's services and page selectors:

/command/console/?tab=             the queues: 待分拣 (photos, a small map, 智能分拣
                                   suggestions), 疑似重复, 超期/预警, 待核查, 延期审批, 督办中;
                                   and 全部工单 (search by code, text or address, filters,
                                   .xlsx export); 热点预警 beside
/command/console/phone/            POST 按来电号码查找 (the phone never in a URL), audited
/command/console/export.xlsx?…     the filtered list as .xlsx, personal data masked, audited
/command/console/batch/            POST one action on the ticked orders, a result per order
/command/console/hotline/          12345 来电登记 (caller, phone, text, place) → normal intake
/command/console/duplicates/<flag>/dismiss/  POST 非重复 (dismiss a 疑似重复 flag)

Single-order actions (派遣, 采纳, 合并, 延期审批) post to the order's own action URL in workorders
(`/wo/<id>/<action>/`) with `next` pointing back here.
"""

from __future__ import annotations

import io
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from yiwang.command import page_selectors as ps
from yiwang.command.console_forms import BatchForm, HotlineForm, OrderFilterForm, PhoneSearchForm
from yiwang.command.services import console as svc
from yiwang.command.services.common import DESK_ROLES
from yiwang.core.errors import ServiceError
from yiwang.core.pii import mask_name, mask_phone
from yiwang.triage.duplicates import duplicate_flag_dismiss
from yiwang.workorders import services as wo
from yiwang.workorders.forms import ACTIONS
from yiwang.workorders.models import WorkOrder

SLA_LABELS = dict(WorkOrder.Sla.choices)
BATCH_SESSION_KEY = "command.console.batch"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _desk_only(request):
    if request.user.has_role(*DESK_ROLES):
        return None
    return render(
        request,
        "command/forbidden.html",
        {"message": "指挥调度台仅供指挥中心坐席使用。"},
        status=403,
    )


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _decorate(orders, now) -> list:
    """The SLA colour (绿/黄/红) and the report photos' URLs of each listed order."""
    orders = list(orders)
    for order in orders:
        level = order.sla_at(now)
        order.sla_info = {"level": level, "label": SLA_LABELS[level]} if level else None
        order.triage_reason_display = wo.TRIAGE_REASONS.get(
            order.triage_reason, order.triage_reason
        )
        for photo in getattr(order, "report_photos", []):
            photo.url = reverse("workorder-photo", args=[order.pk, photo.pk])
    return orders


def _quick_dispatch_fields(context: dict) -> None:
    quick = ACTIONS["dispatch"][0](auto_id=False, prefix="dispatch")
    quick.fields["category"].widget.attrs["aria-label"] = "事项分类"
    quick.fields["department"].widget.attrs["aria-label"] = "主办部门"
    context["quick_category"] = quick["category"]
    context["quick_department"] = quick["department"]


def _console_context(request, tab: str) -> dict:
    user = request.user
    board = ps.dispatch_board(user=user, tab=tab)
    counts = board["counts"]
    context = {
        "tab": board["tab"],
        "tabs": [(k, v, counts.get(k)) for k, v in ps.BOARD_TABS.items()],
        "dispatcher": wo._is_dispatcher(user),
        "hotspots": ps.hotspot_warnings(user=user),
        "phone_form": PhoneSearchForm(),
        "batch_form": BatchForm(auto_id="batch_%s"),
        "batch_results": request.session.pop(BATCH_SESSION_KEY, None),
        "next": request.get_full_path(),
        "now": timezone.now(),
    }
    orders = board["orders"]
    if context["tab"] == "all":
        form = OrderFilterForm(request.GET or None)
        page = None
        if form.is_bound and not form.is_valid():
            orders = []
        else:
            filters = form.cleaned_data if form.is_bound else {}
            page = Paginator(ps.console_orders(user=user, filters=filters), ps.PAGE_SIZE).get_page(
                request.GET.get("page")
            )
            orders = list(page.object_list)
        query = request.GET.copy()
        query.pop("page", None)
        context.update(filter_form=form, page=page, query=query.urlencode())
    orders = _decorate(orders, context["now"])
    if context["tab"] in ("triage", "duplicates") and orders:
        ps.triage_aids(user=user, orders=orders)
    if context["tab"] == "triage":
        context["map_points"] = ps.map_points(orders)
        if orders:
            _quick_dispatch_fields(context)
    context["orders"] = orders
    return context


@login_required
@require_GET
def console(request):
    """指挥调度台: the queues of the command centre and every order, with the dispatcher's quick
    actions inline and batch actions on the ticked orders."""
    if refused := _desk_only(request):
        return refused
    return render(
        request, "command/console.html", _console_context(request, request.GET.get("tab", ""))
    )


@login_required
def console_phone(request):
    """按来电号码查找: POST only (the phone never enters a URL or a log); audited, limited."""
    if refused := _desk_only(request):
        return refused
    if request.method != "POST":
        return redirect("command:console")
    form = PhoneSearchForm(request.POST)
    context = _console_context(request, "all")
    context.update(phone_form=form, phone_results=None, phone_error="")
    status = 200
    if form.is_valid():
        try:
            found = svc.console_phone_search(
                actor=request.user,
                phone=form.cleaned_data["phone"],
                purpose=form.cleaned_data["purpose"],
            )
        except ServiceError as exc:
            context["phone_error"], status = exc.message, exc.status
        else:
            context["phone_results"] = _decorate(found, context["now"])
            context["phone_masked"] = mask_phone(form.cleaned_data["phone"])
            context["phone_form"] = PhoneSearchForm()  # the page never shows the number again
    else:
        status = 400
    return render(request, "command/console.html", context, status=status)


@login_required
@require_GET
def console_export(request):
    """全部工单 as .xlsx with the list's filters; reporter name and phone masked (as every
    export), long numbers in the text masked; at most `EXPORT_LIMIT` rows; audited."""
    if refused := _desk_only(request):
        return refused
    form = OrderFilterForm(request.GET)
    if not form.is_valid():
        messages.error(request, "筛选条件有误，未导出：" + _errors_text(form))
        return redirect(reverse("command:console") + "?tab=all")
    qs = ps.console_orders(user=request.user, filters=form.cleaned_data).select_related(
        "reporter", "category__parent"
    )
    rows = list(qs[: ps.EXPORT_LIMIT])
    svc.console_export_record(actor=request.user, filters=form.cleaned_data, count=len(rows))
    answer = HttpResponse(_workbook(rows, timezone.now()), content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    answer["Content-Disposition"] = f'attachment; filename="workorders-{stamp}.xlsx"'
    return answer


EXPORT_HEADER = [
    "工单编号", "状态", "渠道", "大类", "小类", "问题描述", "地址", "网格", "主办部门", "上报时间",
    "处置时限", "是否超期", "我也遇到（人）", "上报人", "上报人电话",
]  # fmt: skip


def _workbook(rows, now) -> bytes:
    from openpyxl import Workbook

    from yiwang.workorders.selectors import _public_text

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("工单")
    ws.append(EXPORT_HEADER)
    local = timezone.localtime
    for o in rows:
        category = o.category
        reporter = o.reporter.display_name or o.reporter.username if o.reporter_id else ""
        ws.append(
            [
                o.code,
                o.get_status_display(),
                o.get_channel_display(),
                category.parent.name if category and category.parent_id else "",
                category.name if category else "",
                _public_text(o.description, limit=2000),
                o.address,
                o.grid.name if o.grid_id else "",
                o.primary_department.name if o.primary_department_id else "",
                local(o.reported_at).strftime("%Y-%m-%d %H:%M"),
                local(o.deadline).strftime("%Y-%m-%d %H:%M") if o.deadline else "",
                "是" if o.sla_at(now) == WorkOrder.Sla.RED else "",
                o.supporter_count,
                mask_name(reporter or o.reporter_name),
                mask_phone(wo.reporter_phone(o)),
            ]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _errors_text(form) -> str:
    return "；".join(
        f"{form.fields[name].label}：{error}" if name in form.fields else str(error)
        for name, errors in form.errors.items()
        for error in errors
    )


@login_required
@require_POST
def console_batch(request):
    """批量操作: one action on the ticked orders, each through its own service call; the result
    of each order is shown on the console (POST/redirect/GET)."""
    if refused := _desk_only(request):
        return refused
    back = _safe_next(request, reverse("command:console"))
    form = BatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, "批量操作未执行：" + _errors_text(form))
        return redirect(back)
    d = form.cleaned_data
    params = {
        "department": int(d["department"]) if d.get("department") else None,
        "category": d.get("category") or None,
        "into": d.get("into", ""),
        "note": d.get("note", ""),
    }
    try:
        results = svc.console_batch(
            actor=request.user, action=d["action"], items=form.items(), params=params
        )
    except ServiceError as exc:
        messages.error(request, "批量操作未执行：" + exc.message)
        return redirect(back)
    done = sum(r.ok for r in results)
    request.session[BATCH_SESSION_KEY] = {
        "action": svc.BATCH_ACTIONS[d["action"]],
        "done": done,
        "failed": len(results) - done,
        "rows": [r.as_dict() for r in results],
    }
    return redirect(back)


@login_required
def console_hotline(request):
    """12345 来电登记: the caller's name and phone, the text and the place, filed through the
    normal intake (channel 12345热线); the caller's order page follows."""
    if refused := _desk_only(request):
        return refused
    status = 200
    if request.method == "POST":
        form = HotlineForm(request.POST)
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                order = svc.console_hotline_file(
                    actor=request.user,
                    caller_name=d.get("caller_name", ""),
                    caller_phone=d["caller_phone"],
                    description=d["description"],
                    address=d.get("address", ""),
                    lon=d.get("lon"),
                    lat=d.get("lat"),
                    category=d.get("category") or None,
                    priority=d.get("priority") or None,
                    idempotency_key=request.POST.get("submit_token", "")[:64],
                )
            except ServiceError as exc:
                form.add_error(_field_of(form, exc), exc.message)
                status = exc.status
            else:
                where = (
                    f"已自动派遣至{order.primary_department.name}"
                    if order.status == WorkOrder.Status.DISPATCHED and order.primary_department
                    else order.get_status_display()
                )
                messages.success(request, f"12345来电已登记，工单编号 {order.code}（{where}）。")
                return redirect("workorders:detail", pk=order.pk)
    else:
        form = HotlineForm()
    context = {
        "form": form,
        "submit_token": request.POST.get("submit_token") or uuid.uuid4().hex,
        "map_features": [],
    }
    return render(request, "command/console_hotline.html", context, status=status)


def _field_of(form, exc: ServiceError):
    """The form field a service error names (description, lon …), else None (the form)."""
    for name in getattr(exc, "fields", None) or {}:
        if name in form.fields:
            return name
    return None


@login_required
@require_POST
def duplicate_dismiss(request, flag_id: int):
    """非重复: the dispatcher dismisses a 疑似重复 flag, back to the console."""
    if refused := _desk_only(request):
        return refused
    try:
        duplicate_flag_dismiss(actor=request.user, flag=flag_id)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已标记为非重复。")
    return redirect(_safe_next(request, reverse("command:console") + "?tab=duplicates"))
