"""Issue 11, item 16: `yiwang backup` and `yiwang restore` give back the same database: restored
into an empty database, every table has the same count and the sampled rows are equal."""

from __future__ import annotations

import datetime as dt
import decimal
import os
import sqlite3
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from yiwang.core.backup import sqlite_tables

pytestmark = pytest.mark.django_db(transaction=True)
SAMPLE = 5


def _seed(world):
    from yiwang.basedata import services
    from yiwang.basedata.tests.helpers import GRID_A, make_id

    for n in range(1, 4):
        services.person_create(
            actor=world.users["grid_a"],
            name="张三李四王五"[n - 1] + "某",
            id_number=make_id(n),
            grid=GRID_A,
            phone=f"1381234567{n}",
        )


def _live_tables() -> dict[str, tuple[int, list]]:
    """Per table: the row count and the first rows (by rowid), as the live database has them."""
    out = {}
    with connection.cursor() as cursor:
        names = [
            r[0]
            for r in cursor.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
        ]
        for name in names:
            count = cursor.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            rows = cursor.execute(f'SELECT * FROM "{name}" ORDER BY rowid LIMIT {SAMPLE}')
            out[name] = (count, [_plain(r) for r in rows.fetchall()])
    return out


def _plain(row) -> tuple:
    """Django's SQLite connection parses dates, times and decimals: back to stored text."""
    kinds = (dt.date, dt.time, decimal.Decimal)
    return tuple(str(v) if isinstance(v, kinds) else v for v in row)


def _file_tables(path) -> dict[str, tuple[int, list]]:
    conn = sqlite3.connect(path)
    try:
        out = {}
        for name in sqlite_tables(conn):
            count = conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            rows = conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid LIMIT {SAMPLE}')
            out[name] = (count, [tuple(r) for r in rows.fetchall()])
        return out
    finally:
        conn.close()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite path (PostgreSQL below)")
def test_backup_then_restore_into_an_empty_database_gives_the_same_rows(world, tmp_path):
    _seed(world)
    live = _live_tables()
    assert live["basedata_person"][0] == 3 and live["accounts_user"][0] >= 10
    out = tmp_path / "backup.sqlite3"
    call_command("backup", str(out))
    empty = tmp_path / "restored.sqlite3"
    call_command("restore", str(out), "--database-url", f"sqlite:///{empty}")
    restored = _file_tables(empty)
    assert set(restored) == set(live)
    for name, (count, rows) in live.items():
        assert restored[name][0] == count, name
        assert restored[name][1] == rows, name


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite path")
def test_restore_refuses_a_database_that_is_not_empty_and_a_bad_file(world, tmp_path):
    out = tmp_path / "backup.sqlite3"
    call_command("backup", str(out))
    target = tmp_path / "busy.sqlite3"
    conn = sqlite3.connect(target)
    conn.execute("CREATE TABLE something (id integer)")
    conn.commit()
    conn.close()
    with pytest.raises(CommandError, match="不是空的"):
        call_command("restore", str(out), "--database-url", f"sqlite:///{target}")
    call_command("restore", str(out), "--database-url", f"sqlite:///{target}", "--force")
    assert "accounts_user" in _file_tables(target)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(CommandError, match="SQLite"):
        call_command("restore", str(junk), "--database-url", f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(CommandError, match="不存在"):
        call_command("restore", str(tmp_path / "missing"))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite path")
def test_the_yiwang_commands_work_on_a_database_named_by_url(tmp_path):
    """The console commands themselves, on a file database that a server would use."""
    db = tmp_path / "live.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def yiwang(*args):
        code = "import sys; from yiwang.cli import main; main(sys.argv[1:])"
        return subprocess.run(
            [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True
        )

    seeded = yiwang("manage", "migrate", "accounts", "--verbosity", "0")
    assert seeded.returncode == 0, seeded.stderr
    backup = yiwang("backup", str(tmp_path / "b.sqlite3"))
    assert backup.returncode == 0, backup.stderr
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    restored = yiwang("restore", str(tmp_path / "b.sqlite3"))
    assert restored.returncode == 0, restored.stderr
    assert _file_tables(tmp_path / "new.sqlite3") == _file_tables(db)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="when DATABASE_URL is PostgreSQL")
def test_postgresql_backup_and_restore(world, tmp_path):
    """pg_dump of the test database, pg_restore into a new empty database, same counts."""
    import uuid

    _seed(world)
    out = tmp_path / "backup.dump"
    call_command("backup", str(out))
    settings = connection.settings_dict
    name = f"yiwang_restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        host = settings["HOST"] or "localhost"
        target = (
            f"postgres://{settings['USER']}:{settings['PASSWORD']}@{host}"
            f":{settings['PORT'] or 5432}/{name}"
        )
        call_command("restore", str(out), "--database-url", target)
        import psycopg

        with psycopg.connect(target) as restored, connection.cursor() as live:
            for table in ("accounts_user", "basedata_person", "core_auditevent"):
                live.execute(f"SELECT count(*) FROM {table}")
                (expected,) = live.fetchone()
                (got,) = restored.execute(f"SELECT count(*) FROM {table}").fetchone()
                assert got == expected, table
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
