"""yiwang sla-sweep: mark work orders whose SLA colour got worse and record 预警 / 超期督办.

Run by a scheduler (cron, systemd timer) every few minutes in production, or with `--loop N`
as a long-running process (healthchecks' sendalerts style); by hand in the demo. Idempotent.
"""

import json
import time

from django.core.management.base import BaseCommand

from yiwang.workorders.services import work_order_sla_sweep


class Command(BaseCommand):
    help = "工单时限巡检：黄灯预警、红灯超期督办（幂等）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop",
            type=float,
            default=0,
            metavar="SECONDS",
            help="每隔 SECONDS 秒巡检一次，直到被中断（默认只巡检一次）",
        )

    def handle(self, *args, loop, **options):
        while True:
            counts = work_order_sla_sweep()
            self.stdout.write(json.dumps(counts, ensure_ascii=False))
            if not loop:
                return
            time.sleep(loop)
