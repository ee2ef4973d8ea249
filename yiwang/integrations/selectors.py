"""Reads of 业务对接: the Open311 service catalogue and work orders as Open311 sees them.

Who may read which work order through Open311 (data scope):

- without an api_key: the orders that came in through Open311 (channel `open311`): what a
  FixMyStreet-style client needs to follow its own reports. Orders from residents, grid
  workers and 12345 are not published to anonymous readers: their text may name people;
- with a valid api_key: those plus every order the key's service account may see
  (`WorkOrder.objects.visible_to(user)`), so a trusted system can be given a street's orders.
  An invalid api_key is refused (403) rather than silently downgraded.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from yiwang.core.errors import Forbidden, NotFound
from yiwang.integrations.models import Open311ApiKey, Open311ServiceAttribute, Open311Submission
from yiwang.integrations.open311 import documents
from yiwang.integrations.open311.parsing import RequestFilters

DEFAULT_WINDOW = dt.timedelta(days=90)  # the specification's default range
MAX_RESULTS = 1000  # the specification's suggested cap


def _categories_with_rules():
    from yiwang.workorders.models import Category

    return (
        Category.objects.filter(
            parent__isnull=False,
            is_active=True,
            parent__is_active=True,
            rules__is_current=True,
        )
        .distinct()
        .select_related("parent")
    )


def _current_rules(categories) -> dict:
    """The street-wide (or else the first) current rule per category id."""
    from yiwang.workorders.models import ResponsibilityRule

    rules: dict = {}
    rows = (
        ResponsibilityRule.objects.filter(category__in=categories, is_current=True)
        .select_related("primary_department")
        .order_by("category_id", "region_prefix")
    )
    for rule in rows:
        rules.setdefault(rule.category_id, rule)
    return rules


def open311_service_list() -> list[dict]:
    """GET services: every active small class (小类) that the responsibility list covers."""
    categories = list(
        _categories_with_rules().annotate(n_attributes=Count("open311_attributes", distinct=True))
    )
    rules = _current_rules([c.pk for c in categories])
    return [documents.service_document(c, rules.get(c.pk), c.n_attributes) for c in categories]


def open311_service_get(*, code: str):
    category = _categories_with_rules().filter(code=code).first()
    if category is None:
        raise NotFound(f"未知的服务编码 service_code：{code} (service_code not found)")
    return category


def open311_service_definition(*, code: str) -> dict:
    category = open311_service_get(code=code)
    attributes = Open311ServiceAttribute.objects.filter(category=category)
    return {
        "service_code": category.code,
        "attributes": [documents.attribute_document(a) for a in attributes],
    }


def open311_api_key_for_read(raw: str) -> Open311ApiKey | None:
    """An api_key on a read widens what is visible; a wrong one is a 403, not a downgrade."""
    raw = (raw or "").strip()
    if not raw:
        return None
    key = Open311ApiKey.find_active(raw)
    if key is None:
        raise Forbidden("api_key 无效或已停用 (invalid api_key)")
    return key


def _visible_orders(api_key: Open311ApiKey | None):
    from yiwang.workorders.models import WorkOrder

    public = WorkOrder.objects.filter(channel=WorkOrder.Channel.OPEN311)
    if api_key is None:
        queryset = public
    else:
        queryset = WorkOrder.objects.filter(
            Q(pk__in=public.values("pk"))
            | Q(pk__in=WorkOrder.objects.visible_to(api_key.user).values("pk"))
        )
    return queryset.select_related(
        "category", "primary_department", "merged_into", "open311_submission"
    ).prefetch_related(Prefetch("photos"))


def open311_request_list(*, api_key: Open311ApiKey | None, filters: RequestFilters) -> list:
    """GET requests: `service_request_id` overrides every other filter (the specification);
    without start_date, the 90 days before end_date (or now); newest first; at most 1000."""
    queryset = _visible_orders(api_key)
    if filters.ids:
        return list(queryset.filter(code__in=filters.ids).order_by("-reported_at", "-id"))
    if filters.service_codes:
        queryset = queryset.filter(category__code__in=filters.service_codes)
    ours = documents.open311_statuses_to_ours(filters.statuses)
    if ours is not None:
        queryset = queryset.filter(status__in=sorted(ours))
    start, end = filters.start, filters.end
    if start is None:
        start = (end or timezone.now()) - DEFAULT_WINDOW
    if start is not None:
        queryset = queryset.filter(reported_at__gte=start)
    if end is not None:
        queryset = queryset.filter(reported_at__lte=end)
    return list(queryset.order_by("-reported_at", "-id")[:MAX_RESULTS])


def open311_request_get(*, api_key: Open311ApiKey | None, id: str):
    order = _visible_orders(api_key).filter(code=id).first()
    if order is None:
        raise NotFound(f"未找到工单 {id} (service_request_id not found)")
    return order


def open311_token_get(*, token: str) -> Open311Submission:
    submission = Open311Submission.objects.select_related("work_order").filter(token=token).first()
    if submission is None:
        raise NotFound("未找到该令牌 (token not found)")
    return submission
