"""yiwang serve: gunicorn on the configured database (DATABASE_URL), static files by whitenoise."""

import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "启动 Web 服务 (gunicorn)。Serve yiwang with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2))
        )

    def handle(self, *args, port, host, workers, **options):
        self.stdout.write(f"一网 yiwang 服务地址: http://{host}:{port}/  (Ctrl-C 停止)")
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
            ],
        )
