"""core.statements: the compiled INSERT and compare-and-set UPDATE write what the ORM writes."""

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.db.models.signals import post_save

from yiwang.core.models import AuditEvent
from yiwang.core.statements import insert_row, update_versioned
from yiwang.grids.models import GridWorker, Region


def _audit(world, note):
    return AuditEvent(
        actor=world.users["dispatcher"],
        actor_name="坐席",
        action="test.insert",
        target_type="grids.region",
        target_id=str(world.street.pk),
        before={"状态": "待分拣", "n": [1, 2]},
        after=None,
        note=note,
    )


COLUMNS = ("actor_id", "actor_name", "action", "target_type", "target_id", "before", "after")


@pytest.mark.django_db
def test_insert_row_writes_the_row_save_writes(world):
    ours = insert_row(_audit(world, "compiled"))
    theirs = _audit(world, "orm")
    theirs.save()
    assert ours.pk is not None and ours.pk != theirs.pk
    assert not ours._state.adding
    got = AuditEvent.objects.filter(pk__in=[ours.pk, theirs.pk]).order_by("pk")
    rows = list(got.values_list(*COLUMNS))
    assert rows[0] == rows[1]
    assert rows[0][5] == {"状态": "待分拣", "n": [1, 2]}
    assert rows[0][6] is None  # SQL NULL, not JSON null
    assert AuditEvent.objects.get(pk=ours.pk).at == ours.at  # auto_now_add filled in


@pytest.mark.django_db
def test_insert_row_encrypts_personal_data(world):
    grid = Region.objects.filter(level=Region.Level.GRID).first()
    worker = insert_row(GridWorker(region=grid, name="网格员丙", phone="13900000009"))
    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM grids_gridworker WHERE id = %s", [worker.pk])
        raw = cur.fetchone()[0]
    assert "13900000009" not in raw
    assert GridWorker.objects.get(pk=worker.pk).phone == "13900000009"


@pytest.mark.django_db
def test_insert_row_refuses_a_saved_instance_and_respects_the_transaction(world):
    saved = insert_row(_audit(world, "one"))
    with pytest.raises(ValueError):
        insert_row(saved)
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        insert_row(_audit(world, "rolled back"))
        raise RuntimeError
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_insert_row_saves_through_the_orm_when_a_receiver_listens(world):
    heard = []

    def receiver(sender, instance, created, **kwargs):
        heard.append((instance.note, created))

    post_save.connect(receiver, sender=AuditEvent)
    try:
        event = insert_row(_audit(world, "heard"))
    finally:
        post_save.disconnect(receiver, sender=AuditEvent)
    assert heard == [("heard", True)]
    assert AuditEvent.objects.filter(pk=event.pk, note="heard").exists()


@pytest.mark.django_db
def test_update_versioned_is_a_compare_and_set(world):
    region = Region.objects.filter(level=Region.Level.GRID).first()
    stale = Region.objects.get(pk=region.pk)
    region.name = "第一次修改"
    assert update_versioned(region, ["name"]) is True
    fresh = Region.objects.get(pk=region.pk)
    assert (fresh.name, fresh.version) == ("第一次修改", stale.version + 1)
    stale.name = "过期的修改"
    assert update_versioned(stale, ["name"]) is False
    assert Region.objects.get(pk=region.pk).name == "第一次修改"


@pytest.mark.django_db
def test_update_versioned_accepts_expressions(world):
    region = Region.objects.filter(level=Region.Level.GRID).first()
    start = region.version
    region.name = F("code")
    assert update_versioned(region, ["name"]) is True
    fresh = Region.objects.get(pk=region.pk)
    assert fresh.name == fresh.code and fresh.version == start + 1
