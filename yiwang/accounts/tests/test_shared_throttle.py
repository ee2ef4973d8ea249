"""Issue 11, item 5 (what remained): login throttles and lockouts count across processes. DRF's
throttle counts in the database cache (settings.CACHES), django-axes in its AccessAttempt rows;
nothing is counted in one worker's memory."""

import pytest
from django.core.cache import cache, caches
from django.db import connection
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from yiwang.accounts.migrations import __name__ as migrations_package

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token/"
IP = "10.9.9.9"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def _login(ip=IP):
    return APIClient().post(
        TOKEN_URL, {"username": "nobody", "password": "x"}, format="json", REMOTE_ADDR=ip
    )


def _stored_throttle_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM yiwang_cache WHERE cache_key LIKE %s", [f"%throttle_login_{IP}"]
        )
        return cursor.fetchone()[0]


def test_two_cache_connections_see_the_same_login_count(world, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "3/min"})
    worker_a, worker_b = caches.create_connection("default"), caches.create_connection("default")
    assert worker_a is not worker_b
    monkeypatch.setattr(ScopedRateThrottle, "cache", worker_a)
    assert [_login().status_code for _ in range(2)] == [400, 400]
    # The count is a row of the database, not a value in this process's memory ...
    assert _stored_throttle_rows() == 1
    assert len(worker_b.get(f"throttle_login_{IP}")) == 2
    # ... so a second worker, with its own cache connection, goes on from the first one's count.
    monkeypatch.setattr(ScopedRateThrottle, "cache", worker_b)
    assert [_login().status_code for _ in range(2)] == [400, 429]
    assert _login(ip="10.9.9.10").status_code == 400  # another address has its own count


def test_login_failures_are_counted_in_the_database(world, settings):
    from axes.handlers.database import AxesDatabaseHandler
    from axes.handlers.proxy import AxesProxyHandler
    from axes.models import AccessAttempt

    settings.AXES_FAILURE_LIMIT = 5
    AxesProxyHandler.implementation = None  # read the configured handler afresh
    assert isinstance(AxesProxyHandler.get_implementation(), AxesDatabaseHandler)
    for _ in range(3):
        APIClient().post(
            TOKEN_URL, {"username": "leader", "password": "bad"}, format="json", REMOTE_ADDR=IP
        )
    attempt = AccessAttempt.objects.get(username="leader", ip_address=IP)
    assert attempt.failures_since_start == 3


def test_migrate_creates_the_cache_table():
    """The migration (not only the test runner) makes the table: `yiwang demo`/`serve` run
    migrate, and a deployment that only migrates must still have a shared throttle."""
    from importlib import import_module
    from types import SimpleNamespace

    migration = import_module(f"{migrations_package}.0003_shared_cache_table")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE yiwang_cache")
    assert "yiwang_cache" not in connection.introspection.table_names()
    migration.create_cache_tables(None, SimpleNamespace(connection=connection))
    assert "yiwang_cache" in connection.introspection.table_names()
    cache.set("probe", 1)
    assert caches.create_connection("default").get("probe") == 1
