"""yiwang grid-load [--street CODE] [--min N] [--max N] [--json]: grid load report (网格负荷)."""

import json
import unicodedata

from django.core.management.base import BaseCommand, CommandError

from yiwang.core.errors import ServiceError


class Command(BaseCommand):
    help = "网格负荷：每个网格的户数、人数与标准对比，标出空置、低于标准、超载，并计算盲区面积。"

    def add_arguments(self, parser):
        parser.add_argument("--street", help="街道编码（库中只有一个街道时可省略）")
        parser.add_argument("--community", help="社区编码：只看该社区的网格与盲区")
        parser.add_argument("--min", type=int, dest="low", help="户数下限（默认取设置，300）")
        parser.add_argument("--max", type=int, dest="high", help="户数上限（默认取设置，500）")
        parser.add_argument(
            "--min-area", type=float, default=10.0, help="盲区面积下限（平方米，默认 10）"
        )
        parser.add_argument("--json", action="store_true", help="输出 JSON（含盲区 GeoJSON）")
        parser.add_argument("--all", action="store_true", help="表格中列出所有网格（默认只列异常）")

    def handle(
        self, *args, street, community, low, high, min_area, json: bool, all: bool, **options
    ):
        from yiwang.basedata.gridload import grid_load_report

        try:
            report = grid_load_report(
                user=None,
                street=street,
                community=community,
                min_households=low,
                max_households=high,
                min_area_m2=min_area,
            )
        except ServiceError as exc:
            raise CommandError(exc.message)
        if json:
            self.stdout.write(_dumps(report))
            return
        self._table(report, show_all=all)

    def _table(self, report, *, show_all: bool) -> None:
        w = self.stdout.write
        s, std = report["summary"], report["standard"]
        area = report["community"] or report["street"]
        w(f"{area['name']}（{area['code']}）网格负荷")
        w(f"标准：每个综合网格 {std['households_min']}–{std['households_max']} 户")
        w(
            f"网格 {s['grids']} 个：正常 {s['normal']}，低于标准 {s['under']}，"
            f"超载 {s['overloaded']}，"
            f"空置 {s['empty']}，专属网格 {s['special']}；共 {s['households']} 户 {s['people']} 人"
        )
        blind = report["blind_area"]
        if blind and blind["area_m2"] is not None:
            w(
                f"盲区：{len(blind['polygons']['features'])} 块，共 {blind['area_m2']:.0f} 平方米"
                f"（覆盖率 {blind['coverage'] * 100:.2f}%）；"
                f"另有 {blind['slivers']} 处小于 {report['min_area_m2']:g} 平方米的缝隙"
                f"共 {blind['slivers_area_m2']:.0f} 平方米未计入"
            )
        for warning in report["warnings"]:
            w(f"提示：{warning}")
        rows = [r for r in report["grids"] if show_all or r["status"] not in ("normal", "special")]
        if not rows:
            return
        w("")
        w(f"{_pad('网格编码', 17)}{_pad('状态', 10)}{'户数':>4}{'人数':>6}  网格名称")
        for r in rows:
            w(
                f"{_pad(r['code'], 17)}{_pad(r['status_label'], 10)}"
                f"{r['households']:>6}{r['people']:>8}  {r['name']}"
            )


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal column, counting CJK characters as two cells."""
    cells = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - cells, 1)


def _dumps(report) -> str:
    return json.dumps(report, ensure_ascii=False)
