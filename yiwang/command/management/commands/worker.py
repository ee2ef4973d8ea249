"""yiwang worker: the background worker alone (for deployments with several machines).

A django-q2 cluster on the ORM broker (the database is the queue: no Redis). It runs the jobs
of `yiwang/command/schedules.py` (SLA sweep, SMS retries, emergency escalation every minute;
the weekly report; the monthly assessment) and whatever services enqueue. `yiwang serve`
starts one beside gunicorn.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from yiwang.command.schedules import SCHEDULES, ensure_schedules, worker_available

SETTINGS_HINT = (
    "后台任务需要 django-q2：settings.py 的 INSTALLED_APPS 须含 'django_q'，"
    "并设置 Q_CLUSTER = {'name': 'yiwang', 'orm': 'default', ...}（见 README）。"
)


def _exit_with_parent(parent_pid: int) -> None:
    """Stop this worker (SIGTERM to itself, so the cluster shuts down cleanly) when the process
    that started it (gunicorn under `yiwang serve`) is gone."""

    def watch():
        while True:
            time.sleep(2)
            if os.getppid() != parent_pid:
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class Command(BaseCommand):
    help = "启动后台任务进程（django-q2，数据库队列）。Run the background worker."

    def add_arguments(self, parser):
        parser.add_argument(
            "--run-once", action="store_true", help="启动、处理一轮后退出（用于检查部署）"
        )
        parser.add_argument("--list", action="store_true", help="只列出定时任务")
        parser.add_argument("--exit-with-parent", type=int, default=0, help=argparse.SUPPRESS)

    def handle(self, *args, run_once=False, list=False, exit_with_parent=0, **options):  # noqa: A002
        if not worker_available():
            raise CommandError(SETTINGS_HINT)
        created = ensure_schedules()
        for job in SCHEDULES:
            mark = "（新建）" if job.name in created else ""
            self.stdout.write(f"  定时任务：{job.name} → {job.func}{mark}")
        if list:
            return
        if exit_with_parent:
            _exit_with_parent(exit_with_parent)
        self.stdout.write("后台任务进程已启动（Ctrl-C 停止）。")
        call_command("qcluster", run_once=run_once)
