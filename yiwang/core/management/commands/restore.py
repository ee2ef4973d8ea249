"""yiwang restore FILE [--database-url URL] [--force]: restore a backup into an empty database.

The target is the configured database (DATABASE_URL) or --database-url; a target that already
holds tables is refused unless --force (then it is replaced). Run `yiwang manage migrate`
afterwards when the code is newer than the backup.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yiwang.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "从备份恢复数据库（默认只恢复到空数据库）"

    def add_arguments(self, parser):
        parser.add_argument("file", help="yiwang backup 生成的备份文件")
        parser.add_argument("--database-url", help="恢复到这个数据库（默认当前配置）")
        parser.add_argument("--force", action="store_true", help="目标不是空的也覆盖")

    def handle(self, *args, file, database_url=None, force=False, **options):
        try:
            vendor = restore(Path(file), url=database_url, force=force)
        except BackupError as exc:
            raise CommandError(str(exc))
        self.stdout.write(f"已从 {file} 恢复（{vendor}）。")
