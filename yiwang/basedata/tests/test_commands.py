"""The `yiwang import/export/grid-load/bench` commands of base data."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from yiwang.basedata.models import Person
from yiwang.basedata.tests.helpers import (
    GRID_A,
    GRID_B,
    PEOPLE_HEADERS,
    bad_checksum,
    make_id,
    person_row,
    read_rows,
    write_xlsx,
)
from yiwang.cli import translate
from yiwang.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _call(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_cli_names():
    assert translate(["import", "people", "f.xlsx"]) == ["import_people", "f.xlsx"]
    assert translate(["export", "households", "f.xlsx"]) == ["export_households", "f.xlsx"]
    assert translate(["grid-load", "--json"]) == ["grid_load", "--json"]
    assert translate(["bench", "import-people"]) == ["bench_import_people"]


def test_import_people_writes_error_report_beside_the_file(world, tmp_path):
    rows = [person_row(1), person_row(2), person_row(3)]
    rows[1][1] = bad_checksum(rows[1][1])
    path = write_xlsx(tmp_path / "人口.xlsx", PEOPLE_HEADERS, rows)
    body = json.loads(_call("import_people", str(path)))
    assert (body["total"], body["created"], body["rejected"]) == (3, 2, 1)
    report = tmp_path / "人口.errors.xlsx"
    assert body["error_report"] == str(report) and report.exists()
    assert read_rows(report.read_bytes())[1][-2:] == [3, "身份证号校验位错误。"]


def test_import_with_actor_is_scoped_and_bad_files_fail_cleanly(world, tmp_path):
    path = write_xlsx(
        tmp_path / "p.xlsx", PEOPLE_HEADERS, [person_row(1), person_row(2, grid=GRID_B)]
    )
    body = json.loads(_call("import_people", str(path), "--actor", "grid_a"))
    assert body["created"] == 1 and body["rejected"] == 1
    wrong = write_xlsx(tmp_path / "w.xlsx", ["姓名", "手机号"], [["张三", "13812345678"]])
    with pytest.raises(CommandError, match="缺少必填列"):
        _call("import_people", str(wrong))
    text = tmp_path / "t.xlsx"
    text.write_text("not a workbook")
    with pytest.raises(CommandError, match="不是"):
        _call("import_people", str(text))
    with pytest.raises(CommandError, match="不存在"):
        _call("import_people", str(tmp_path / "missing.xlsx"))
    assert Person.objects.count() == 1


def test_import_houses_and_entities(world, tmp_path):
    houses = write_xlsx(
        tmp_path / "h.xlsx",
        ["地址", "经度", "纬度"],
        [["测试路1号", 120.015, 31.015]],
        sheet="房屋",
    )
    assert json.loads(_call("import_houses", str(houses)))["created"] == 1
    entities = write_xlsx(
        tmp_path / "e.xlsx",
        ["名称", "统一社会信用代码", "网格编码"],
        [["甲公司", "91350100M000100Y43", GRID_A]],
        sheet="法人",
    )
    assert json.loads(_call("import_entities", str(entities)))["created"] == 1


def test_export_masked_by_default_and_unmasked_with_actor(world, tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", PEOPLE_HEADERS, [person_row(1)])
    _call("import_people", str(path))
    out = tmp_path / "out.xlsx"
    body = json.loads(_call("export_people", str(out)))
    assert body["rows"] == 1 and not body["unmasked"]
    assert read_rows(out.read_bytes())[1][1] == make_id(1)[:6] + "********" + make_id(1)[-4:]
    with pytest.raises(CommandError, match="--actor"):
        _call("export_people", str(out), "--unmasked", "--purpose", "核对")
    with pytest.raises(CommandError, match="无权"):
        _call("export_people", str(out), "--unmasked", "--actor", "leader", "--purpose", "核对")
    with pytest.raises(CommandError, match="用途"):
        _call("export_people", str(out), "--unmasked", "--actor", "grid_a")
    _call("export_people", str(out), "--unmasked", "--actor", "grid_a", "--purpose", "入户核对")
    assert read_rows(out.read_bytes())[1][1] == make_id(1)
    event = AuditEvent.objects.filter(action="basedata.export.people").latest("id")
    assert event.after["unmasked"] and event.actor == world.users["grid_a"]
    _call("export_households", str(tmp_path / "hh.xlsx"))
    _call("export_template", "entities", str(tmp_path / "t.xlsx"))
    assert read_rows((tmp_path / "t.xlsx").read_bytes(), "法人")[0][:2] == [
        "名称",
        "统一社会信用代码",
    ]


def test_grid_load_command(world):
    world.regions["D"].delete()
    body = json.loads(_call("grid_load", "--json"))
    assert body["summary"]["grids"] == 3 and body["blind_area"]["area_m2"] > 1e6
    table = _call("grid_load", "--street", "320571001", "--min", "0", "--max", "1")
    assert "测试街道" in table and "盲区：1 块" in table
    with pytest.raises(CommandError):
        _call("grid_load", "--street", "123")


def test_bench_prints_one_json_line(world):
    out = _call("bench_import_people", "--rows", "60", "--grids", "2", "--bad-every", "10")
    line = json.loads(out)
    assert line["rows"] == 60 and line["created"] == 54 and line["rejected"] == 6
    assert line["updated"] == 54 and Person.objects.count() == 0  # rolled back
