"""The benchmark command runs a real life cycle in a throwaway database, and the demo loads
idempotently."""

import io
import json
import os
import subprocess
import sys

import pytest


def test_bench_runs_in_a_throwaway_database(tmp_path):
    """The real command line: the configured database (a SQLite file here) is never touched."""
    db = tmp_path / "real.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "MEDIA_ROOT": str(tmp_path / "m")}
    done = subprocess.run(
        [sys.executable, "-m", "yiwang.cli", "bench", "approvals", "--applications", "3"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["applications"] == 3 and result["bundle"] == "开办小餐饮店"
    assert result["applications_per_second"] > 0 and result["review_steps"] >= 3 * 4
    assert result["database"].startswith("sqlite (temporary file")
    assert not db.exists() or db.stat().st_size == 0
    assert not (tmp_path / "m").exists()


@pytest.mark.django_db
def test_demo_load_is_idempotent(settings, tmp_path):
    from yiwang.accounts import demo as accounts_demo
    from yiwang.approvals import demo
    from yiwang.approvals.models import Application, Rectification, ServiceItem

    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    accounts_demo.load(io.StringIO())
    out = io.StringIO()
    demo.load(out)
    assert "47 个事项" in out.getvalue()
    counts = (ServiceItem.objects.count(), Application.objects.count())
    assert counts[0] == 47 and counts[1] > 6
    statuses = set(Application.objects.filter(parent__isnull=True).values_list("status", flat=True))
    assert {"reviewing", "delivered", "submitted", "needs_materials"} <= statuses
    assert Rectification.objects.count() == 1
    demo.load(io.StringIO())
    assert (ServiceItem.objects.count(), Application.objects.count()) == counts
