"""yiwang export template KIND FILE.xlsx — an empty import template (people, houses, entities)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from yiwang.basedata.sheets import IMPORTABLE


class Command(BaseCommand):
    help = "写出导入模板（.xlsx）：人口 people、房屋 houses、法人 entities。"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=IMPORTABLE)
        parser.add_argument("file")

    def handle(self, *args, kind, file, **options):
        from yiwang.basedata.exporting import template_xlsx

        Path(file).write_bytes(template_xlsx(kind))
        self.stdout.write(f"已写出{kind}导入模板：{file}")
