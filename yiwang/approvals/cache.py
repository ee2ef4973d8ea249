"""A short-lived, per-process cache of the catalogue (事项、材料、一件事、流程、中心规则).

The catalogue is read on every submission and acceptance and changes rarely. Entries live
`TTL` seconds and are dropped at once in this process when any catalogue row is saved or
deleted (signals, connected in `apps.py`); another process sees an edit within `TTL` seconds.
The database stays the only source of truth: every entry is rebuilt from it.
"""

from __future__ import annotations

import threading
import time

TTL = 30.0

_lock = threading.Lock()
_store: dict = {}


def cached(key, loader):
    now = time.monotonic()
    hit = _store.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = loader()
    with _lock:
        _store[key] = (now + TTL, value)
    return value


def invalidate(**kwargs) -> None:
    with _lock:
        _store.clear()


CATALOGUE_MODELS = [
    "ServiceItem",
    "ItemMaterial",
    "StepFlow",
    "StepDefinition",
    "Bundle",
    "BundleItem",
    "CenterPolicy",
]


def connect() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from yiwang.approvals import models

    for name in CATALOGUE_MODELS:
        model = getattr(models, name)
        post_save.connect(invalidate, sender=model, dispatch_uid=f"approvals-cache-save-{name}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"approvals-cache-del-{name}")
    from yiwang.accounts.models import OrgUnit

    post_save.connect(invalidate, sender=OrgUnit, dispatch_uid="approvals-cache-unit-save")
    post_delete.connect(invalidate, sender=OrgUnit, dispatch_uid="approvals-cache-unit-del")
    m2m_changed.connect(
        invalidate,
        sender=models.ServiceItem.devolved_to.through,
        dispatch_uid="approvals-cache-devolved",
    )
