"""yiwang bench crash --clients 4 --seconds 30: SIGKILL the server mid-run, restart it, and
check that every acknowledged order and action is there exactly once and every replayed
Idempotency-Key returns its order (see yiwang/workorders/crashbench.py). One JSON line; exit
status 1 on any loss, duplicate, failed replay or server error."""

import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "崩溃测试：运行中强杀（SIGKILL）服务器并重启，核对已确认的工单与操作不丢不重（JSON）。"

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=4, help="客户端进程数")
        parser.add_argument("--seconds", type=float, default=30, help="运行秒数")
        parser.add_argument("--kills", type=int, default=1, help="强杀并重启服务器的次数")
        parser.add_argument("--server-workers", type=int, default=2, help="gunicorn 进程数")
        parser.add_argument("--seed", type=int, default=20261206)

    def handle(self, *args, clients, seconds, kills, server_workers, seed, **options):
        if clients < 1 or seconds <= 0 or kills < 1 or server_workers < 1:
            raise CommandError("--clients、--seconds、--kills、--server-workers 须为正数。")
        from yiwang.workorders.crashbench import run_crash

        result = run_crash(
            clients=clients,
            seconds=seconds,
            kills=kills,
            server_workers=server_workers,
            seed=seed,
            log=self.stderr.write,
        )
        self.stdout.write(json.dumps(result, ensure_ascii=False))
        if not result["ok"]:
            raise SystemExit(1)
