"""The .xlsx import, with real workbooks written by openpyxl."""

import pytest
from openpyxl import Workbook

from yiwang.basedata import services
from yiwang.basedata.errors import FileRejected
from yiwang.basedata.exporting import error_report_xlsx, template_xlsx
from yiwang.basedata.importing import basedata_import
from yiwang.basedata.models import House, Household, ImportBatch, LegalEntity, Person
from yiwang.basedata.tests.helpers import (
    GRID_A,
    GRID_B,
    PEOPLE_HEADERS,
    bad_checksum,
    make_id,
    make_uscc,
    person_row,
    read_rows,
    xlsx_bytes,
)
from yiwang.core.errors import Forbidden
from yiwang.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def run(world, data, kind="people", user="admin", **kw):
    actor = world.users[user] if user else None
    return basedata_import(actor=actor, kind=kind, data=data, filename="test.xlsx", **kw)


def test_bad_id_row_rejected_good_rows_kept(world):
    rows = [person_row(1), person_row(2), person_row(3)]
    rows[1][1] = bad_checksum(rows[1][1])  # Excel row 3
    result, batch = run(world, xlsx_bytes(PEOPLE_HEADERS, rows))
    assert (result.total, result.created, result.updated, result.rejected) == (3, 2, 0, 1)
    assert result.errors == [{"row": 3, "column": "身份证号", "message": "身份证号校验位错误。"}]
    assert Person.objects.count() == 2
    assert not Person.objects.filter(name=rows[1][0]).exists()
    # the error report: the original row, its row number and the reason
    report = read_rows(error_report_xlsx(batch))
    assert report[0] == PEOPLE_HEADERS + ["原行号", "错误原因"]
    assert report[1][:5] == rows[1][:5]
    assert report[1][-2:] == [3, "身份证号校验位错误。"]


def test_every_kind_of_bad_row_gets_its_reason(world):
    services.household_create(actor=None, code="HH-B", grid=GRID_B)
    rows = [
        person_row(1),  # row 2: good
        person_row(1, name="重复者"),  # row 3: duplicate of row 2
        person_row(3, grid="320571001009999"),  # row 4: unknown grid
        person_row(4, phone="12345"),  # row 5: bad phone
        person_row(5, tags="独居老人、外星人"),  # row 6: unknown tag
        [None, make_id(6), GRID_A, "", "", "", "", ""],  # row 7: no name
        person_row(7, household="HH-B"),  # row 8: household in another grid
        person_row(8, relation="表哥"),  # row 9: bad relation
        [None] * 8,  # row 10: blank, counted apart
        person_row(9, household="HH-N", relation="户主"),  # row 11: good, new household
        person_row(10, household="HH-N", relation="户主"),  # row 12: second head
        [  # row 13: ID as a number (Excel lost digits)
            "数字身份证",
            float(make_id(11)[:17] + "1"),
            GRID_A,
            "",
            "",
            "",
            "",
            "",
        ],
    ]
    result, _ = run(world, xlsx_bytes(PEOPLE_HEADERS, rows))
    by_row = {e["row"]: e for e in result.errors}
    assert set(by_row) == {3, 4, 5, 6, 7, 8, 9, 12, 13}
    assert "与第2行重复" in by_row[3]["message"]
    assert by_row[4]["column"] == "网格编码" and "不存在" in by_row[4]["message"]
    assert by_row[5]["column"] == "手机号"
    assert "外星人" in by_row[6]["message"]
    assert by_row[7]["column"] == "姓名"
    assert "与本行网格编码不一致" in by_row[8]["message"]
    assert by_row[9]["column"] == "与户主关系"
    assert "第11行填写户主" in by_row[12]["message"]
    assert "文本格式" in by_row[13]["message"]
    assert result.blank_rows == 1
    assert result.total == result.created + result.updated + result.rejected == 11
    assert result.created == 2
    hh = Household.objects.get(code="HH-N")
    assert hh.head.id_number == make_id(9)


