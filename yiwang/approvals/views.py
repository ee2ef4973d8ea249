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

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yiwang.accounts.models import Role
from yiwang.approvals import documents, selectors, services
from yiwang.approvals.catalogue import clean_form, fields_for, masked_form, requirements_for
from yiwang.approvals.models import (
    Application,
    ApplicationStep,
    RatingLevel,
    Rectification,
    Status,
)
from yiwang.approvals.permissions import is_clerk_of, streets_of
from yiwang.core.api import parse_bool
from yiwang.core.errors import NotFound, ServiceError, ValidationFailed

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


def _render(request, template, context, status=200):
    return render(request, f"approvals/{template}", {**_nav(request), **context}, status=status)


def _fail(request, exc: ServiceError):
    """The refusal in Chinese at the top of the page; the per-field problems are shown next to
    their fields by the forms that have them (never the raw field keys)."""
    messages.error(request, exc.message)


def _errors(exc: ServiceError) -> dict[str, list[str]]:
    return {k: [str(m) for m in v] for k, v in (exc.fields or {}).items()}


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


# The form fields that carry the applicant's identity: on a walk-in (窗口代办, 上门办) they are
# taken once, in the applicant block (looked up in the 人口库 when known), and filled from it.
IDENTITY = services.IDENTITY_FIELDS
LOOKUP_PURPOSE = "综窗代办：核验申请人身份并带出申请表"


def _applicant_block(request) -> dict:
    return {
        k: request.POST.get(f"applicant.{k}", "").strip()
        for k in ("name", "phone", "id_number", "address", "username", "company")
    }


def _uploads(request, requirements, held, channel):
    """Material inputs of an application form: new files (checked here, so a wrong one is
    reported next to its field), files held from a refused attempt, 免提交, paper copies.
    Returns (inputs, fresh good uploads by key, problems by key, held uploads used)."""
    inputs, fresh, problems, used = [], {}, {}, []
    for r in requirements:
        upload = request.FILES.get(f"material.{r.key}")
        if upload is not None:
            content = upload.read()
            try:
                services.check_file(r, upload.name, content)
            except ServiceError as exc:
                problems.update(_errors(exc))
                continue
            fresh[r.key] = (r, upload.name, content)
            inputs.append(services.MaterialInput(key=r.key, filename=upload.name, content=content))
        elif r.key in held:
            h = held[r.key]
            with h.file.open("rb") as f:
                content = f.read()
            used.append(h)
            inputs.append(
                services.MaterialInput(key=r.key, filename=h.original_name, content=content)
            )
        elif request.POST.get(f"reuse.{r.key}"):
            inputs.append(services.MaterialInput(key=r.key, reuse=request.POST[f"reuse.{r.key}"]))
        elif request.POST.get(f"paper.{r.key}") and channel != A.Channel.ONLINE:
            inputs.append(services.MaterialInput(key=r.key, paper=True))
    return inputs, fresh, problems, used


def _hold(request, fresh, held) -> dict:
    """Keep the good new files of a refused form for the corrected one."""
    kept = dict(held)
    for key, (req, name, content) in fresh.items():
        kept[key] = services.held_upload_add(
            actor=request.user, requirement=req, filename=name, content=content
        )
    return kept


def _lookup_person(request, values: dict, errors: dict) -> None:
    """Fill the applicant block from the 人口库 by ID number (basedata's audited search and
    reveal: the clerk's purpose is recorded with each)."""
    from yiwang.basedata import services as basedata

    id_number = values.get("applicant.id_number", "").strip()
    if not id_number:
        errors["applicant.id_number"] = ["请先填写身份证号，再从人口库查找"]
        return
    try:
        found = basedata.person_search(
            actor=request.user, field="id_number", value=id_number, purpose=LOOKUP_PURPOSE
        )
        person = found[0] if found else None
        phone = (
            basedata.person_reveal(
                actor=request.user, person=person, field="phone", purpose=LOOKUP_PURPOSE
            )
            if person is not None and person.phone
            else ""
        )
    except ServiceError as exc:
        errors["applicant.id_number"] = [exc.message]
        return
    if person is None:
        messages.info(request, "人口库中没有该身份证号，请手工填写申请人信息。")
        return
    values.update(
        {
            "applicant.name": person.name,
            "applicant.phone": phone or values.get("applicant.phone", ""),
            "applicant.address": person.address or values.get("applicant.address", ""),
            "applicant.person": str(person.pk),
        }
    )
    messages.success(request, f"已从人口库带出申请人：{person.name}（{person.grid.name}）。")


