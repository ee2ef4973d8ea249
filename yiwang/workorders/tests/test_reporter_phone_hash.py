"""`WorkOrder.reporter_phone_hash`: the typed phone stays encrypted and is found exactly through
its keyed hash; migration 0009 fills the hash of orders stored before it."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from yiwang.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db
migration = importlib.import_module("yiwang.workorders.migrations.0009_reporter_phone_hash")


def test_typed_phone_is_encrypted_and_found_by_hash(report):
    called = report(reporter=None, reporter_name="张三", reporter_phone="13900002222")
    plain = report(description="没有留电话")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reporter_phone, reporter_phone_hash FROM workorders_workorder WHERE id = %s",
            [called.pk],
        )
        stored, digest = cursor.fetchone()
    assert "13900002222" not in stored + digest and len(digest) == 64
    assert list(WorkOrder.objects.filter(reporter_phone="+86 139 0000 2222")) == [called]
    assert not WorkOrder.objects.filter(reporter_phone="13900002223").exists()
    assert WorkOrder.objects.get(pk=plain.pk).reporter_phone_hash == ""


def test_migration_fills_the_hash_of_stored_orders_in_batches(report, monkeypatch):
    phones = ["13900000001", "13900000002", "13900000003"]
    orders = [report(reporter=None, reporter_phone=p) for p in phones]
    plain = report(description="没有留电话")
    WorkOrder.objects.update(reporter_phone_hash="")  # as the rows were before 0009
    assert not WorkOrder.objects.filter(reporter_phone=phones[0]).exists()
    monkeypatch.setattr(migration, "BATCH", 2)  # more than one batch
    migration.hash_typed_phones(apps, SimpleNamespace(connection=connection))
    for order, phone in zip(orders, phones, strict=True):
        assert list(WorkOrder.objects.filter(reporter_phone=phone)) == [order]
    assert WorkOrder.objects.get(pk=plain.pk).reporter_phone_hash == ""


def test_saving_only_the_phone_writes_its_hash_too(report):
    """`core.pii.KeepsLookupHashes`: `save(update_fields=["reporter_phone"])` keeps the hash."""
    order = report(reporter=None, reporter_phone="13900003333")
    order.reporter_phone = "13900004444"
    order.save(update_fields=["reporter_phone"])
    assert list(WorkOrder.objects.filter(reporter_phone="13900004444")) == [order]
    assert not WorkOrder.objects.filter(reporter_phone="13900003333").exists()
