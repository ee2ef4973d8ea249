"""Seed the category catalogue (reference data): the API works on a freshly migrated database."""

from django.db import migrations


def seed(apps, schema_editor):
    from yiwang.workorders.catalogue import seed_categories

    seed_categories(apps.get_model("workorders", "Category"))


class Migration(migrations.Migration):
    dependencies = [("workorders", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
