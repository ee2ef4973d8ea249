"""Demo data of 智能分拣 for 唯亭街道: 800 archived orders of the last 90 days on the
high-frequency matters of the demo's responsibility list and the components residents meet most
(路灯、井盖、消火栓、楼道堆物; demo_history.py, a fifth of them terse phone reports), a classifier
retrained from them and installed, then three new reports through intake: a clear one that is
categorised and dispatched by the machine, an unclear one waiting in triage with the machine's
suggestions, and one the dispatcher files under another category (a correction, 坐席纠正).
Deterministic (fixed seeds); skipped when a classifier model is already active.
"""

from __future__ import annotations

import datetime as dt
import logging
import random

from django.utils import timezone

logger = logging.getLogger("yiwang.triage")

HISTORY_PREFIX = "DEMO-H"
DAYS = 90
# The street's extent (grids/demo.py) and the demo grid worker's point.
WEST, EAST, SOUTH, NORTH = 120.74, 120.83, 31.33, 31.40
HOME = (120.7800, 31.3700)
CLEAR = "青剑湖花园南门人行道上停满了私家车，推婴儿车都过不去，请尽快处理。"
UNCLEAR = "小区里最近问题很多，晚上又吵又有味道，不知道该找谁。"
CORRECTED = "星湖街夜市的烧烤摊一直开到凌晨，烟很大，还占了人行道。"


def _history_records(now: dt.datetime) -> list:
    from yiwang.triage.demo_history import DEMO, history
    from yiwang.workorders.history import HistoryRecord

    rng = random.Random(90)
    records = []
    for i, (text, code) in enumerate(history(**DEMO)):
        reported = now - dt.timedelta(days=rng.uniform(2, DAYS))
        reported = reported.replace(hour=rng.randint(7, 21))
        archived = min(reported + dt.timedelta(hours=rng.uniform(1, 72)), now)
        lon, lat = rng.uniform(WEST, EAST), rng.uniform(SOUTH, NORTH)
        records.append(
            HistoryRecord(
                text,
                code,
                reported,
                archived,
                round(lon, 5),
                round(lat, 5),
                external_id=f"{HISTORY_PREFIX}{i + 1:04d}",
            )
        )
    return records


def _live_orders(users) -> str:
    from yiwang.workorders.services import work_order_create, work_order_dispatch

    def report(key, actor, text, point):
        return work_order_create(
            actor=actor, description=text, lon=point[0], lat=point[1], external_id=f"DEMO-T{key}"
        )

    clear = report("01", users["gridworker"], CLEAR, HOME)
    unclear = report("02", users["resident"], UNCLEAR, (HOME[0] + 0.002, HOME[1]))
    corrected = report("03", users["resident"], CORRECTED, (HOME[0] - 0.002, HOME[1]))
    runner_up = corrected.events.get(action="report").data["suggestions"][1][0]
    work_order_dispatch(
        actor=users["dispatcher"],
        order=corrected,
        version=corrected.version,
        category=runner_up,
        note="演示：坐席改选分类",
    )
    source = clear.get_category_source_display() or "—"
    return f"新上报：{clear.get_status_display()}（{source}）、{unclear.get_status_display()}"


def load(stdout) -> None:
    from yiwang.accounts.models import User
    from yiwang.core.errors import ServiceError
    from yiwang.triage.models import ClassifierModel
    from yiwang.triage.services import classifier_retrain
    from yiwang.workorders.history import work_order_history_import
    from yiwang.workorders.models import WorkOrder

    if ClassifierModel.objects.filter(is_active=True).exists():
        stdout.write("智能分拣：已有启用的分拣模型，跳过。")
        return
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["admin", "dispatcher", "gridworker", "resident"])
    }
    if len(users) < 4:
        stdout.write("智能分拣：缺少演示账号，跳过。")
        return
    imported = 0
    if not WorkOrder.objects.filter(external_id__startswith=HISTORY_PREFIX).exists():
        imported = work_order_history_import(
            actor=users["admin"], records=_history_records(timezone.now()), note="演示历史工单"
        )
    try:
        result = classifier_retrain(actor=users["admin"])
        live = _live_orders(users)
    except ServiceError as exc:  # the demo goes on without a model
        stdout.write(f"智能分拣：未能训练分拣模型（{exc.message}）。")
        return
    model = ClassifierModel.objects.get(pk=result["model"])
    stdout.write(
        f"智能分拣：历史工单 {imported} 条，分拣模型 #{model.pk}（{result['classes']} 个分类，"
        f"留出集 macro-F1 {result['new']['macro_f1']:.3f}，自动派单阈值 {model.threshold:.3f}）；"
        f"{live}"
    )
