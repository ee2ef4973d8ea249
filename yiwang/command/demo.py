"""The command center's part of the demo street: the escalation chains, the assessment
weights, the worker's schedules, and one task broadcast to the demo grid worker's grid and two
neighbours (so `gridworker` has something to confirm and report)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from yiwang.command.models import (
    DEFAULT_ACK_MINUTES,
    DEFAULT_CHAIN,
    DEFAULT_WEIGHTS,
    AssessmentScheme,
    ContingencyPlan,
    EscalationPolicy,
    Task,
)
from yiwang.command.schedules import ensure_schedules, worker_available

DEMO_TASK = "汛期地下室进水排查"
DEMO_PLANS = [
    (
        "防汛排涝预案",
        "natural_disaster",
        "地下室、地下车库进水排查",
        "逐户查看地下室、地下车库进水情况，转移低洼处人员与车辆，险情立即上报。",
        800,
        2,
        ["已查户数", "进水户数", "转移人数"],
    ),
    (
        "疫情防控排查预案",
        "public_health",
        "重点人员排查（红黄绿码标记）",
        "对网格内居民逐户排查，按红、黄、绿三色标记并回报人数。",
        1500,
        12,
        ["红码人数", "黄码人数", "绿码人数"],
    ),
]


def _demo_task(stdout) -> None:
    from yiwang.accounts.models import User
    from yiwang.command import services
    from yiwang.grids.models import GridWorker, Region

    dispatcher = User.objects.filter(username="dispatcher").first()
    home = GridWorker.objects.filter(user__username="gridworker").select_related("region").first()
    if dispatcher is None or home is None or Task.objects.filter(title=DEMO_TASK).exists():
        return
    siblings = Region.objects.filter(
        parent_id=home.region.parent_id, level=Region.Level.GRID, is_active=True
    ).exclude(pk=home.region_id)
    codes = [home.region.code, *siblings.order_by("code").values_list("code", flat=True)[:2]]
    task = services.task_create(
        actor=dispatcher,
        title=DEMO_TASK,
        instructions="暴雨预警：请逐户查看地下室、地下车库进水情况，发现险情立即上报。",
        grids=codes,
        due=timezone.now() + dt.timedelta(days=2),
        report_fields=["已查户数", "发现隐患数"],
    )
    stdout.write(f"指挥调度：演示工作布置「{DEMO_TASK}」已下发 {task.assignments.count()} 个网格")


def load(stdout) -> None:
    for level, minutes in DEFAULT_ACK_MINUTES.items():
        EscalationPolicy.objects.get_or_create(
            level=level, defaults={"ack_minutes": minutes, "chain": list(DEFAULT_CHAIN)}
        )
    for kind, weights in DEFAULT_WEIGHTS.items():
        AssessmentScheme.objects.get_or_create(kind=kind, defaults={"weights": weights})
    for name, kind, title, instructions, radius, hours, fields in DEMO_PLANS:
        ContingencyPlan.objects.get_or_create(
            name=name,
            defaults={
                "incident_type": kind,
                "task_title": title,
                "instructions": instructions,
                "radius_m": radius,
                "due_hours": hours,
                "report_fields": fields,
            },
        )
    if worker_available():
        ensure_schedules()
    _demo_task(stdout)
    stdout.write("指挥调度：上报链、考核权重已就绪")
