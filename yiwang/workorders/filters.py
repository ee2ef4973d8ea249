"""Query filters of the work-order list (`GET /api/v1/workorders/?…`)."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from yiwang.workorders.models import AssistTask, WorkOrder


def sla_q(level: str, now) -> Q:
    """SQL form of `WorkOrder.sla_at(now)` for one colour."""
    clock = Q(status__in=WorkOrder.CLOCK_STATES, deadline__isnull=False)
    done = Q(status__in=WorkOrder.DONE_STATES, deadline__isnull=False)
    if level == WorkOrder.Sla.RED:
        return (clock & Q(deadline__lt=now)) | (done & Q(completed_on_time=False))
    if level == WorkOrder.Sla.YELLOW:
        return clock & Q(deadline__gte=now, yellow_at__lte=now)
    return (clock & Q(deadline__gte=now) & (Q(yellow_at__gt=now) | Q(yellow_at__isnull=True))) | (
        done & ~Q(completed_on_time=False)
    )


class WorkOrderFilter(django_filters.FilterSet):
    status = django_filters.CharFilter(method="filter_status", label="状态（可逗号分隔多个）")
    grid = django_filters.CharFilter(
        method="filter_region", label="区域编码（网格/社区/街道，前缀匹配）"
    )
    department = django_filters.NumberFilter(
        method="filter_department", label="部门 id（主办或协办）"
    )
    category = django_filters.CharFilter(method="filter_category", label="分类编码（小类或大类）")
    sla = django_filters.ChoiceFilter(choices=WorkOrder.Sla.choices, method="filter_sla")
    q = django_filters.CharFilter(method="filter_q", label="关键词（编号、描述、地址）")
    channel = django_filters.ChoiceFilter(choices=WorkOrder.Channel.choices)
    priority = django_filters.ChoiceFilter(choices=WorkOrder.Priority.choices)
    supervised = django_filters.BooleanFilter()
    reported_from = django_filters.DateFilter(field_name="reported_at", lookup_expr="date__gte")
    reported_to = django_filters.DateFilter(field_name="reported_at", lookup_expr="date__lte")
    mine = django_filters.BooleanFilter(method="filter_mine", label="只看我上报的")

    class Meta:
        model = WorkOrder
        fields = []

    def filter_status(self, qs, name, value):
        wanted = [v.strip() for v in value.split(",") if v.strip()]
        bad = [v for v in wanted if v not in WorkOrder.Status.values]
        if bad:
            from yiwang.core.errors import ValidationFailed

            raise ValidationFailed(
                f"未知的状态：{', '.join(bad)}。",
                fields={"status": [f"可选：{', '.join(WorkOrder.Status.values)}"]},
            )
        return qs.filter(status__in=wanted) if wanted else qs

    def filter_region(self, qs, name, value):
        return qs.filter(region_code__startswith=value.strip())

    def filter_department(self, qs, name, value):
        return qs.filter(
            Q(primary_department_id=value)
            | Exists(AssistTask.objects.filter(order_id=OuterRef("pk"), department_id=value))
        )

    def filter_category(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(category__code=value) | Q(category__parent__code=value))

    def filter_sla(self, qs, name, value):
        return qs.filter(sla_q(value, timezone.now()))

    def filter_q(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(code__icontains=value) | Q(description__icontains=value) | Q(address__icontains=value)
        )

    def filter_mine(self, qs, name, value):
        user = getattr(self.request, "user", None) if self.request else None
        if value and user is not None:
            return qs.filter(reporter_id=user.pk)
        return qs
