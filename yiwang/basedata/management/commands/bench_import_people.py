"""yiwang bench import-people [--rows N] [--bad-every K]: import throughput, one JSON line.

Builds a synthetic street (codes 99xxxxxxx) and an in-memory .xlsx of N people with valid ID
numbers (every K-th row with a bad checksum), imports it (all creates), imports it again (all
updates), and rolls everything back. Prints
{"rows", "rejected", "create_s", "create_rows_per_s", "create_cpu_s", "create_rows_per_cpu_s",
 "update_s", ...}: wall-clock and this process's CPU time (the fair figure on a shared host).
"""

from __future__ import annotations

import io
import json
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from openpyxl import Workbook

from yiwang.core.validators import id_check_digit


class _Rollback(Exception):
    pass


def _id(n: int) -> str:
    birth = f"{1940 + n % 70}{1 + n % 12:02d}{1 + n % 28:02d}"
    first17 = f"320576{birth}{n // 840 % 1000:03d}"
    return first17 + id_check_digit(first17)


def build_xlsx(rows: int, grids: list[str], bad_every: int) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("人口")
    ws.append(["姓名", "身份证号", "网格编码", "手机号", "住址", "户编号", "与户主关系", "标签"])
    seen = set()
    n = 0
    for i in range(rows):
        while True:
            n += 1
            id_number = _id(n)
            if id_number not in seen:
                seen.add(id_number)
                break
        if bad_every and i % bad_every == bad_every - 1:
            id_number = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")
        grid = grids[i // 3 % len(grids)]
        household = f"{grid}{i // 3:05d}"
        ws.append(
            [
                "王" + "伟芳娜敏静丽强磊"[i % 8] + "军洋勇艳"[i // 8 % 4],
                id_number,
                grid,
                f"139{i:08d}",
                f"测试街道{i // 3}号",
                household,
                "户主" if i % 3 == 0 else "子女",
                "低保" if i % 50 == 0 else "",
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class Command(BaseCommand):
    help = "基础数据导入性能测试：人口 .xlsx 导入吞吐量（行/秒），输出一行 JSON。"

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--grids", type=int, default=20)
        parser.add_argument("--bad-every", type=int, default=100, help="每 K 行放一行坏身份证号")

    def handle(self, *args, rows, grids, bad_every, **options):
        from yiwang.basedata.importing import basedata_import
        from yiwang.grids.geometry import square
        from yiwang.grids.models import Region

        out = {}
        try:
            with transaction.atomic():
                street = Region.objects.create(
                    code="990000001", name="压测街道", level="street", geojson=square(100, 30, 1)
                )
                community = Region.objects.create(
                    code="990000001001", name="压测社区", level="community", parent=street
                )
                codes = []
                for k in range(grids):
                    code = f"990000001001{k + 1:03d}"
                    Region.objects.create(
                        code=code,
                        name=f"压测网格{k + 1}",
                        level="grid",
                        parent=community,
                        geojson=square(100 + k * 0.01, 30, 0.01),
                    )
                    codes.append(code)
                started = time.perf_counter()
                data = build_xlsx(rows, codes, bad_every)
                out["build_xlsx_s"] = round(time.perf_counter() - started, 2)
                out["xlsx_bytes"] = len(data)
                for phase in ("create", "update"):
                    started, cpu = time.perf_counter(), time.process_time()
                    result, _ = basedata_import(
                        actor=None, kind="people", data=data, filename="bench.xlsx"
                    )
                    seconds = time.perf_counter() - started
                    cpu = time.process_time() - cpu
                    out[f"{phase}_s"] = round(seconds, 2)
                    out[f"{phase}_rows_per_s"] = round(rows / seconds)
                    # CPU time of this process: the figure to compare on a shared machine.
                    out[f"{phase}_cpu_s"] = round(cpu, 2)
                    out[f"{phase}_rows_per_cpu_s"] = round(rows / cpu)
                    out[f"{phase}d"] = getattr(result, f"{phase}d")
                out["rejected"] = result.rejected
                raise _Rollback
        except _Rollback:
            pass
        line = {"rows": rows, "grids": grids, "db": connection.vendor, **out}
        self.stdout.write(json.dumps(line, ensure_ascii=False))
