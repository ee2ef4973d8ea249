"""Benchmarks through the real server (`yiwang bench intake --clients N`, `yiwang bench crash`).

`bench_database()` makes a fresh, migrated database of its own name (a temporary SQLite file,
or `yiwang_bench_<pid>` on the configured PostgreSQL server: never `test_<NAME>`, which a test
run may be using) and drops it afterwards. `Server` runs `yiwang serve` (gunicorn with its
workers) on that database as production runs it: DEBUG=0 with keys generated for the run
(the in-process setup signs its API tokens with the same SECRET_KEY), plain HTTP on loopback.
`Client` is a keep-alive HTTP client that tells "no answer" (the server died) apart from an
answer.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

BENCH_SECRET_KEY = secrets.token_urlsafe(48)
BENCH_FIELD_KEY = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


class NoAnswer(Exception):
    """The request got no HTTP answer (refused, reset, timed out): its effect is unknown."""


@contextlib.contextmanager
def bench_database():
    """Yield the DATABASE_URL of a fresh migrated database; the in-process connection points
    at it meanwhile. Dropped afterwards (stop every server on it first)."""
    settings_dict = connection.settings_dict
    old_name = settings_dict["NAME"]
    old_test = dict(settings_dict.get("TEST") or {})
    tmpdir = None
    if connection.vendor == "sqlite":
        tmpdir = tempfile.mkdtemp(prefix="yiwang-bench-")
        name = str(Path(tmpdir) / "bench.sqlite3")
        url = f"sqlite:///{name}"
    else:
        name = f"yiwang_bench_{os.getpid()}"
        url = _postgres_url(settings_dict, name)
    settings_dict["TEST"] = {**old_test, "NAME": name}
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            yield url
        finally:
            connection.close()
            connection.creation.destroy_test_db(old_name, verbosity=0)
    finally:
        settings_dict["TEST"] = old_test
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


def _postgres_url(settings_dict: dict, name: str) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{name}"


@contextlib.contextmanager
def bench_keys():
    """Sign this process's tokens with the key the server will use."""
    old = settings.SECRET_KEY
    settings.SECRET_KEY = BENCH_SECRET_KEY
    try:
        yield
    finally:
        settings.SECRET_KEY = old


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_settings() -> dict:
    """What the database is configured for durability (to print beside the figures)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT current_setting('fsync'), current_setting('synchronous_commit')")
            fsync, sync = cursor.fetchone()
            return {"fsync": fsync, "synchronous_commit": sync}
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous")
        return {"journal_mode": journal, "synchronous": cursor.fetchone()[0]}


class Server:
    """`yiwang serve` (gunicorn, `workers` processes × 4 threads) on the database `url`."""

    def __init__(self, url: str, *, workers: int, port: int | None = None, log: Path):
        self.url, self.workers, self.port, self.log = url, workers, port or free_port(), log
        self.process: subprocess.Popen | None = None

    def env(self) -> dict:
        return {
            **os.environ,
            "DATABASE_URL": self.url,
            "DEBUG": "0",
            "SECRET_KEY": BENCH_SECRET_KEY,
            "YIWANG_FIELD_KEY": BENCH_FIELD_KEY,
            "SECURE_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "YIWANG_WORKER": "0",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "yiwang.settings",
        }

    def start(self, *, timeout: float = 90) -> None:
        command = [
            sys.executable, "-m", "django", "serve", "--settings=yiwang.settings",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--workers", str(self.workers), "--no-worker",
        ]  # fmt: skip
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and command)
                command, env=self.env(), stdout=log, stderr=log, start_new_session=True
            )
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"服务器启动失败，见 {self.log}:\n{self.tail()}")
            try:
                probe = Client(self.port, token="", timeout=5)
                status, _, _ = probe.request("GET", "/api/v1/categories/")
                probe.close()
                if status < 500:
                    return
            except NoAnswer:
                time.sleep(0.2)
        raise RuntimeError(f"服务器 {timeout:.0f} 秒内未就绪，见 {self.log}:\n{self.tail()}")

    def kill(self) -> None:
        """SIGKILL to gunicorn's master and every worker at once: a crash, no clean-up."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by gunicorn's master and workers (its process
        group, from /proc; 0.0 where /proc is missing)."""
        if self.process is None:
            return 0.0
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # the process ended meanwhile
            if int(fields[2]) == self.process.pid:  # pgrp (start_new_session: the master's pid)
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Client:
    """One keep-alive HTTP/1.1 connection to the server, with an API token."""

    def __init__(self, port: int, *, token: str, timeout: float = 60):
        self.port, self.token, self.timeout = port, token, timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body=None, headers=None):
        """(status, headers, parsed JSON or None); NoAnswer when no answer came."""
        all_headers = {"Accept": "application/json", **(headers or {})}
        if self.token:
            all_headers["Authorization"] = f"Token {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            all_headers["Content-Type"] = "application/json"
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self.conn.request(method, path, body=data, headers=all_headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise NoAnswer(str(exc)) from exc
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return response.status, dict(response.getheaders()), parsed

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
