"""yiwang enforcement-sweep: mark statutory limits past due as overdue (督办), once each,
with a timeline row and a notice to the case officers. Safe on several machines at once
(compare-and-set). Prints one JSON line {"overdue": n}."""

import json

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "执法案件法定时限巡检：超期的时限标记为已超期并督办。"

    def handle(self, *args, **opts):
        from yiwang.enforcement.services import case_deadline_sweep

        self.stdout.write(json.dumps(case_deadline_sweep(), ensure_ascii=False))
