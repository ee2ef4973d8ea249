"""The database cache table (settings.CACHES, yiwang_cache): login throttles count there, so
that every gunicorn worker sees the same count. `createcachetable` skips a table that exists."""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_login_sessions_encrypted_phone")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
