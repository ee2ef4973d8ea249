"""Pages of the inbox (消息):

/notifications/                 the list (phone first), newest first; 全部已读
/notifications/bell/            HTMX fragment: the bell with the unread count (polled)
/notifications/<id>/open/       POST: mark read, then go to the message's link
/notifications/read-all/        POST: mark all read
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from yiwang.core.errors import NotFound
from yiwang.notifications import selectors, services


@login_required
@require_GET
def inbox(request):
    qs = selectors.notification_list(user=request.user)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "unread": selectors.unread_count(user=request.user)},
    )


@login_required
@require_GET
def bell(request):
    return render(
        request,
        "_notification_bell.html",
        {"bell_unread": selectors.unread_count(user=request.user)},
    )


@login_required
@require_POST
def open_message(request, pk: int):
    try:
        row = services.notification_mark_read(actor=request.user, id=pk)
    except NotFound:
        return redirect("notifications:inbox")
    if row.link and url_has_allowed_host_and_scheme(row.link, allowed_hosts={request.get_host()}):
        return redirect(row.link)
    return redirect("notifications:inbox")


@login_required
@require_POST
def read_all(request):
    services.notification_mark_all_read(actor=request.user)
    return redirect("notifications:inbox")
