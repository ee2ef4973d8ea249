"""Management commands: 12345 import, benchmarks (in place), and the demo loader."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from yiwang.workorders.models import WorkOrder
from yiwang.workorders.tests.conftest import IN_A, TZ

pytestmark = pytest.mark.django_db


def xlsx(path, header, rows):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def run_import(path, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_hotline", str(path), *args, stdout=out, stderr=err)
        failed = None
    except CommandError as exc:
        failed = str(exc)
    lines = out.getvalue().splitlines()
    return json.loads(lines[0]) if lines else None, err.getvalue(), failed, lines


def test_import_hotline_chinese_headers(world, rules, tmp_path):
    path = xlsx(
        tmp_path / "12345.xlsx",
        ["工单编号", "来电时间", "诉求内容", "地址", "经度", "纬度", "分类", "来电号码"],
        [
            [
                "GD001",
                dt.datetime(2026, 6, 1, 9, 0),
                "车库有人住",
                "青剑湖花园",
                IN_A[0],
                IN_A[1],
                "90001",
                "13912345678",
            ],
            [
                "GD002",
                "2026/6/2 10:30",
                "物业不作为",
                "某小区",
                None,
                None,
                "住房保障与物业管理",
                None,
            ],
            ["GD003", "昨天下午", "时间写错了", "某处", None, None, None, None],
            [None, "2026-06-02 10:00:00", "没有编号", "某处", None, None, None, None],
            ["GD004", "2026-06-02 10:00:00", "", "某处", None, None, None, None],
            ["GD005", "2026-06-03", "分类不认识", "某处", None, None, "火星事务", None],
            ["GD001", "2026-06-01 09:00:00", "文件内重复", "青剑湖花园", None, None, None, None],
            [None, None, None, None, None, None, None, None],
            ["GD006", "2026-06-03 08:00", "坐标超范围", "", 200, 31, None, None],
        ],  # fmt: skip
    )
    summary, err, failed, lines = run_import(path)
    assert summary["created"] == 3 and summary["skipped"] == 1 and summary["errors"] == 4
    assert "第 4 行" in err and "第 5 行" in err and "第 6 行" in err and "第 10 行" in err
    assert failed and "4 行有误" in failed and "其余 3 行已导入" in failed
    assert any("火星事务" in line for line in lines)  # unknown category: imported, warned
    first = WorkOrder.objects.get(external_id="GD001")
    assert first.channel == "hotline_12345" and first.status == "dispatched"
    assert first.reported_at == dt.datetime(2026, 6, 1, 9, 0, tzinfo=TZ)
    assert first.deadline == dt.datetime(2026, 6, 4, 17, 30, tzinfo=TZ)
    assert first.reporter_phone == "13912345678" and first.reporter is None
    second = WorkOrder.objects.get(external_id="GD002")
    assert second.category.code == "12345-0102" and second.status == "triage"
    assert WorkOrder.objects.get(external_id="GD005").category is None
    # the same file again: everything already imported is skipped
    summary, err, failed, _ = run_import(path)
    assert summary["created"] == 0 and summary["skipped"] == 4
    assert WorkOrder.objects.filter(channel="hotline_12345").count() == 3


def test_import_hotline_english_headers_and_strict_categories(world, rules, tmp_path):
    path = xlsx(
        tmp_path / "hotline.xlsx",
        ["Hotline ID", "Time", "Text", "Address", "Category"],
        [
            [1001, "2026-06-01 09:00", "Illegal parking at the gate", "Gate 1", "09009"],
            [1002, "2026-06-01 09:05", "Unknown", "Gate 2", "xx"],
        ],
    )
    summary, err, failed, _ = run_import(path, "--unknown-category", "error")
    assert summary["created"] == 1 and summary["errors"] == 1 and "xx" in err
    assert WorkOrder.objects.get(external_id="1001").category.code == "09009"


def test_import_hotline_refuses_unusable_files(world, tmp_path):
    missing = xlsx(tmp_path / "m.xlsx", ["编号", "地址"], [["1", "x"]])
    with pytest.raises(CommandError, match="来电时间"):
        call_command("import_hotline", str(missing), stdout=io.StringIO())
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a workbook")
    with pytest.raises(CommandError, match="不是有效的"):
        call_command("import_hotline", str(junk), stdout=io.StringIO())
    with pytest.raises(CommandError, match="不存在"):
        call_command("import_hotline", str(missing), "--user", "nobody", stdout=io.StringIO())


@pytest.mark.realdata
def test_import_real_hotline_messages(world, rules, tmp_path, shared_data):
    """Real 网络问政 messages (tipdm 2020, replies_raw.csv): ids, mixed time formats, long
    Chinese text. Read at test time, never copied into the repository."""
    source = shared_data / "tipdm2020-gov-messages" / "replies_raw.csv"
    with source.open(encoding="utf-8") as handle:
        rows = [r for _, r in zip(range(40), csv.DictReader(handle), strict=False)]
    path = xlsx(
        tmp_path / "real.xlsx",
        ["留言编号", "留言时间", "留言主题", "留言详情"],
        [[r["留言编号"], r["留言时间"], r["留言主题"], r["留言详情"]] for r in rows],
    )
    summary, err, failed, _ = run_import(path)
    assert summary["created"] + summary["errors"] == len(rows)
    assert summary["created"] >= 35, err
    order = WorkOrder.objects.get(external_id=rows[0]["留言编号"])
    assert rows[0]["留言主题"] in order.description and order.status == "triage"
    assert order.reported_at.year in range(2017, 2021)


def test_bench_intake_in_place(world):
    out = io.StringIO()
    call_command("bench_intake", "--orders", "20", "--communities", "2",
                 "--grids-per-community", "4", "--in-place", stdout=out)  # fmt: skip
    result = json.loads(out.getvalue())
    assert result["orders"] == 20 and result["per_s"] > 0 and result["p99_ms"] > 0
    assert result["database"] in ("sqlite", "postgresql") and result["in_place"] is True
    assert result["dispatched"] + result["triage"] == 22  # 20 timed + 2 warm-up
    assert WorkOrder.objects.count() == 0  # rolled back


def test_bench_kpis_in_place(world):
    from yiwang.workorders.management.commands.bench_kpis import Command

    out = io.StringIO()
    Command(stdout=out).handle(orders=500, repeat=1, seed=1, in_place=True)
    result = json.loads(out.getvalue())
    assert result["orders"] == 500 and result["year"]["reported"] == 500
    assert result["kpi_ms"]["year"]["first_ms"] > 0
    assert WorkOrder.objects.count() == 0


def test_demo_is_idempotent_without_grids(db, calendar_2027):
    from yiwang.accounts import demo as accounts_demo
    from yiwang.workorders import demo

    accounts_demo.load(io.StringIO())
    out = io.StringIO()
    demo.load(out)
    assert "跳过：" not in out.getvalue(), out.getvalue()
    statuses = set(WorkOrder.objects.values_list("status", flat=True))
    assert statuses >= {"dispatched", "handling", "completed", "archived", "triage", "merged",
                        "cancelled"}  # fmt: skip
    overdue = WorkOrder.objects.get(external_id="DEMO-05")
    assert overdue.sla == "red" and overdue.supervised
    assert overdue.assist_tasks.filter(source="whistle").exists()
    # reported 5 working days ago at 16:00 with 5 days: past 80 % (red after today's close)
    assert WorkOrder.objects.get(external_id="DEMO-06").sla in ("yellow", "red")
    garage = WorkOrder.objects.get(external_id="DEMO-01")
    assert garage.primary_department.name == "综合行政执法局" and garage.category.code == "90001"
    count = WorkOrder.objects.count()
    again = io.StringIO()
    demo.load(again)
    assert WorkOrder.objects.count() == count and "已存在" in again.getvalue()
