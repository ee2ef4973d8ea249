"""yiwang backup [FILE] [--database-url URL]: a consistent copy of the whole database.

SQLite: the online backup API (the server keeps running). PostgreSQL: pg_dump (custom format).
Uploaded files (MEDIA_ROOT) are not in the database: copy that directory beside the backup.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from yiwang.core.backup import BackupError, backup, target_of


class Command(BaseCommand):
    help = "备份整个数据库（SQLite 在线备份；PostgreSQL 用 pg_dump）"

    def add_arguments(self, parser):
        parser.add_argument(
            "file", nargs="?", help="备份文件（默认 yiwang-backup-<时间>.sqlite3 或 .dump）"
        )
        parser.add_argument("--database-url", help="备份另一个 PostgreSQL 数据库（默认当前配置）")

    def handle(self, *args, file=None, database_url=None, **options):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        out = Path(file) if file else None
        try:
            if out is None:
                ext = "sqlite3" if target_of(database_url).vendor == "sqlite" else "dump"
                out = Path(f"yiwang-backup-{stamp}.{ext}")
            vendor = backup(out, url=database_url)
        except BackupError as exc:
            raise CommandError(str(exc))
        size = out.stat().st_size
        self.stdout.write(f"已备份（{vendor}）到 {out}（{size / 1024 / 1024:.1f} MB）")
