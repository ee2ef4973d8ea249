"""yiwang serve: gunicorn on the configured database (DATABASE_URL), static files by whitenoise,
and the background worker (`yiwang worker`: SLA sweep, SMS retries, escalation, reports) beside
it unless `--no-worker` or YIWANG_WORKER=0 (deployments that run `yiwang worker` elsewhere)."""

import os
import subprocess
import sys
import tempfile

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand


def control_socket_path(host: str, port: int) -> str:
    """The gunicorn control socket of the server bound to host:port (per instance)."""
    safe_host = "".join(c if c.isalnum() else "_" for c in host)
    return os.path.join(tempfile.gettempdir(), f"yiwang-gunicorn-{safe_host}-{port}.ctl")


class Command(BaseCommand):
    help = "启动 Web 服务 (gunicorn)。Serve yiwang with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2))
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            default=os.environ.get("YIWANG_WORKER", "1") == "0",
            help="不在本机启动后台任务进程（另有机器运行 yiwang worker 时）",
        )

    def start_worker(self) -> None:
        """The worker as a child process; it stops by itself when gunicorn (which replaces
        this process, same pid) is gone."""
        if not apps.is_installed("django_q"):
            self.stderr.write("未启动后台任务进程：django_q 未在 INSTALLED_APPS 中。")
            return
        subprocess.Popen(  # noqa: S603 (our own interpreter and command)
            [
                sys.executable,
                "-m",
                "django",
                "worker",
                f"--settings={settings.SETTINGS_MODULE}",
                f"--exit-with-parent={os.getpid()}",
            ]
        )
        self.stdout.write("后台任务进程已在旁启动（yiwang worker）。")

    def handle(self, *args, port, host, workers, no_worker=False, **options):
        self.stdout.write(f"一网 yiwang 服务地址: http://{host}:{port}/  (Ctrl-C 停止)")
        if not no_worker:
            self.start_worker()
        sys.stdout.flush()
        os.execvp(
            sys.executable,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "yiwang.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(workers),
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--timeout",
                "120",
                # gunicorn's control socket defaults to one path per user (~/.gunicorn/): two
                # servers on one machine would share it. One per bound address instead.
                "--control-socket",
                control_socket_path(host, port),
            ],
        )