def test_reimport_updates_and_empty_cells_keep_values(world):
    run(world, xlsx_bytes(PEOPLE_HEADERS, [person_row(1, tags="低保")]))
    person = Person.objects.get()
    row = person_row(1, name="改名了", phone="", tags="")
    result, _ = run(world, xlsx_bytes(PEOPLE_HEADERS, [row]))
    assert (result.created, result.updated) == (0, 1)
    person.refresh_from_db()
    assert person.name == "改名了" and person.phone == "13812345678"  # empty cell: unchanged
    assert [t.name for t in person.tags.all()] == ["低保"]
    assert person.version == 2
    update = AuditEvent.objects.get(action="basedata.person.update")
    assert update.before["name"] == person_row(1)[0]
    assert update.after["name"] == "改名了" and "导入批次" in update.note


def test_colour_via_import_needs_reason_and_is_audited(world):
    headers = ["姓名", "身份证号", "网格编码", "颜色标记", "标记原因"]
    rows = [
        ["甲", make_id(1), GRID_A, "红", "密接"],
        ["乙", make_id(2), GRID_A, "黄", ""],
        ["丙", make_id(3), GRID_A, "紫", "x"],
    ]
    result, _ = run(world, xlsx_bytes(headers, rows))
    assert result.created == 1
    assert {e["row"]: e["column"] for e in result.errors} == {3: "标记原因", 4: "颜色标记"}
    assert Person.objects.get().colour == "red"
    assert AuditEvent.objects.filter(action="basedata.person.colour").count() == 1


def test_missing_required_column_names_it_and_changes_nothing(world):
    headers = ["姓名", "网格编码", "手机号"]
    with pytest.raises(FileRejected) as exc:
        run(world, xlsx_bytes(headers, [["张三", GRID_A, "13812345678"]]))
    assert exc.value.code == "bad_headers"
    assert "身份证号" in exc.value.fields and "缺少必填列" in exc.value.message
    assert Person.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_unknown_header_is_an_error_not_a_silent_drop(world):
    headers = ["姓名", "身份证号", "网格编码", "手机"]  # 手机 is a typo of 手机号
    with pytest.raises(FileRejected) as exc:
        run(world, xlsx_bytes(headers, [["张三", make_id(1), GRID_A, "13812345678"]]))
    assert "手机" in exc.value.fields and "第D列" in exc.value.message
    assert Person.objects.count() == 0


def test_headers_with_markers_and_aliases_are_accepted(world):
    headers = ["*姓名", "身份证号码（必填）", " 网格编码 ", "手机号码"]
    result, _ = run(world, xlsx_bytes(headers, [["张三", make_id(1), GRID_A, "13812345678"]]))
    assert result.created == 1


def test_extra_sheet_with_data_is_rejected(world):
    data = xlsx_bytes(
        PEOPLE_HEADERS,
        [person_row(1)],
        extra_sheets={"Sheet2": [PEOPLE_HEADERS, person_row(2)]},
    )
    with pytest.raises(FileRejected) as exc:
        run(world, data)
    assert exc.value.code == "bad_sheets" and "Sheet2" in exc.value.message
    assert Person.objects.count() == 0


def test_empty_extra_sheet_and_instructions_are_ignored_with_warning(world):
    data = xlsx_bytes(
        PEOPLE_HEADERS,
        [person_row(1)],
        extra_sheets={"Sheet2": [], "说明": [["这里是说明"]]},
    )
    result, _ = run(world, data)
    assert result.created == 1
    assert result.warnings == ["已忽略空白工作表“Sheet2”。"]


def test_two_sheets_without_the_named_one_is_rejected(world):
    data = xlsx_bytes(PEOPLE_HEADERS, [person_row(1)], sheet="数据", extra_sheets={"其他": []})
    with pytest.raises(FileRejected) as exc:
        run(world, data)
    assert "人口" in exc.value.message


def test_only_sheet_with_any_name_is_used(world):
    result, _ = run(world, xlsx_bytes(PEOPLE_HEADERS, [person_row(1)], sheet="Sheet1"))
    assert result.created == 1 and result.sheet == "Sheet1"


