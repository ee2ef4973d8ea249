"""Pages of 审批服务 (server-rendered, Simplified Chinese, phone first for residents).

Residents and companies: find an item or a bundle by name or life event, read what to bring,
apply with one form and uploads, follow the timeline, supplement, rate. Window clerks: today's
queue, check materials in one form (accept, or 一次性告知 listing every gap), hand over results,
apply on someone's behalf. Reviewers: my steps with deadlines; approve, deny or ask for
materials. Departments and leaders: 差评整改; leaders: the indicators.

Views stay thin: every write is a service call; a refusal becomes a message and nothing
changes.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yiwang.accounts.models import Role
from yiwang.approvals import selectors, services
from yiwang.approvals.catalogue import fields_for, masked_form, requirements_for
from yiwang.approvals.models import (
    Application,
    ApplicationStep,
    RatingLevel,
    Rectification,
    Status,
)
from yiwang.approvals.permissions import is_clerk_of, streets_of
from yiwang.core.api import parse_bool
from yiwang.core.errors import NotFound, ServiceError

A = Application


def _nav(request) -> dict:
    user = request.user
    if not user.is_authenticated:
        return {"nav_clerk": False, "nav_reviewer": False, "nav_leader": False}
    return {
        "nav_clerk": user.has_role(Role.WINDOW_CLERK),
        "nav_reviewer": user.has_role(Role.DEPARTMENT_STAFF),
        "nav_leader": user.has_role(Role.LEADER, Role.DISPATCHER, Role.ADMIN),
    }


def _render(request, template, context):
    return render(request, f"approvals/{template}", {**_nav(request), **context})


def _fail(request, exc: ServiceError):
    messages.error(request, exc.message)
    for field, problems in (exc.fields or {}).items():
        for problem in problems[:1]:
            messages.error(request, f"· {field}：{problem}")


# ---------------------------------------------------------------------------------------------
# Finding a service (办事指南)
# ---------------------------------------------------------------------------------------------


def find(request):
    """办事: search by name or pick a life event."""
    filters = {"q": request.GET.get("q", ""), "life_event": request.GET.get("event", "")}
    context = {
        "q": filters["q"],
        "event": filters["life_event"],
        "events": selectors.life_events_in_use(),
        "bundles": list(selectors.bundle_list(filters=filters)),
        "items": list(selectors.item_list(filters=filters)[:200]),
    }
    if request.htmx:
        return _render(request, "_results.html", context)
    return _render(request, "find.html", context)


def item_page(request, code):
    try:
        item = selectors.item_get(code=code)
    except NotFound:
        return _render(request, "missing.html", {"what": "事项"})
    flow = next((f for f in item.flows.all() if f.is_current), None)
    return _render(
        request,
        "item.html",
        {
            "item": item,
            "materials": requirements_for(item=item),
            "steps": list(flow.steps.all()) if flow else [],
        },
    )


def bundle_page(request, code):
    try:
        bundle = selectors.bundle_get(code=code)
    except NotFound:
        return _render(request, "missing.html", {"what": "一件事"})
    return _render(
        request,
        "bundle.html",
        {
            "bundle": bundle,
            "items": bundle._approvals_items,
            "materials": requirements_for(bundle=bundle),
        },
    )


# ---------------------------------------------------------------------------------------------
# Applying (申请)
# ---------------------------------------------------------------------------------------------


def _target(kind, code):
    if kind == "bundle":
        bundle = selectors.bundle_get(code=code)
        return None, bundle
    return selectors.item_get(code=code), None


@login_required
def apply(request, kind, code):
    try:
        item, bundle = _target(kind, code)
    except NotFound:
        return _render(request, "missing.html", {"what": "事项"})
    fields = fields_for(item=item, bundle=bundle)
    requirements = requirements_for(item=item, bundle=bundle)
    clerk = bool(streets_of(request.user, Role.WINDOW_CLERK)) or request.user.is_superuser
    specialist = bool(streets_of(request.user, Role.PARTY_SPECIALIST))
    values = dict(request.POST.items()) if request.method == "POST" else {}
    if request.method == "GET" and not (clerk or specialist):
        values = {"applicant_name": request.user.display_name, "phone": request.user.phone}
    if request.method == "POST":
        channel = request.POST.get("channel") or A.Channel.ONLINE
        form = {f["name"]: request.POST.get(f["name"], "") for f in fields}
        for f in fields:
            if f.get("type") == "bool":
                form[f["name"]] = parse_bool(request.POST.get(f["name"], ""))
        materials = []
        for r in requirements:
            upload = request.FILES.get(f"material.{r.key}")
            if upload is not None:
                materials.append(
                    services.MaterialInput(key=r.key, filename=upload.name, content=upload.read())
                )
            elif request.POST.get(f"reuse.{r.key}"):
                materials.append(
                    services.MaterialInput(key=r.key, reuse=request.POST.get(f"reuse.{r.key}"))
                )
            elif request.POST.get(f"paper.{r.key}") and channel != A.Channel.ONLINE:
                materials.append(services.MaterialInput(key=r.key, paper=True))
        applicant = None
        if channel != A.Channel.ONLINE:
            applicant = {
                "name": request.POST.get("applicant.name", ""),
                "phone": request.POST.get("applicant.phone", ""),
                "id_number": request.POST.get("applicant.id_number", ""),
                "username": request.POST.get("applicant.username", ""),
                "company": request.POST.get("applicant.company", ""),
            }
        try:
            app = services.application_submit(
                actor=request.user,
                item=item,
                bundle=bundle,
                form=form,
                materials=materials,
                channel=channel,
                applicant=applicant,
            )
        except ServiceError as exc:
            _fail(request, exc)
        else:
            messages.success(request, f"已提交，办件编号 {app.number}。")
            if channel == A.Channel.WINDOW:
                return redirect("approvals:window-check", pk=app.pk)
            return redirect("approvals:detail", pk=app.pk)
    reusable = selectors.reusable_materials(
        user=request.user, keys=[r.key for r in requirements if r.reusable]
    )
    return _render(
        request,
        "apply.html",
        {
            "item": item,
            "bundle": bundle,
            "title": bundle.name if bundle else item.name,
            "fields": fields,
            "requirements": requirements,
            "reusable": reusable,
            "values": values,
            "clerk": clerk,
            "specialist": specialist,
            "channel": request.POST.get("channel") or ("window" if clerk else "online"),
        },
    )


@login_required
def mine(request):
    apps = selectors.application_list(
        user=request.user, filters={"mine": "1", "top": "1"}
    ).prefetch_related("children")
    return _render(request, "mine.html", {"applications": list(apps[:100])})


def _detail_context(request, app):
    user = request.user
    owner = user.pk in (app.applicant_id, app.submitted_by_id)
    target = {"bundle": app.bundle} if app.kind == A.Kind.BUNDLE else {"item": app.item}
    fields = fields_for(**target)
    full = app.full_form
    shown = full if owner else masked_form(fields, full)
    labels = {f["name"]: f.get("label", f["name"]) for f in fields}
    active = next((s for s in app.steps.all() if s.state == ApplicationStep.State.ACTIVE), None)
    rating = app.rating if selectors.hasattr_rating(app) else None
    return {
        "app": app,
        "form_rows": [(labels.get(k, k), v) for k, v in shown.items()],
        "children": selectors.sub_applications(user=user, application=app),
        "events": selectors.timeline(application=app, user=user),
        "materials": selectors.current_materials(app),
        "requirements": services.requirements_of(app),
        "actions": selectors.allowed_actions(user=user, application=app),
        "active_step": active,
        "rating": rating,
        "levels": RatingLevel.choices,
        "deliveries": A.Delivery.choices,
        "reusable": selectors.reusable_materials(
            user=user, keys=[g["key"] for g in app.missing_materials]
        ),
        "now": timezone.now(),
    }


@login_required
def detail(request, pk):
    try:
        app = selectors.application_get(user=request.user, id=pk)
    except NotFound:
        return _render(request, "missing.html", {"what": "办件"})
    return _render(request, "detail.html", _detail_context(request, app))


@login_required
def material_file(request, pk, mid):
    try:
        material = selectors.material_get(user=request.user, application_id=pk, material_id=mid)
    except NotFound:
        return _render(request, "missing.html", {"what": "材料"})
    name = material.original_name or material.file.name.rsplit("/", 1)[-1]
    return FileResponse(material.file.open("rb"), as_attachment=False, filename=name)


# ---------------------------------------------------------------------------------------------
# Actions (one POST endpoint; the service decides)
# ---------------------------------------------------------------------------------------------


def _gaps_from(request, requirements) -> list[dict]:
    gaps = []
    for r in requirements:
        if request.POST.get(f"gap.{r.key}"):
            gaps.append({"key": r.key, "reason": request.POST.get(f"reason.{r.key}") or "缺少"})
    return gaps


@login_required
@require_POST
def act(request, pk):
    try:
        app = selectors.application_get(user=request.user, id=pk)
    except NotFound:
        return _render(request, "missing.html", {"what": "办件"})
    action = request.POST.get("action", "")
    version = request.POST.get("version")
    user = request.user
    common = {"actor": user, "application": app, "version": version}
    back = request.POST.get("next") or ""
    try:
        if action == "upload":
            key = request.POST.get("key", "")
            upload = request.FILES.get("file")
            if request.POST.get("reuse"):
                inp = services.MaterialInput(key=key, reuse=request.POST["reuse"])
            elif upload is not None:
                inp = services.MaterialInput(key=key, filename=upload.name, content=upload.read())
            else:
                inp = services.MaterialInput(key=key, paper=parse_bool(request.POST.get("paper")))
            services.material_add(actor=user, application=app, material=inp)
            messages.success(request, "材料已提交。")
        elif action == "supplement":
            services.application_supplement(**common, visit=parse_bool(request.POST.get("visit")))
            messages.success(request, "补正材料已提交，等待办理。")
        elif action in ("accept", "request_materials"):
            gaps = _gaps_from(request, services.requirements_of(app))
            visit = parse_bool(request.POST.get("visit"))
            if action == "accept" and gaps:
                raise ServiceError("已勾选缺少或不符合的材料，请点“一次性告知”而不是“受理”。")
            if action == "accept":
                services.application_accept(
                    **common, note=request.POST.get("note", ""), visit=visit
                )
                messages.success(request, "已受理。")
            else:
                services.application_request_materials(
                    **common, gaps=gaps, note=request.POST.get("note", ""), visit=visit
                )
                messages.success(request, f"已一次性告知 {len(gaps)} 项补正材料。")
        elif action == "reject":
            services.application_reject(
                **common,
                reason=request.POST.get("reason", ""),
                legal_basis=request.POST.get("legal_basis", ""),
            )
            messages.success(request, "已作出不予受理决定。")
        elif action == "approve_step":
            services.application_approve_step(**common, opinion=request.POST.get("opinion", ""))
            messages.success(request, "本环节已通过。")
        elif action == "deny":
            services.application_deny(
                **common,
                reason=request.POST.get("reason", ""),
                legal_basis=request.POST.get("legal_basis", ""),
            )
            messages.success(request, "已作出不予办理决定。")
        elif action == "deliver":
            raw_visit = request.POST.get("visit")
            services.application_deliver(
                **common,
                method=request.POST.get("method", ""),
                note=request.POST.get("note", ""),
                visit=None if raw_visit is None else parse_bool(raw_visit),
            )
            messages.success(request, "已出件。")
        elif action == "rate":
            services.application_rate(
                **common, level=request.POST.get("level"), comment=request.POST.get("comment", "")
            )
            messages.success(request, "感谢您的评价！")
        else:
            raise ServiceError("未知操作。")
    except ServiceError as exc:
        _fail(request, exc)
    if back.startswith("/approvals/"):
        return redirect(back)
    return redirect("approvals:detail", pk=app.pk)


# ---------------------------------------------------------------------------------------------
# Window clerk (综窗受理)
# ---------------------------------------------------------------------------------------------


@login_required
def window(request):
    if not (request.user.has_role(Role.WINDOW_CLERK)):
        return _render(request, "missing.html", {"what": "综窗工作台（仅综窗人员）"})
    queue = selectors.window_queue(user=request.user)
    return _render(request, "window.html", {"queue": queue, "now": timezone.now()})


@login_required
def window_check(request, pk):
    try:
        app = selectors.application_get(user=request.user, id=pk)
    except NotFound:
        return _render(request, "missing.html", {"what": "办件"})
    if not is_clerk_of(request.user, app.street_id):
        return _render(request, "missing.html", {"what": "办件"})
    context = _detail_context(request, app)
    have = {m.key: m for m in context["materials"]}
    context["checklist"] = [(r, have.get(r.key)) for r in context["requirements"]]
    return _render(request, "window_check.html", context)


# ---------------------------------------------------------------------------------------------
# Reviewer (审批) and rectification (差评整改)
# ---------------------------------------------------------------------------------------------


@login_required
def review(request):
    steps = list(selectors.step_list(user=request.user, filters={})[:200])
    return _render(request, "review.html", {"steps": steps, "now": timezone.now()})


@login_required
def rectifications(request):
    if request.method == "POST":
        try:
            rect = selectors.rectification_get(user=request.user, id=request.POST.get("id"))
            if request.POST.get("action") == "close":
                services.rectification_close(
                    actor=request.user,
                    rectification=rect,
                    version=request.POST.get("version"),
                    outcome=request.POST.get("outcome", ""),
                    result=request.POST.get("result", ""),
                )
                messages.success(request, "整改已办结。")
            else:
                services.rectification_follow_up(
                    actor=request.user,
                    rectification=rect,
                    kind=request.POST.get("kind", "progress"),
                    note=request.POST.get("note", ""),
                )
                messages.success(request, "已记录跟进情况。")
        except ServiceError as exc:
            _fail(request, exc)
        return redirect("approvals:rectifications")
    rects = list(selectors.rectification_list(user=request.user, filters={})[:200])
    return _render(
        request,
        "rectifications.html",
        {"rects": rects, "outcomes": Rectification.Outcome.choices, "now": timezone.now()},
    )


@login_required
def kpis(request):
    try:
        data = selectors.approval_kpis(user=request.user, filters=request.GET)
    except ServiceError as exc:
        _fail(request, exc)
        data = selectors.approval_kpis(user=request.user, filters={})
    status_labels = dict(Status.choices)
    return _render(
        request,
        "kpis.html",
        {
            "k": data,
            "by_status": [
                (status_labels[s], n) for s, n in data["applications"]["by_status"].items()
            ],
        },
    )


def method_not_allowed(request):
    return HttpResponseNotAllowed(["POST"])