def _identity_errors_to_block(errors: dict) -> dict:
    """On a walk-in the identity fields are typed in the applicant block: show there."""
    out = {}
    for key, problems in errors.items():
        target = f"applicant.{IDENTITY[key]}" if key in IDENTITY else key
        merged = out.setdefault(target, [])
        merged.extend(p for p in problems if p not in merged)
    return out


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
    proxy = clerk or specialist
    values = dict(request.POST.items()) if request.method == "POST" else {}
    if request.method == "GET" and not proxy:
        values = {"applicant_name": request.user.display_name, "phone": request.user.phone}
    errors: dict[str, list[str]] = {}
    held = selectors.held_uploads(
        user=request.user,
        ids={k[5:]: v for k, v in request.POST.items() if k.startswith("held.")},
    )
    status = 200
    if request.method == "POST":
        channel = request.POST.get("channel") or A.Channel.ONLINE
        form = {f["name"]: request.POST.get(f["name"], "") for f in fields}
        block = _applicant_block(request)
        if proxy:
            for f in fields:
                if f["name"] in IDENTITY:
                    form[f["name"]] = block[IDENTITY[f["name"]]]
        for f in fields:
            if f.get("type") == "bool":
                form[f["name"]] = parse_bool(request.POST.get(f["name"], ""))
        materials, fresh, file_errors, used = _uploads(request, requirements, held, channel)
        applicant = None if channel == A.Channel.ONLINE else block
        if request.POST.get("action") == "lookup" and proxy:
            _lookup_person(request, values, errors)
            errors.update(file_errors)
        elif file_errors:
            errors = dict(file_errors)
            try:
                clean_form(fields, form)
            except ServiceError as exc:
                errors.update(_errors(exc))
            messages.error(request, "有材料文件不符合要求，请按各项下方的提示重新选择。")
        else:
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
                errors = _errors(exc)
                status = exc.status
            else:
                services.held_uploads_discard(actor=request.user, uploads=used)
                messages.success(request, f"已提交，办件编号 {app.number}。")
                if channel == A.Channel.WINDOW:
                    return redirect("approvals:window-check", pk=app.pk)
                return redirect("approvals:detail", pk=app.pk)
        if errors and status == 200:
            status = 400
        held = _hold(request, fresh, held)
        if proxy:
            errors = _identity_errors_to_block(errors)
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
            "fields": [f for f in fields if not (proxy and f["name"] in IDENTITY)],
            "identity_fields": [f for f in fields if f["name"] in IDENTITY],
            "requirements": requirements,
            "reusable": reusable,
            "values": values,
            "errors": errors,
            "held": held,
            "clerk": clerk,
            "specialist": specialist,
            "proxy": proxy,
            "channel": request.POST.get("channel") or ("window" if clerk else "online"),
        },
        status=status,
    )


@login_required
def mine(request):
    apps = selectors.application_list(
        user=request.user, filters={"mine": "1", "top": "1"}
    ).prefetch_related("children")
    return _render(request, "mine.html", {"applications": list(apps[:100])})


