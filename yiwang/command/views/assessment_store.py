"""月度考核存档 from the assessment page (/command/assessment/): the leader or admin stores a
month that is over, after a confirmation; the page then says when and by whom it was stored.

POST /command/assessment/store/  {month, kind}  → back to the page; a refusal (the month not
over, already stored, not a leader or admin) comes back as the page with its Chinese reason.
The rule is the service's (`assessment_month_store`): only a month before the current one.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yiwang.accounts.models import Role
from yiwang.command import selectors, services
from yiwang.core.errors import ServiceError
from yiwang.core.months import month_bounds

KINDS = ("department", "grid_worker")


def may_store(user) -> bool:
    return user.has_role(Role.ADMIN, Role.LEADER)


def month_is_over(month: str) -> bool:
    """The service's rule: a month may be stored once the current month has begun."""
    return month_bounds(month)[0] < timezone.localdate().replace(day=1)


def store_context(user, month: str, kind: str, data: dict) -> dict:
    """The page's 存档 block: who stored the month and when, or the button (leader/admin, a
    month that is over and not stored yet)."""
    if data["stored"]:
        snapshot = selectors.assessment_snapshot(kind=kind, month=month)
        who = snapshot.stored_by if snapshot else None
        name = (who.display_name or who.username) if who else "后台任务（每月1日自动存档）"
        return {"stored_by": name, "may_store": False}
    return {"may_store": may_store(user) and month_is_over(month), "store_role": may_store(user)}


def _valid(month: str) -> bool:
    try:
        month_bounds(month)
    except ServiceError:
        return False
    return True


@login_required
@require_POST
def assessment_store(request):
    from yiwang.command.views.screen import _desk_only, assessment_context

    if refused := _desk_only(request):
        return refused
    month = str(request.POST.get("month", "")).strip()
    kind = request.POST.get("kind") if request.POST.get("kind") in KINDS else KINDS[0]
    try:
        stored = services.assessment_month_store(actor=request.user, month=month)
    except ServiceError as exc:
        page_month = month if _valid(month) else timezone.localdate().strftime("%Y-%m")
        context = assessment_context(request, page_month, kind, store_error=exc.message)
        return render(request, "command/assessment.html", context, status=exc.status)
    label = stored[0].month.strftime("%Y-%m")
    messages.success(request, f"{label} 的月度考核已存档，之后修改权重或工单不再改变。")
    return redirect("/command/assessment/?" + urlencode({"month": label, "kind": kind}))
