"""Backup and restore of the whole database (`yiwang backup`, `yiwang restore`).

- SQLite: the online backup API (`sqlite3.Connection.backup`): a consistent copy page by page
  while the server keeps serving (WAL readers and the one writer go on); restore copies the
  pages of a backup file into the target database the same way.
- PostgreSQL: `pg_dump --format=custom` and `pg_restore` (the server's own tools, which must be
  installed where the command runs), with the connection taken from DATABASE_URL.

A restore goes into an empty database unless `force` is given (then the target is replaced).
Uploaded files (MEDIA_ROOT) are not in the database: copy that directory beside the backup.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db import connections


class BackupError(Exception):
    """A backup or restore that cannot be done (the message is for people)."""


@dataclass
class Target:
    """A database to back up or restore into: Django's settings dict for it."""

    settings: dict

    @property
    def vendor(self) -> str:
        engine = self.settings["ENGINE"]
        if engine.endswith("sqlite3"):
            return "sqlite"
        if "postgresql" in engine:
            return "postgresql"
        raise BackupError(f"不支持的数据库：{engine}")


def target_of(url: str | None = None, alias: str = "default") -> Target:
    if url:
        import dj_database_url

        return Target(dj_database_url.parse(url))
    return Target(connections[alias].settings_dict)


# ---------------------------------------------------------------------------- SQLite


def _sqlite_source(alias: str) -> sqlite3.Connection:
    connection = connections[alias]
    connection.ensure_connection()
    return connection.connection


def sqlite_backup(out: Path, *, alias: str = "default") -> None:
    """Copy the live database (file or in-memory test database) to `out`."""
    source = _sqlite_source(alias)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    tmp.unlink(missing_ok=True)
    dest = sqlite3.connect(tmp)
    try:
        source.backup(dest, pages=4096)
        dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dest.close()
    os.replace(tmp, out)


def sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    return [r[0] for r in rows]


def _check_backup_file(path: Path) -> None:
    if not path.is_file():
        raise BackupError(f"备份文件不存在：{path}")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = sqlite_tables(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"不是有效的 SQLite 备份文件：{path}（{exc}）")
    if ok != "ok" or "django_migrations" not in tables:
        raise BackupError(f"备份文件已损坏或不是一网的数据库：{path}")


def sqlite_restore(backup: Path, *, into: Path | None = None, alias="default", force=False):
    """Copy the pages of `backup` into the target: the file `into`, or the database `alias`."""
    _check_backup_file(backup)
    if into is not None:
        dest = sqlite3.connect(into)
        close = True
    else:
        dest = _sqlite_source(alias)
        close = False
    try:
        if sqlite_tables(dest) and not force:
            raise BackupError("目标数据库不是空的；确认要覆盖时请加 --force。")
        source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        try:
            source.backup(dest, pages=4096)
        finally:
            source.close()
    finally:
        if close:
            dest.close()
    if into is None:
        connections[alias].close()  # the next query sees the restored database afresh


# ---------------------------------------------------------------------------- PostgreSQL


def _pg_env(settings: dict) -> dict:
    env = dict(os.environ)
    pairs = {
        "PGHOST": settings.get("HOST"),
        "PGPORT": settings.get("PORT"),
        "PGUSER": settings.get("USER"),
        "PGPASSWORD": settings.get("PASSWORD"),
        "PGDATABASE": settings.get("NAME"),
    }
    env.update({k: str(v) for k, v in pairs.items() if v not in (None, "")})
    return env


def _run(cmd: list[str], env: dict) -> None:
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"找不到 {cmd[0]}：请安装 PostgreSQL 客户端工具。")
    if proc.returncode != 0:
        raise BackupError(f"{cmd[0]} 失败：{proc.stderr.strip()[-2000:]}")


def pg_backup(out: Path, target: Target) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={tmp}"], _pg_env(target.settings))
    os.replace(tmp, out)


def pg_table_count(target: Target) -> int:
    env = _pg_env(target.settings)
    sql = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
    proc = subprocess.run(["psql", "-tAc", sql], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"psql 失败：{proc.stderr.strip()[-2000:]}")
    return int(proc.stdout.strip() or 0)


def pg_restore(backup: Path, target: Target, *, force: bool = False) -> None:
    if not backup.is_file():
        raise BackupError(f"备份文件不存在：{backup}")
    if pg_table_count(target) and not force:
        raise BackupError("目标数据库不是空的；确认要覆盖时请加 --force。")
    cmd = ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction"]
    if force:
        cmd += ["--clean", "--if-exists"]
    env = _pg_env(target.settings)
    _run([*cmd, f"--dbname={env.get('PGDATABASE', '')}", str(backup)], env)


# ---------------------------------------------------------------------------- entry points


def backup(out: Path, *, url: str | None = None) -> str:
    target = target_of(url)
    if target.vendor == "sqlite":
        if url:
            raise BackupError("SQLite 备份的是当前配置的数据库（DATABASE_URL）。")
        sqlite_backup(out)
    else:
        pg_backup(out, target)
    return target.vendor


def restore(backup_file: Path, *, url: str | None = None, force: bool = False) -> str:
    target = target_of(url)
    if target.vendor == "sqlite":
        into = Path(target.settings["NAME"]) if url else None
        sqlite_restore(backup_file, into=into, force=force)
    else:
        pg_restore(backup_file, target, force=force)
    return target.vendor