@pytest.mark.parametrize(
    "data,code",
    [
        (b"", "empty_file"),
        (b"name,id\nzhang,1\n", "not_xlsx"),
        (b"PK\x03\x04 not really a zip", "not_xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "not_xlsx"),  # old .xls
    ],
)
def test_non_xlsx_and_empty_files(world, data, code):
    with pytest.raises(FileRejected) as exc:
        run(world, data)
    assert exc.value.code == code
    assert Person.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_workbook_without_rows_or_without_data(world):
    with pytest.raises(FileRejected) as exc:
        run(world, xlsx_bytes(None, []))
    assert exc.value.code == "empty_file"
    with pytest.raises(FileRejected) as exc:
        run(world, xlsx_bytes(PEOPLE_HEADERS, [[None] * 8, [None] * 8]))
    assert exc.value.code == "empty_file" and "没有数据行" in exc.value.message


def test_data_under_a_missing_header_is_rejected(world):
    rows = [person_row(1) + ["多出来的"]]
    result, _ = run(world, xlsx_bytes(PEOPLE_HEADERS, rows))
    assert result.rejected == 1 and "没有列名" in result.errors[0]["message"]


def test_dry_run_writes_nothing_but_reports(world):
    rows = [person_row(1), person_row(2)]
    rows[1][1] = bad_checksum(rows[1][1])
    result, batch = run(world, xlsx_bytes(PEOPLE_HEADERS, rows), dry_run=True)
    assert (result.created, result.rejected) == (1, 1)
    assert Person.objects.count() == 0 and batch.dry_run


def test_grid_worker_import_is_scoped(world):
    rows = [person_row(1, grid=GRID_A), person_row(2, grid=GRID_B)]
    result, _ = run(world, xlsx_bytes(PEOPLE_HEADERS, rows), user="grid_a")
    assert result.created == 1
    assert result.errors[0]["row"] == 3 and "管辖范围" in result.errors[0]["message"]
    # 乙 cannot overwrite 甲's person by importing the same ID number
    result, _ = run(world, xlsx_bytes(PEOPLE_HEADERS, [person_row(1, grid=GRID_B)]), user="grid_b")
    assert result.rejected == 1 and "管辖范围之外" in result.errors[0]["message"]
    assert Person.objects.get().grid.code == GRID_A


def test_import_forbidden_for_roles_that_cannot_write(world):
    with pytest.raises(Forbidden):
        run(world, xlsx_bytes(PEOPLE_HEADERS, [person_row(1)]), user="zhifa")


def test_the_template_imports_cleanly_once_filled(world):
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(template_xlsx("people")))
    assert wb.sheetnames == ["人口", "说明"]
    ws = wb["人口"]
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["姓名", "身份证号", "网格编码"]
    ws.append(["张三", make_id(1), GRID_A])
    buf = io.BytesIO()
    wb.save(buf)
    result, _ = run(world, buf.getvalue())
    assert result.created == 1 and result.warnings == []


def test_error_report_can_be_fixed_and_imported_again(world):
    rows = [person_row(1), person_row(2, phone="999")]
    _, batch = run(world, xlsx_bytes(PEOPLE_HEADERS, rows))
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(error_report_xlsx(batch)))
    ws = wb["人口"]
    ws.cell(row=2, column=4, value="13900000000")
    buf = io.BytesIO()
    wb.save(buf)
    result, _ = run(world, buf.getvalue())
    assert (result.created, result.rejected) == (1, 0)
    assert Person.objects.count() == 2


def test_house_import_locates_grid_from_point(world):
    headers = ["地址", "房屋类型", "经度", "纬度", "网格编码"]
    rows = [
        ["测试路1号", "住宅", 120.005, 31.005, None],  # grid A by point
        ["测试路2号", "商铺", None, None, GRID_B],  # grid B by code
        ["测试路3号", "住宅", 31.005, 120.005, None],  # swapped
        ["测试路4号", "别墅", 120.005, 31.005, None],  # bad kind
        ["测试路5号", "住宅", None, None, None],  # neither
        ["测试路6号", "住宅", 121.9, 31.9, None],  # outside every grid
        ["测试路7号", "住宅", 120.005, None, None],  # half a point
    ]
    result, _ = run(world, xlsx_bytes(headers, rows, sheet="房屋"), kind="houses")
    assert result.created == 2
    by_row = {e["row"]: e for e in result.errors}
    assert "填反" in by_row[4]["message"]
    assert by_row[5]["column"] == "房屋类型"
    assert by_row[6]["column"] == "网格编码"
    assert "不在任何网格内" in by_row[7]["message"]
    assert "同时填写" in by_row[8]["message"]
    assert House.objects.get(address="测试路1号").grid.code == GRID_A
    assert House.objects.get(address="测试路2号").kind == "shop"


