"""Phone-first pages of field work (thin views over services and selectors).

/fw/visits/                  今日待访: my households due or overdue, nearest first (GPS)
/fw/visits/new/<household>/  走访登记: GPS, who was met, notes, needs → work orders or
                             上门办 applications (a service of the catalogue chosen);
                             a past date makes it a paper visit (纸质补录)
/fw/visits/<id>/             走访结果: location check, the work orders opened
/fw/patrol/                  巡查: start, track (kept on the phone while offline), report, end
/fw/coverage/                走访覆盖率 (desk): per community, grid and worker
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date

from yiwang.accounts.models import Role
from yiwang.basedata.models import Household
from yiwang.core.errors import NotFound, ServiceError, ValidationFailed
from yiwang.fieldwork import geo, rounds, selectors
from yiwang.fieldwork import services as sv

FIELD_ROLES = {Role.GRID_WORKER, Role.PARTY_SPECIALIST, Role.ADMIN}
DESK_ROLES = {Role.LEADER, Role.DISPATCHER, Role.ADMIN}
NEED_ROWS = 3


def _has(user, roles) -> bool:
    return user.is_superuser or bool(user.roles() & roles)


def _nav(user) -> list[tuple[str, str]]:
    links = []
    if _has(user, FIELD_ROLES):
        links += [("今日待访", reverse("fieldwork:due")), ("巡查", reverse("fieldwork:patrol"))]
    if _has(user, DESK_ROLES | FIELD_ROLES):
        links.append(("走访覆盖率", reverse("fieldwork:coverage")))
    return links


def _render(request, template: str, context: dict, status: int = 200):
    context.setdefault("fw_nav", _nav(request.user))
    return render(request, template, context, status=status)


def _forbidden(request, what: str):
    return _render(request, "fieldwork/forbidden.html", {"what": what}, status=403)


@login_required
def due(request):
    if not _has(request.user, FIELD_ROLES):
        return _forbidden(request, "今日待访")
    near = None
    try:
        lon, lat = geo.point(request.GET.get("lon"), request.GET.get("lat"), required=False)
        near = (lon, lat) if lon is not None else None
    except ValidationFailed:
        near = None
    rows = selectors.visit_due_list(user=request.user, near=near)
    plan = rounds.plan_or_default()
    context = {
        "rows": rows[:200],
        "more": max(0, len(rows) - 200),
        "overdue": sum(1 for r in rows if r["state"] == "overdue"),
        "near": near,
        "round": rounds.current_round(plan),
        "plan": plan,
    }
    return _render(request, "fieldwork/due.html", context)


def _visit_household(request, pk) -> Household:
    qs = Household.objects.filter(sv.visible_households_q(request.user)).select_related("house")
    household = qs.filter(pk=pk).first()
    if household is None:
        raise Http404("住户不存在或不在您的包联范围内。")
    return household


def _need_rows(post) -> list[dict]:
    """The need rows of the form with what was typed (kept when the form comes back)."""
    return [
        {
            "i": i,
            "text": post.get(f"need_{i}", ""),
            "category": post.get(f"need_{i}_category", ""),
            "service": post.get(f"need_{i}_service", ""),
        }
        for i in range(NEED_ROWS)
    ]


def _needs_from(post) -> list[dict]:
    """Each filled row: a 上门办 application when a service is chosen, else a work order."""
    needs = []
    for row in _need_rows(post):
        text = row["text"].strip()
        if not text:
            continue
        if row["service"]:
            needs.append({"description": text, "service": row["service"]})
        else:
            needs.append({"description": text, "category": row["category"]})
    return needs


def _visited_at(post):
    day = post.get("paper_date", "").strip()
    if not day:
        return None
    try:
        parsed = parse_date(day)
    except ValueError:  # well-formed but impossible, e.g. month 99
        parsed = None
    if parsed is None:
        raise ValidationFailed("补录日期格式不正确。", fields={"paper_date": ["日期格式不正确"]})
    time = "10:00" if parsed < timezone.localdate() else timezone.localtime().strftime("%H:%M")
    return f"{parsed.isoformat()}T{time}:00"


@login_required
def visit_new(request, household: int):
    from yiwang.workorders.page_selectors import category_choices

    if not _has(request.user, FIELD_ROLES):
        return _forbidden(request, "走访登记")
    row = _visit_household(request, household)
    error, fields = None, {}
    if request.method == "POST":
        post = request.POST
        try:
            visit = sv.visit_record(
                actor=request.user,
                household=row.pk,
                lon=post.get("lon") or None,
                lat=post.get("lat") or None,
                accuracy_m=post.get("accuracy_m") or None,
                met=post.get("met", ""),
                notes=post.get("notes", ""),
                needs=_needs_from(post),
                visited_at=_visited_at(post),
            )
        except ServiceError as exc:
            error, fields = exc.message, exc.fields
        else:
            return redirect("fieldwork:visit", pk=visit.pk)
    context = {
        "household": row,
        "members": row.members.order_by("relation", "name")[:12],
        "categories": category_choices(),
        "services": selectors.home_services(user=request.user),
        "need_rows": _need_rows(request.POST),
        "error": error,
        "fields": fields,
        "post": request.POST,
        "today": timezone.localdate(),
    }
    return _render(request, "fieldwork/visit_new.html", context, status=400 if error else 200)


@login_required
def visit_detail(request, pk: int):
    try:
        visit = selectors.visit_get(user=request.user, id=pk)
    except NotFound:
        raise Http404("走访记录不存在。")
    needs = visit.needs.select_related("work_order", "application__item", "application__bundle")
    return _render(request, "fieldwork/visit_detail.html", {"visit": visit, "needs": needs})


@login_required
def patrol(request):
    from yiwang.workorders.page_selectors import category_choices

    if not _has(request.user, FIELD_ROLES):
        return _forbidden(request, "巡查")
    active = selectors.patrol_active(user=request.user)
    recent = selectors.patrol_list(user=request.user).filter(worker=request.user)[:5]
    context = {
        "active": active,
        "track": selectors.patrol_track(active) if active else [],
        "recent": recent,
        "categories": category_choices(),
    }
    return _render(request, "fieldwork/patrol.html", context)


@login_required
def coverage(request):
    if not _has(request.user, DESK_ROLES | FIELD_ROLES):
        return _forbidden(request, "走访覆盖率")
    number = request.GET.get("round", "")
    number = int(number) if number.isdigit() and int(number) > 0 else None
    data = selectors.visit_coverage(user=request.user, round_number=number)
    today = timezone.localdate()
    share = selectors.patrol_found_share(user=request.user, start=today.replace(day=1), end=today)
    return _render(request, "fieldwork/coverage.html", {"cov": data, "share": share})
