"""The page where a user sees their sign-ins and ends them (我的登录会话)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from yiwang.accounts import sessions
from yiwang.core.errors import NotFound


@login_required
def session_list(request):
    rows = [
        {"session": s, "current": sessions.session_is_current(s, request)}
        for s in sessions.session_list(user=request.user)
    ]
    return render(request, "accounts/sessions.html", {"rows": rows})


@require_POST
@login_required
def session_revoke(request, pk: int):
    try:
        session = sessions.session_revoke(actor=request.user, session_id=pk)
    except NotFound as exc:
        messages.error(request, exc.message)
        return redirect("accounts:sessions")
    if sessions.session_is_current(session, request):
        return redirect("login")
    messages.success(request, "已注销该登录。")
    return redirect("accounts:sessions")
