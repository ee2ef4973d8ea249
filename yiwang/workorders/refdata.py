"""A per-process cache of the reference data read on every intake: the categories and the
current responsibility rules (with their cooperating departments).

It is only ever a copy of the database. A write in this process drops it at once (signals,
connected in apps.py, and again on commit); a write by another process is seen within
`YIWANG_REFDATA_CHECK_SECONDS` (default 2): at most that often a read compares a cheap stamp
of both tables (one raw SQL statement: row counts, max ids, max timestamps) with the stamp the
copy was built from, and rebuilds on any difference. Rules are append-only (a change is a new
row), categories carry `updated_at`, so any change moves the stamp. Building the copy costs a
few ORM queries; using it saves four statements per intake, most of the ORM's cost there.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction


@dataclass
class _Snapshot:
    stamp: tuple
    database: tuple  # (alias, NAME): a copy never serves another database
    categories: dict  # code -> Category (with parent_id)
    rules: dict  # category_id -> [ResponsibilityRule] (current, cooperating prefetched)
    next_check: float = 0.0


_lock = threading.Lock()
_snapshot: _Snapshot | None = None


def _check_seconds() -> float:
    return float(getattr(settings, "YIWANG_REFDATA_CHECK_SECONDS", 2.0))


def _stamp() -> tuple:
    from yiwang.workorders.models import Category, ResponsibilityRule

    qn = connection.ops.quote_name
    rules = qn(ResponsibilityRule._meta.db_table)
    through = qn(ResponsibilityRule.cooperating_departments.through._meta.db_table)
    cats = qn(Category._meta.db_table)
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {rules}), (SELECT MAX(id) FROM {rules}), "
        f"(SELECT MAX(created_at) FROM {rules}), (SELECT COUNT(*) FROM {through}), "
        f"(SELECT COUNT(*) FROM {cats}), (SELECT MAX(updated_at) FROM {cats})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(str(v) for v in cursor.fetchone())


def _build(stamp, database) -> _Snapshot:
    from yiwang.workorders.models import Category, ResponsibilityRule

    categories = {c.code: c for c in Category.objects.order_by()}
    rules: dict[int, list] = {}
    current = (
        ResponsibilityRule.objects.filter(is_current=True)
        .select_related("primary_department")
        .prefetch_related("cooperating_departments")
        .order_by()
    )
    for rule in current:
        rules.setdefault(rule.category_id, []).append(rule)
    return _Snapshot(stamp, database, categories, rules)


def snapshot() -> _Snapshot:
    global _snapshot
    database = (connection.alias, connection.settings_dict.get("NAME"))
    cached = _snapshot
    now = time.monotonic()
    if cached is not None and cached.database == database and now < cached.next_check:
        return cached
    stamp = _stamp()
    if cached is None or cached.database != database or cached.stamp != stamp:
        cached = _build(stamp, database)
    cached.next_check = now + _check_seconds()
    with _lock:
        _snapshot = cached
    return cached


def invalidate(*args, **kwargs) -> None:
    """Drop the copy now and again when the current transaction commits (a copy rebuilt
    inside the transaction may hold rows that a rollback takes back)."""
    global _snapshot
    with _lock:
        _snapshot = None
    if connection.in_atomic_block:
        transaction.on_commit(_drop)


def _drop() -> None:
    global _snapshot
    with _lock:
        _snapshot = None


def connect() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from yiwang.workorders.models import Category, ResponsibilityRule

    for model in (Category, ResponsibilityRule):
        post_save.connect(invalidate, sender=model, dispatch_uid=f"refdata-save-{model.__name__}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"refdata-del-{model.__name__}")
    m2m_changed.connect(
        invalidate,
        sender=ResponsibilityRule.cooperating_departments.through,
        dispatch_uid="refdata-m2m-cooperating",
    )


def category_by_code(code: str):
    return snapshot().categories.get(code)


def current_rules(category_id: int) -> list:
    return snapshot().rules.get(category_id, [])
