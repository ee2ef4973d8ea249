"""Every read of the party app, scoped to the asking user."""

from __future__ import annotations

import datetime as dt

from yiwang.accounts.scope import access_or_404
from yiwang.party.models import Ballot, GridColour, Topic


def topic_list(*, user, status: str = ""):
    qs = Topic.objects.visible_to(user).select_related("community")
    if status:
        qs = qs.filter(status__in=[s for s in status.split(",") if s])
    return qs


def topic_get(*, user, id) -> Topic:
    return access_or_404(
        Topic.objects.select_related("community", "proposer"), user=user,
        message="议题不存在。", pk=id,
    )  # fmt: skip


def my_ballot(*, user, topic: Topic) -> Ballot | None:
    return topic.ballots.filter(voter=user).first()


def topic_progress(topic: Topic) -> dict:
    """Follow-up progress (落实进度): the orders and how many are handled."""
    from yiwang.party.services import FINISHED_ORDER_STATES

    orders = [a.work_order for a in topic.actions.select_related("work_order")]
    done = sum(1 for o in orders if o.status in FINISHED_ORDER_STATES)
    return {"orders": orders, "done": done, "total": len(orders)}


def grid_colours(*, user, month: dt.date):
    return (
        GridColour.objects.visible_to(user)
        .filter(month=month.replace(day=1))
        .select_related("grid", "grid__parent")
        .order_by("region_code")
    )
