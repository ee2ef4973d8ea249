"""yiwang import grids FILE --level street|community|grid --name-field F [...]"""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from yiwang.core.errors import ServiceError
from yiwang.grids.importers import import_regions


class Command(BaseCommand):
    help = (
        "从 GeoJSON FeatureCollection 导入街道、社区或网格边界。"
        "Import regions (street, community or grid) from a GeoJSON FeatureCollection."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON 文件（FeatureCollection）")
        parser.add_argument("--level", required=True, choices=["street", "community", "grid"])
        parser.add_argument("--name-field", required=True, help="名称所在的属性字段")
        parser.add_argument("--code-field", help="编码字段；缺省时在上级编码下自动生成")
        parser.add_argument(
            "--parent-field",
            help="上级编码或名称字段；缺省时取包含要素代表点的上一级区域",
        )
        parser.add_argument("--kind", default="comprehensive", choices=["comprehensive", "special"])
        parser.add_argument("--special-type-field", help="专属网格类别字段（学校、公园、企业…）")
        parser.add_argument("--special-type", default="", help="专属网格类别（所有要素相同时）")
        parser.add_argument(
            "--code-prefix", default="", help="导入街道且无编码字段时：6 位区县代码，用于生成编码"
        )
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出完整报告")
        parser.add_argument("--user", help="以该用户名记入审计日志（缺省：命令行）")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        actor = "命令行导入"
        if opts["user"]:
            try:
                actor = get_user_model().objects.get(username=opts["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"用户不存在：{opts['user']}")
        try:
            result = import_regions(
                actor=actor,
                source=path,
                level=opts["level"],
                name_field=opts["name_field"],
                code_field=opts["code_field"],
                parent_field=opts["parent_field"],
                kind=opts["kind"],
                special_type_field=opts["special_type_field"],
                special_type=opts["special_type"],
                code_prefix=opts["code_prefix"],
                dry_run=opts["dry_run"],
                source_name=path.name,
            )
        except ServiceError as exc:
            raise CommandError(f"导入失败，未做任何修改：{exc.message}")
        if opts["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            return
        for line in result.summary_lines():
            self.stdout.write(line)
