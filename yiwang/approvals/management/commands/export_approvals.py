"""yiwang export approvals FILE.xlsx [--street CODE]: the catalogue (事项、材料、流程、一件事)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from yiwang.approvals import selectors
from yiwang.approvals.xlsx import catalogue_to_xlsx


class Command(BaseCommand):
    help = "导出事项清单（.xlsx）。Export the service catalogue as .xlsx."

    def add_arguments(self, parser):
        parser.add_argument("file", help="输出文件，如 catalogue.xlsx")
        parser.add_argument("--street", help="只导出已下放至该街道的事项（街道编码）")

    def handle(self, *args, file, street=None, **options):
        items = selectors.item_list(filters={"street": street} if street else {})
        bundles = selectors.bundle_list()
        data = catalogue_to_xlsx(items, bundles)
        Path(file).write_bytes(data)
        self.stdout.write(f"已导出 {items.count()} 个事项、{len(bundles)} 个一件事到 {file}")
