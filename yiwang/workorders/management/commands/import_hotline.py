"""yiwang import hotline FILE.xlsx: import a 12345 export (see yiwang/workorders/hotline.py).

Prints one JSON summary line and each bad row as 第 N 行：…; the good rows are kept. Exit
status 0 when every row was imported or skipped, 1 when some rows were bad (CommandError).
"""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from yiwang.workorders.hotline import ImportFileError, import_hotline


class Command(BaseCommand):
    help = "导入12345热线工单（.xlsx）：已导入的编号自动跳过，错误行逐行报告。"

    def add_arguments(self, parser):
        parser.add_argument("file", help=".xlsx 文件")
        parser.add_argument("--user", help="以该用户名义导入（默认：系统）")
        parser.add_argument(
            "--unknown-category",
            choices=["triage", "error"],
            default="triage",
            help="分类无法识别时：triage 照常导入并转人工分拣（默认）；error 作为错误行",
        )

    def handle(self, *args, file, user, unknown_category, **options):
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"用户 {user} 不存在。")
        try:
            result = import_hotline(file, actor=actor, unknown_category=unknown_category)
        except (ImportFileError, FileNotFoundError) as exc:
            raise CommandError(str(exc))
        self.stdout.write(json.dumps(result.summary(), ensure_ascii=False))
        for number, message in result.warnings:
            self.stdout.write(f"第 {number} 行（提示）：{message}")
        for number, message in result.errors:
            self.stderr.write(f"第 {number} 行：{message}")
        if result.errors:
            raise CommandError(
                f"{len(result.errors)} 行有误未导入，其余 {result.created} 行已导入。"
            )
