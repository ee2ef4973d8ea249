"""yiwang import approvals FILE.xlsx [--street CODE] [--dry-run]: load a catalogue workbook
(the export layout) all or nothing; items are devolved to the street."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from yiwang.accounts.models import OrgUnit
from yiwang.approvals.catalogue import catalogue_load
from yiwang.approvals.xlsx import catalogue_from_xlsx
from yiwang.core.errors import ServiceError


class DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "导入事项清单（.xlsx）。Import the service catalogue from .xlsx."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--street", help="承接街道编码；只有一个街道时可省略")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")

    def handle(self, *args, file, street=None, dry_run=False, **options):
        streets = OrgUnit.objects.filter(kind=OrgUnit.Kind.STREET)
        if street:
            unit = streets.filter(code=street).first()
            if unit is None:
                raise CommandError(f"找不到街道 {street}")
        elif streets.count() == 1:
            unit = streets.get()
        else:
            raise CommandError("请用 --street 指定承接街道编码")
        try:
            with open(file, "rb") as fh:
                items, bundles = catalogue_from_xlsx(fh)
            with transaction.atomic():
                result = catalogue_load(actor=None, items=items, bundles=bundles, street=unit)
                if dry_run:
                    raise DryRun
        except DryRun:
            self.stdout.write(f"检查通过（未写入）：{len(items)} 个事项、{len(bundles)} 个一件事")
            return
        except OSError as exc:
            raise CommandError(f"无法读取文件：{exc}")
        except ServiceError as exc:
            details = json.dumps(exc.fields, ensure_ascii=False)[:2000]
            raise CommandError(f"{exc.message}\n{details}")
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
