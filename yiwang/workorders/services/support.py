"""我也遇到: a resident joins an open order instead of filing a duplicate."""

from __future__ import annotations

import math

from django.db import transaction

from yiwang.core.audit import acting_user
from yiwang.core.errors import Conflict, Forbidden, NotFound
from yiwang.workorders import intake
from yiwang.workorders.errors import WorkOrderErrorCode as Code
from yiwang.workorders.models import DESCRIPTION_MAX, WorkOrder
from yiwang.workorders.services.common import Action, _parse_coordinate, _record, _text

EARTH_RADIUS_M = 6_371_008.8
NOT_NEARBY = (
    "附近没有这张工单，或它已办结：请先在地图上选好问题位置，再从“附近已有相似问题”中点“我也遇到”。"
)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _lock_nearby(pk, *, lon: float | None, lat: float | None) -> WorkOrder:
    """The order, locked, only if the caller could have seen it in the "similar nearby" list
    (`selectors.nearby_similar_orders`): open, shown to residents (`resident_nearby_orders`),
    with a point within the nearby radius of the caller's point. Anything else — no point
    given, too far, finished, hidden, unknown — is the same 404, so the answer tells nothing
    about orders the caller could not have seen (no probing ids for open orders)."""
    from yiwang.workorders.selectors import resident_nearby_orders

    if lon is None or lat is None:
        raise NotFound(NOT_NEARBY)
    try:
        order = resident_nearby_orders().select_for_update(of=("self",)).get(pk=pk)
    except (WorkOrder.DoesNotExist, ValueError, TypeError):
        raise NotFound(NOT_NEARBY)
    if distance_m(lon, lat, order.lon, order.lat) > intake.nearby_radius_m():
        raise NotFound(NOT_NEARBY)
    return order


@transaction.atomic
def work_order_support(*, actor, order, description: str = "", lon=None, lat=None):
    """我也遇到: the actor met the problem of an open order and joins it instead of filing a
    duplicate. They become a supporter (and a follower, to see its progress and be told when it
    is done); no new order is made.

    The caller gives their point (`lon`, `lat`: where they are reporting); only an order they
    could have seen nearby answers (see `_lock_nearby`), any other id is "not found" (404).
    Then: twice on the same order, or on one's own order, answers 409."""
    from yiwang.workorders.models import WorkOrderSupporter

    user = acting_user(actor)
    if user is None:
        raise Forbidden("请先登录。")
    description = _text(
        description, field="description", label="补充描述", required=False,
        max_length=DESCRIPTION_MAX,
    )  # fmt: skip
    lon = _parse_coordinate(lon, field="lon", label="经度", low=-180, high=180)
    lat = _parse_coordinate(lat, field="lat", label="纬度", low=-90, high=90)
    order = _lock_nearby(getattr(order, "pk", order), lon=lon, lat=lat)
    if order.reporter_id == user.pk:
        raise Conflict("这是您自己上报的工单，无需再点“我也遇到”。", code=Code.ALREADY_SUPPORTED)
    if WorkOrderSupporter.objects.filter(order=order, user=user).exists():
        raise Conflict(
            "您已对该工单点过“我也遇到”，处理进展会通知您。", code=Code.ALREADY_SUPPORTED
        )
    supporter = WorkOrderSupporter.objects.create(
        order=order, user=user, description=description, lon=lon, lat=lat
    )
    order.followers.add(user)
    _record(
        order,
        actor=actor,
        action=Action.SUPPORT,
        from_state=order.status,
        note=description[:200],
        data={"supporters": order.supporters.count()},
    )
    return supporter
