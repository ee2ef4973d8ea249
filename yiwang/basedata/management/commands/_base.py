"""Shared parts of the base-data import and export commands (not a command itself)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yiwang.core.errors import ServiceError


def actor_from(username: str | None):
    if not username:
        return None
    from yiwang.accounts.models import User

    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise CommandError(f"用户 {username} 不存在。")


class ImportCommand(BaseCommand):
    kind = ""
    help = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help=".xlsx 文件")
        parser.add_argument(
            "--actor", help="以该用户身份导入（按其数据范围）；省略时为系统导入，不限范围"
        )
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument(
            "--errors",
            help="错误报告 .xlsx 的路径（默认：<文件名>.errors.xlsx，仅在有拒绝行时写出）",
        )

    def handle(self, *args, file, actor, dry_run, errors, **options):
        from yiwang.basedata.exporting import error_report_xlsx
        from yiwang.basedata.importing import basedata_import

        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            result, batch = basedata_import(
                actor=actor_from(actor),
                kind=self.kind,
                data=path.read_bytes(),
                filename=path.name,
                dry_run=dry_run,
            )
        except ServiceError as exc:
            raise CommandError(f"{exc.message}（未导入任何数据）")
        body = result.as_dict()
        body["error_report"] = None
        if result.rejected:
            report = Path(errors) if errors else path.with_name(path.stem + ".errors.xlsx")
            report.write_bytes(error_report_xlsx(batch))
            body["error_report"] = str(report)
        self.stdout.write(json.dumps(body, ensure_ascii=False))


class ExportCommand(BaseCommand):
    kind = ""
    help = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="输出的 .xlsx 文件")
        parser.add_argument("--actor", help="以该用户身份导出（按其数据范围与权限）")
        parser.add_argument(
            "--unmasked",
            action="store_true",
            help="导出明文（须 --actor 为有权角色并填写 --purpose）",
        )
        parser.add_argument("--purpose", default="", help="明文导出的用途（记入审计日志）")
        parser.add_argument("--grid", help="区域编码（网格，或社区/街道编码前缀）")
        parser.add_argument("--tag", help="人员标签")
        parser.add_argument("--colour", help="颜色：red/yellow/green/none")
        parser.add_argument("--q", help="关键字")

    def handle(self, *args, file, actor, unmasked, purpose, **options):
        from yiwang.basedata.exporting import basedata_export

        if unmasked and not actor:
            raise CommandError("导出明文须用 --actor 指明导出人（记入审计日志）。")
        filters = {k: options[k] for k in ("grid", "tag", "colour", "q") if options.get(k)}
        try:
            data, count = basedata_export(
                actor=actor_from(actor),
                kind=self.kind,
                filters=filters,
                unmasked=unmasked,
                purpose=purpose,
            )
        except ServiceError as exc:
            raise CommandError(exc.message)
        Path(file).write_bytes(data)
        self.stdout.write(
            json.dumps(
                {"kind": self.kind, "file": file, "rows": count, "unmasked": unmasked},
                ensure_ascii=False,
            )
        )