def test_entity_import_checks_credit_codes(world):
    headers = ["名称", "统一社会信用代码", "类型", "法定代表人", "联系电话", "网格编码"]
    good = make_uscc(1)
    rows = [
        ["甲公司", good, "", "李四", "0512-62345678", GRID_A],
        ["乙公司", "91350100M000100Y44", "企业", "", "", GRID_A],  # bad check char
        ["丙公司", "91350100O000100Y43", "企业", "", "", GRID_A],  # letter O not allowed
        ["丁公司", good, "企业", "", "", GRID_A],  # duplicate
        ["戊社团", make_uscc(2, prefix="51320594"), "", "", "", GRID_B],
    ]
    result, _ = run(world, xlsx_bytes(headers, rows, sheet="法人"), kind="entities")
    assert result.created == 2
    by_row = {e["row"]: e for e in result.errors}
    assert "校验位" in by_row[3]["message"] and by_row[3]["column"] == "统一社会信用代码"
    assert "O" in by_row[4]["message"]
    assert "与第2行重复" in by_row[5]["message"]
    assert LegalEntity.objects.get(uscc=good).kind == "enterprise"
    assert LegalEntity.objects.get(name="戊社团").kind == "social"


def test_import_run_by_the_system_has_no_scope(world):
    result, batch = run(world, xlsx_bytes(PEOPLE_HEADERS, [person_row(1, grid=GRID_B)]), user=None)
    assert result.created == 1 and batch.actor is None
    summary = AuditEvent.objects.get(action="basedata.import.people")
    assert summary.after["created"] == 1 and summary.actor_name == "系统"


def test_workbook_written_with_numbers_for_phone_and_grid(world):
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "网格编码", "手机号"])
    ws.append(["张三", make_id(1), int(GRID_A), 13812345678])
    import io

    buf = io.BytesIO()
    wb.save(buf)
    result, _ = run(world, buf.getvalue())
    assert result.created == 1 and Person.objects.get().phone == "13812345678"


def test_too_many_rows_is_a_file_error(world):
    with pytest.raises(FileRejected) as exc:
        run(world, xlsx_bytes(PEOPLE_HEADERS, [person_row(n) for n in range(1, 4)]), max_rows=2)
    assert "超过 2 行" in exc.value.message and Person.objects.count() == 0


def test_a_concurrent_registration_is_a_conflict_not_a_500(world, monkeypatch):
    """Someone registers one of the file's people between our check and our write."""
    from yiwang.basedata.importing import PeopleImporter
    from yiwang.core.errors import Conflict

    original = PeopleImporter.resolve

    def resolve_then_race(self, rows):
        original(self, rows)
        other = Person(name="抢先者", grid=world.regions["A"])
        other.set_id_number(make_id(2))
        other.save()

    monkeypatch.setattr(PeopleImporter, "resolve", resolve_then_race)
    with pytest.raises(Conflict) as exc:
        run(world, xlsx_bytes(PEOPLE_HEADERS, [person_row(1), person_row(2)]))
    assert exc.value.status == 409 and not ImportBatch.objects.exists()
    assert not Person.objects.filter(name=person_row(1)[0]).exists()


def test_a_concurrent_create_in_the_service_is_a_conflict(world, monkeypatch):
    from yiwang.core.errors import Conflict

    real_filter = Person.objects.filter

    class NoDuplicateCheck:
        def exists(self):
            return False

    def filter_(*args, **kwargs):
        if "id_hash" in kwargs:
            return NoDuplicateCheck()
        return real_filter(*args, **kwargs)

    services.person_create(actor=None, name="甲", id_number=make_id(1), grid=GRID_A)
    monkeypatch.setattr(Person.objects, "filter", filter_)
    with pytest.raises(Conflict):
        services.person_create(actor=None, name="乙", id_number=make_id(1), grid=GRID_A)