def _detail_context(request, app):
    user = request.user
    target = {"bundle": app.bundle} if app.kind == A.Kind.BUNDLE else {"item": app.item}
    fields = fields_for(**target)
    full = app.full_form
    shown = masked_form(fields, full)  # the applicant's page too: no plain ID number (issue 11)
    labels = {f["name"]: f.get("label", f["name"]) for f in fields}
    active = next((s for s in app.steps.all() if s.state == ApplicationStep.State.ACTIVE), None)
    rating = app.rating if selectors.hasattr_rating(app) else None
    children = selectors.sub_applications(user=user, application=app)
    return {
        "app": app,
        "form_rows": [(labels.get(k, k), v) for k, v in shown.items()],
        "children": children,
        "children_waiting": [c for c in children if c.status == Status.NEEDS_MATERIALS],
        "gaps": selectors.gaps_with_progress(app),
        "papers": selectors.papers_of(app),
        "results": selectors.results_of(user=user, application=app),
        "rated_steps": _rated_steps(app, children),
        "errors": {},
        "posted": {},
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


def _rated_steps(app, children) -> list[tuple[str, str]]:
    """The steps a rating may judge: acceptance, each acted review step, hand-over."""
    if app.status not in (Status.DELIVERED, Status.REJECTED):
        return []
    options = [("accept", "窗口受理")]
    for a in [app, *children]:
        for step in a.steps.all():
            if step.state in (ApplicationStep.State.APPROVED, ApplicationStep.State.DENIED):
                prefix = f"{a.item.name} · " if a.parent_id else ""
                options.append((str(step.pk), f"{prefix}{step.name}（{step.department.name}）"))
    if app.status == Status.DELIVERED:
        options.append(("deliver", "出件"))
    return options


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
    back = request.POST.get("next") or ""
    try:
        _act(request, app, action)
    except ServiceError as exc:
        return _refused(request, pk, action, exc)
    if action in CHECK_ACTIONS and app.is_top and is_clerk_of(request.user, app.street_id):
        # the paper just issued (受理通知书, 一次性告知书, 不予受理决定书) is printed from here
        return redirect("approvals:window-check", pk=app.pk)
    if back.startswith("/approvals/"):
        return redirect(back)
    return redirect("approvals:detail", pk=app.pk)


CHECK_ACTIONS = {"accept", "request_materials", "reject"}


def _refused(request, pk, action, exc: ServiceError):
    """A refused action: the same page again, with the message at the top, each problem next
    to its field, and what was typed or ticked still there; nothing changed."""
    _fail(request, exc)
    try:
        app = selectors.application_get(user=request.user, id=pk)
    except NotFound:
        return _render(request, "missing.html", {"what": "办件"})
    context = _detail_context(request, app)
    context["errors"] = _errors(exc)
    context["posted"] = request.POST
    context["failed"] = action
    status = exc.status if exc.status >= 400 else 400
    if action in CHECK_ACTIONS and is_clerk_of(request.user, app.street_id) and app.is_top:
        return _render(request, "window_check.html", _check_context(context), status=status)
    return _render(request, "detail.html", context, status=status)


def _act(request, app, action):
    version = request.POST.get("version")
    user = request.user
    common = {"actor": user, "application": app, "version": version}
    if action == "upload":
        key = request.POST.get("key", "")
        upload = request.FILES.get("file")
        if request.POST.get("reuse"):
            inp = services.MaterialInput(key=key, reuse=request.POST["reuse"])
        elif upload is not None:
            inp = services.MaterialInput(key=key, filename=upload.name, content=upload.read())
        elif parse_bool(request.POST.get("paper")):
            inp = services.MaterialInput(key=key, paper=True)
        else:
            raise ValidationFailed("请选择要上传的文件。", fields={"file": ["请选择文件"]})
        material = services.material_add(actor=user, application=app, material=inp)
        messages.success(request, f"材料已提交：{material.name}（已收到）。")
    elif action == "supplement":
        services.application_supplement(**common, visit=parse_bool(request.POST.get("visit")))
        messages.success(request, "补正材料已提交，等待办理。")
    elif action in ("accept", "request_materials"):
        gaps = _gaps_from(request, services.requirements_of(app))
        visit = parse_bool(request.POST.get("visit"))
        if action == "accept" and gaps:
            raise ServiceError("已勾选缺少或不符合的材料，请点“一次性告知”而不是“受理”。")
        if action == "accept":
            services.application_accept(**common, note=request.POST.get("note", ""), visit=visit)
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
            **common,
            level=request.POST.get("level"),
            comment=request.POST.get("comment", ""),
            step=request.POST.get("step") or None,
        )
        messages.success(request, "感谢您的评价！")
    else:
        raise ServiceError("未知操作。")


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
    return _render(request, "window_check.html", _check_context(_detail_context(request, app)))


def _check_context(context: dict) -> dict:
    have = {m.key: m for m in context["materials"]}
    context["checklist"] = [(r, have.get(r.key)) for r in context["requirements"]]
    return context


@login_required
def paper_file(request, pk, paper_id):
    """A numbered paper as PDF, to anyone who may see the application (applicant, clerk)."""
    try:
        paper = selectors.paper_get(user=request.user, application_id=pk, paper_id=paper_id)
    except NotFound:
        return _render(request, "missing.html", {"what": "文书"}, status=404)
    return _pdf(documents.paper_pdf(paper), documents.paper_filename(paper))


@login_required
def result_file(request, pk, result_id):
    """A result document as PDF (the applicant: after 出件)."""
    try:
        result = selectors.result_get(user=request.user, application_id=pk, result_id=result_id)
    except NotFound:
        return _render(request, "missing.html", {"what": "办理结果"}, status=404)
    return _pdf(documents.result_pdf(result), documents.result_filename(result))


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response


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
