"""The crash bench (issue 11, item 15): `yiwang bench crash` against a real gunicorn killed with
SIGKILL mid-run, on whichever database the suite runs on (SQLite, or PostgreSQL in .ci/run),
and its checks, which must see a lost, doubled or stray write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from yiwang.workorders.crashbench import check_database, summarise

REPO = Path(__file__).resolve().parents[3]


def test_a_killed_server_loses_and_doubles_nothing():
    """2 client processes for 8 seconds, one SIGKILL of gunicorn (master and workers) and a
    restart: every acknowledged order and action is there once, every key replays."""
    done = subprocess.run(  # noqa: S603 (our own interpreter and command)
        [sys.executable, "-m", "django", "bench_crash", "--settings=yiwang.settings",
         "--clients", "2", "--seconds", "8", "--server-workers", "2"],
        cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stdout + done.stderr
    result = json.loads(lines[-1])
    assert done.returncode == 0 and result["ok"], result
    assert result["kills"] == 1 and result["counts"]["no_answer"] > 0  # the crash was felt
    assert result["acknowledged_orders"] > 0 and result["acknowledged_actions"] > 0
    assert result["replayed_ok"] == result["acknowledged_orders"]
    for problem in ("lost_orders", "duplicate_orders", "lost_actions", "duplicate_actions"):
        assert result[problem] == 0


def report(orders=None, actions=()):
    return {"orders": orders or {}, "actions": [list(a) for a in actions], "counts": {}}


RESTART = [{"killed_at_s": 1.0, "down_s": 1.0}]


def test_the_checks_see_a_lost_order_and_a_lost_action():
    found = {"by_key": {"crash-0-0": [7]}, "events": Counter({(7, "accept"): 1})}
    actions = [(7, "accept", "answered"), (7, "complete", "recovered")]
    reports = [report({"crash-0-0": 7, "crash-0-1": 8}, actions)]
    result = summarise(reports, found, Counter(ok=2), RESTART)
    assert not result["ok"]
    assert result["lost_orders"] == 1 and result["lost_actions"] == 1


def test_the_checks_see_doubles_strays_and_failed_replays():
    found = {
        "by_key": {"crash-0-0": [7], "crash-1-0": [9]},
        "events": Counter({(7, "accept"): 2, (9, "accept"): 1}),
    }
    reports = [report({"crash-0-0": 7}, [(7, "accept", "answered")])]
    result = summarise(reports, found, Counter(ok=0, failed=1), RESTART)
    assert not result["ok"]
    assert result["duplicate_actions"] == 1
    assert result["unacknowledged_orders"] == 1 and result["unacknowledged_actions"] == 1
    assert result["replay_failed"] == 1


def test_a_run_without_a_kill_proves_nothing():
    found = {"by_key": {"crash-0-0": [7]}, "events": Counter()}
    result = summarise([report({"crash-0-0": 7})], found, Counter(ok=1), [])
    assert not result["ok"] and result["kills"] == 0
    assert summarise([report({"crash-0-0": 7})], found, Counter(ok=1), RESTART)["ok"]


@pytest.mark.django_db
def test_the_database_check_finds_orders_by_their_key(world, rules):
    from yiwang.workorders.services import work_order_accept, work_order_create
    from yiwang.workorders.tests.conftest import IN_A

    worker = world.users["grid_a"]
    order = work_order_create(
        actor=worker, description="车库住人", lon=IN_A[0], lat=IN_A[1], category="90001",
        idempotency_key="crash-3-0",
    )  # fmt: skip
    work_order_create(actor=worker, description="另一单", lon=IN_A[0], lat=IN_A[1])
    work_order_accept(actor=world.users["zhifa"], order=order.pk, version=order.version)
    found = check_database(worker, [])
    assert found["by_key"] == {"crash-3-0": [order.pk]}
    assert found["events"] == Counter({(order.pk, "accept"): 1})
