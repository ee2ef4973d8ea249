"""`WorkOrder.reporter_phone_hash`: the keyed hash of the typed reporter phone (as
`accounts.User.phone_hash`), so the console finds a caller with `filter(reporter_phone=…)`
instead of decrypting recent orders. Filled here for the orders already stored."""

from django.db import migrations, models

import yiwang.core.pii

BATCH = 2000


def hash_typed_phones(apps, schema_editor):
    """Fill the hash of every order with a typed phone, in batches by primary key."""
    from yiwang.core.pii import lookup_hash
    from yiwang.core.validators import normalize_phone

    WorkOrder = apps.get_model("workorders", "WorkOrder")
    # `> ''` on the ciphertext, not `exclude(reporter_phone="")`: once hashed, the field's exact
    # lookup compares the (still empty) hash column.
    rows = WorkOrder.objects.using(schema_editor.connection.alias).filter(reporter_phone__gt="")
    last = 0
    while True:
        batch = list(
            rows.filter(pk__gt=last).order_by("pk").values_list("pk", "reporter_phone")[:BATCH]
        )
        if not batch:
            return
        changed = []
        for pk, phone in batch:
            normalized = normalize_phone(phone or "")
            if normalized.strip():
                changed.append(WorkOrder(pk=pk, reporter_phone_hash=lookup_hash(normalized)))
        WorkOrder.objects.using(schema_editor.connection.alias).bulk_update(
            changed, ["reporter_phone_hash"]
        )
        last = batch[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("workorders", "0008_components_and_supporters"),
    ]

    operations = [
        migrations.AddField(
            model_name="workorder",
            name="reporter_phone_hash",
            field=models.CharField(blank=True, max_length=64, verbose_name="上报人电话索引"),
        ),
        # Reversed, the column goes away with the AddField: nothing to undo here.
        migrations.RunPython(hash_typed_phones, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="workorder",
            name="reporter_phone",
            field=yiwang.core.pii.HashedEncryptedTextField(
                blank=True,
                hash_field="reporter_phone_hash",
                normalizer="yiwang.core.validators.normalize_phone",
                verbose_name="上报人电话",
            ),
        ),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                condition=models.Q(("reporter_phone_hash", ""), _negated=True),
                fields=["reporter_phone_hash"],
                name="wo_reporter_phone_hash",
            ),
        ),
    ]
