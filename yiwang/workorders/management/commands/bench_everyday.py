"""yiwang bench everyday: how many everyday reports are dispatched without a person.

Issue 10 measures the platform on the five everyday reports of the UX test (EVERYDAY_TEXTS). Each
is filed by a resident through the real intake (`work_order_create`: the classifier, its
threshold, the responsibility list, the grid of the point), text only, no category chosen, at a
point inside a grid of the current database. The answer is what a resident would get today.

Nothing is kept: every report is made inside one transaction that is rolled back (numbering,
notifications and audit rows included), unless `--keep`. Prints one JSON line:

    {"dispatched": 2, "of": 5, "threshold": 0.93, "point": [lon, lat], "reports": [
        {"text", "status", "category", "category_name", "confidence", "department",
         "dispatched_without_person", "suggestions": [[code, p], ...]}, ...]}

`dispatched_without_person` is true when the order left intake dispatched with the category
the classifier chose (category_source "auto"): no dispatcher touched it.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# The UX test's everyday reports (issue 10). They are the test: no rule, history row or model
# feature is keyed on them (yiwang/triage/tests/test_demo_history.py checks the history).
EVERYDAY_TEXTS = ("垃圾桶满溢好几天", "摆摊占盲道", "路灯不亮", "窨井盖松动", "楼道堆放杂物")


class Rollback(Exception):
    """Raised to undo the reports once they are measured."""


class Command(BaseCommand):
    help = "日常问题自动派单测评：五条居民日常上报（仅文字）走真实受理流程，输出 JSON（默认回滚）。"

    def add_arguments(self, parser):
        parser.add_argument("--user", help="以该居民账号上报（默认：第一个居民账号）")
        parser.add_argument("--lon", type=float, help="上报位置经度（默认：第一个网格内的一点）")
        parser.add_argument("--lat", type=float)
        parser.add_argument("--keep", action="store_true", help="保留生成的工单（默认回滚）")

    def handle(self, *args, user, lon, lat, keep, **options):
        actor = _resident(user)
        point = (lon, lat) if lon is not None and lat is not None else _a_point_in_a_grid()
        if point is None:
            raise CommandError(
                "数据库中没有带边界的网格：请先载入网格（yiwang demo）或给出 --lon --lat。"
            )
        result = {}
        try:
            with transaction.atomic():
                result = measure(actor, point)
                if not keep:
                    raise Rollback
        except Rollback:
            pass
        result["kept"] = keep
        self.stdout.write(json.dumps(result, ensure_ascii=False))


def measure(actor, point: tuple[float, float], texts=None) -> dict:
    """File each text (default EVERYDAY_TEXTS) as `actor` at `point` through the real intake;
    the figures."""
    from yiwang.workorders import intake
    from yiwang.workorders.models import WorkOrder
    from yiwang.workorders.services import work_order_create

    reports = []
    for text in texts or EVERYDAY_TEXTS:
        order = work_order_create(
            actor=actor,
            description=text,
            lon=point[0],
            lat=point[1],
            channel=WorkOrder.Channel.RESIDENT,
        )
        report = order.events.get(action="report")
        automatic = (
            order.status == WorkOrder.Status.DISPATCHED
            and order.category_source == WorkOrder.CategorySource.AUTO
        )
        reports.append(
            {
                "text": text,
                "status": order.status,
                "category": order.category.code if order.category_id else None,
                "category_name": order.category.name if order.category_id else None,
                "confidence": _rounded(order.category_confidence),
                "department": order.primary_department.name
                if order.primary_department_id
                else None,
                "dispatched_without_person": automatic,
                "triage_reason": order.triage_reason,
                "suggestions": [
                    [code, _rounded(p)] for code, p in report.data.get("suggestions", [])[:3]
                ],
            }
        )
    return {
        "dispatched": sum(r["dispatched_without_person"] for r in reports),
        "of": len(reports),
        "threshold": _threshold(intake),
        "point": list(point),
        "reports": reports,
    }


def _rounded(value):
    return None if value is None else round(float(value), 4)


def _threshold(intake):
    """The auto-dispatch threshold in force (the classifier's own, or the setting)."""
    suggest = intake._classifier()
    if suggest is None:
        return None
    stated = getattr(suggest("测试"), "threshold", intake.DEFAULT_THRESHOLD)
    limit = intake.threshold(stated)
    return None if limit == float("inf") else round(limit, 4)


def _resident(username):
    from yiwang.accounts.models import Role, User

    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户 {username} 不存在。")
        return user
    for user in User.objects.filter(memberships__role=Role.RESIDENT).distinct().order_by("pk"):
        if user.roles() == {Role.RESIDENT} and not user.is_superuser:
            return user
    return None  # the system files on the resident channel


def _a_point_in_a_grid():
    """A point inside the first active grid that has an outline (its representative point)."""
    from shapely.geometry import shape

    from yiwang.grids.models import Region

    rows = Region.objects.filter(level=Region.Level.GRID, is_active=True).exclude(geojson="")
    for text in rows.order_by("code").values_list("geojson", flat=True)[:20]:
        try:
            geometry = json.loads(text)
            geometry = geometry.get("geometry", geometry)
            inside = shape(geometry).representative_point()
        except (ValueError, TypeError, AttributeError, KeyError):
            continue
        return (round(inside.x, 6), round(inside.y, 6))
    return None
