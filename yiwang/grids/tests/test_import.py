"""GeoJSON import: bad features reported with their index, the rest kept; whole-file errors
change nothing; re-import updates."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from yiwang.cli import translate
from yiwang.core.errors import ValidationFailed
from yiwang.core.models import AuditEvent
from yiwang.grids.importers import ImportFileError, import_regions
from yiwang.grids.models import GridImportReport, Region
from yiwang.grids.tests.conftest import box, collection, feature, polygon

pytestmark = pytest.mark.django_db

# The world: 东社区 [120.00, 120.02] × [31.00, 31.01], 西社区 north of it up to 31.02.
SPIKE = polygon(
    (120.001, 31.011), (120.004, 31.011), (120.004, 31.014), (120.0025, 31.014),
    (120.0025, 31.0155), (120.0025, 31.014), (120.001, 31.014),
)  # fmt: skip
MIXED = collection(
    feature(box(120.001, 31.001, 0.003), name="一号"),  # 1 good, in 东社区
    feature({"type": "Point", "coordinates": [120.0, 31.0]}, name="点"),  # 2 not a polygon
    feature(box(120.005, 31.001, 0.003)),  # 3 no name
    feature(
        polygon((120.001, 31.011), (120.009, 31.019), (120.009, 31.011), (120.001, 31.019)),
        name="八字",
    ),  # 4 figure of eight: cannot be repaired
    feature(box(121.5, 31.5, 0.01), name="远处"),  # 5 no parent contains it
    feature(box(120.015, 31.006, 0.008), name="越界"),  # 6 half outside 东社区
    feature(
        polygon((120.011, 31.011), (120.014, 31.011), (120.014, 31.014), close=False),
        name="未闭合",
    ),  # 7 unclosed: repaired
    feature(SPIKE, name="带刺"),  # 8 spike: repaired
    feature(box(120.006, 31.006, 0.002), name="一号"),  # 9 same parent and name as 1
    "not a feature",  # 10
)


def run(world, data=MIXED, **kw):
    kw.setdefault("level", "grid")
    kw.setdefault("name_field", "name")
    return import_regions(actor=world.users["admin"], source=data, **kw)


def test_bad_features_are_reported_with_index_and_reason_and_good_ones_kept(world):
    result = run(world)
    rejected = {r["index"]: r for r in result.rejected}
    assert sorted(rejected) == [2, 3, 4, 5, 6, 9, 10]
    assert "Point" in rejected[2]["reason"] and rejected[2]["code"] == "not_polygon"
    assert "缺少名称" in rejected[3]["reason"]
    assert "无法自动修复" in rejected[4]["reason"] and rejected[4]["name"] == "八字"
    assert "找不到包含" in rejected[5]["reason"] and rejected[5]["code"] == "no_parent"
    assert "超出上级区域「东社区」" in rejected[6]["reason"]
    assert "第 1 个要素" in rejected[9]["reason"]
    assert "Feature" in rejected[10]["reason"]
    assert [(c["index"], c["name"], c["code"]) for c in result.created] == [
        (1, "一号", "320571001001003"),
        (7, "未闭合", "320571001002003"),
        (8, "带刺", "320571001002004"),
    ]
    notes = {r["index"]: r["note"] for r in result.repaired}
    assert "未闭合" in notes[7] and "自相交" in notes[8]
    stored = Region.objects.get(code="320571001002004")
    assert stored.parent.name == "西社区" and "已修复" in stored.repaired_note
    assert stored.area_m2 > 0
    report = GridImportReport.objects.get(pk=result.report_id)
    assert (report.created, report.rejected, report.repaired) == (3, 7, 2)
    assert report.details["rejected"][0]["index"] == 2
    assert AuditEvent.objects.filter(action="grids.region.create").count() == 3
    assert AuditEvent.objects.filter(action="grids.import").count() == 1


def test_reimport_updates_instead_of_duplicating(world):
    first = run(world)
    count = Region.objects.count()
    second = run(world)
    assert Region.objects.count() == count
    assert second.created == []
    assert [u["code"] for u in second.updated] == [c["code"] for c in first.created]
    assert Region.objects.get(code="320571001001003").version == 2


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "为空"),
        (b"  \n ", "为空"),
        (b'{"type": "FeatureCollection", "features": [', "不是有效的 JSON"),
        (b"\xff\xfe\x00garbage", "UTF-8"),
        (b"[1, 2]", "不是 GeoJSON FeatureCollection"),
        (json.dumps(feature(box(120.001, 31.001, 0.003), name="x")).encode(), "'Feature'"),
        (b'{"type": "FeatureCollection", "features": []}', "没有任何要素"),
        (b'{"type": "FeatureCollection"}', "缺少 features"),
    ],
)
def test_whole_file_errors_change_nothing(world, data, words):
    before = Region.objects.count()
    with pytest.raises(ImportFileError) as err:
        run(world, data)
    assert words in err.value.message
    assert Region.objects.count() == before
    assert not GridImportReport.objects.exists()


def test_wrong_level_is_a_clear_error(world):
    with pytest.raises(ImportFileError) as err:
        run(world, level="village")
    assert "层级必须是" in err.value.message
    Region.objects.filter(level="community").update(is_active=False)
    with pytest.raises(ImportFileError) as err:
        run(world, level="grid")
    assert "还没有任何社区" in err.value.message and "--level" in err.value.message
    with pytest.raises(ImportFileError) as err:
        run(world, level="street")
    assert "--code-prefix" in err.value.message
    with pytest.raises(ImportFileError):
        run(world, level="community", kind="special")


def test_features_of_the_wrong_level_are_rejected_not_silently_kept(world):
    # A community-sized polygon imported as a grid spills out of every community.
    data = collection(feature(box(120.0, 31.0, 0.02, 0.012), name="大块"))
    result = run(world, data)
    assert result.created == [] and "超出上级区域" in result.rejected[0]["reason"]


def test_parent_field_by_name_or_code_and_code_field(world):
    data = collection(
        feature(box(120.001, 31.001, 0.002), name="甲", up="东社区", code="320571001001050"),
        feature(box(120.011, 31.011, 0.002), name="乙", up="320571001002"),
        feature(box(120.001, 31.005, 0.002), name="丙", up="北社区"),
        feature(box(120.005, 31.001, 0.002), name="丁", up="东社区", code="320571001002051"),
    )
    result = run(world, data, parent_field="up", code_field="code")
    assert [(c["name"], c["code"]) for c in result.created] == [
        ("甲", "320571001001050"),
        ("乙", "320571001002003"),
    ]
    reasons = {r["index"]: r["reason"] for r in result.rejected}
    assert "找不到编码或名称为「北社区」" in reasons[3]
    assert "必须以上级" in reasons[4]


def test_streets_with_generated_codes_then_communities_by_containment(world):
    streets = collection(feature(box(121.0, 31.0, 0.1), name="新街道"))
    result = run(world, streets, level="street", code_prefix="320571")
    assert result.created[0]["code"] == "320571002"
    communities = collection(
        feature(box(121.0, 31.0, 0.05), name="南社区"),
        feature(box(121.05, 31.0, 0.05), name="北社区"),
    )
    result = run(world, communities, level="community")
    assert [c["code"] for c in result.created] == ["320571002001", "320571002002"]
    assert Region.objects.get(code="320571002002").parent.name == "新街道"


def test_special_grids_with_type_field(world):
    data = collection(
        feature(box(120.002, 31.002, 0.004), name="学校网格", t="学校"),
        feature(box(120.012, 31.012, 0.004), name="公园网格", t="公园"),
    )
    result = run(world, data, kind="special", special_type_field="t")
    assert [c["code"] for c in result.created] == ["320571001001901", "320571001002901"]
    school = Region.objects.get(code="320571001001901")
    assert (school.kind, school.special_type) == ("special", "学校")
    assert result.overlaps == []  # special grids over comprehensive ones are expected


def test_sibling_overlaps_are_reported_and_stored(world):
    data = collection(
        feature(box(120.001, 31.001, 0.004), name="甲"),
        feature(box(120.004, 31.001, 0.004), name="乙"),
    )
    result = run(world, data)
    pairs = {(o["a_name"], o["b_name"]) for o in result.overlaps}
    assert ("甲", "乙") in pairs or ("乙", "甲") in pairs
    assert any(o["b"] == "320571001001001" or o["a"] == "320571001001001" for o in result.overlaps)
    jia = Region.objects.get(name="甲")
    assert {w["sibling_name"] for w in jia.warnings} >= {"乙", "网格A"}


def test_dry_run_reports_but_writes_nothing(world):
    before = Region.objects.count()
    result = run(world, dry_run=True)
    assert len(result.created) == 3 and len(result.rejected) == 7
    assert Region.objects.count() == before
    assert not GridImportReport.objects.exists()
    assert result.summary_lines()[0].startswith("导入网格（试运行，未写入）")


def test_numeric_codes_from_properties_are_text(world):
    data = collection(feature(box(120.001, 31.001, 0.002), name="甲", code=320571001001077))
    result = run(world, data, code_field="code")
    assert result.created[0]["code"] == "320571001001077"


def test_command_prints_the_summary(world, tmp_path):
    path = tmp_path / "grids.geojson"
    path.write_bytes(MIXED)
    out = io.StringIO()
    call_command("import_grids", str(path), "--level", "grid", "--name-field", "name", stdout=out)
    text = out.getvalue()
    assert "新建 3" in text and "拒绝 7" in text and "修复 2" in text
    assert "拒绝 第 2 个要素（点）" in text
    out = io.StringIO()
    call_command(
        "import_grids", str(path), "--level", "grid", "--name-field", "name", "--json", stdout=out
    )
    assert json.loads(out.getvalue())["counts"]["updated"] == 3


def test_command_refuses_a_bad_file_with_a_clear_error(world, tmp_path):
    path = tmp_path / "bad.geojson"
    path.write_text("{oops")
    with pytest.raises(CommandError, match="未做任何修改.*不是有效的 JSON"):
        call_command("import_grids", str(path), "--level", "grid", "--name-field", "name")
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import_grids", str(tmp_path / "nope"), "--level", "grid", "--name-field", "n")


def test_yiwang_import_grids_maps_to_the_command():
    assert translate(["import", "grids", "f.geojson", "--level", "grid"])[:2] == [
        "import_grids",
        "f.geojson",
    ]
    assert translate(["bench", "locate", "--grids", "10"])[0] == "bench_locate"


def test_import_file_error_is_a_validation_failure():
    assert issubclass(ImportFileError, ValidationFailed)


def test_an_edit_made_during_the_import_aborts_it_with_409(world, monkeypatch):
    from django.db.models import F

    from yiwang.core.errors import StaleVersion
    from yiwang.grids import importers

    run(world)  # creates 一号 (…001003) and two more
    real = importers._find_overlaps

    def edit_meanwhile(*args, **kwargs):
        Region.objects.filter(code="320571001001003").update(version=F("version") + 1)
        return real(*args, **kwargs)

    monkeypatch.setattr(importers, "_find_overlaps", edit_meanwhile)
    extra = json.loads(MIXED)
    extra["features"].append(feature(box(120.012, 31.002, 0.002), name="新增"))
    before = Region.objects.count()
    with pytest.raises(StaleVersion) as err:
        run(world, json.dumps(extra).encode())
    assert err.value.status == 409 and "未做任何修改" in err.value.message
    assert Region.objects.count() == before  # 新增 was rolled back with the rest
    assert GridImportReport.objects.count() == 1


def test_reimport_is_seen_by_locate_at_once(world):
    from yiwang.grids.locate import locate

    data = collection(feature(box(120.001, 31.011, 0.003), name="甲"))
    run(world, data, kind="special")
    assert [r.name for r in locate(120.002, 31.012).special] == ["甲"]
    moved = collection(feature(box(120.012, 31.011, 0.003), name="甲"))
    result = run(world, moved, kind="special")
    assert len(result.updated) == 1  # same parent and name: updated in place
    assert locate(120.002, 31.012).special == ()
    assert [r.name for r in locate(120.013, 31.012).special] == ["甲"]


def test_parent_by_containment_prefers_the_parent_sharing_most_area(world):
    streets = collection(
        feature(box(121.0, 31.0, 0.1), name="西街道"),
        feature(box(121.09, 31.0, 0.1), name="东街道"),  # overlaps 西街道 by 0.01°
    )
    result = run(world, streets, level="street", code_prefix="320571")
    assert len(result.overlaps) == 1  # reported, not refused
    # Representative point in the overlap, but most of the community lies in 东街道.
    community = collection(feature(box(121.092, 31.0, 0.012, 0.004), name="跨界社区"))
    run(world, community, level="community")
    assert Region.objects.get(name="跨界社区").parent.name == "东街道"


def test_official_codes_that_do_not_nest_are_kept_and_internal_codes_generated(world, client_for):
    # Real layers carry codes from another coding (苏州工业园区: communities 3205050…, grids
    # 320505006023001) that do not start with the street's code: kept as the official code.
    data = collection(
        feature(box(120.001, 31.001, 0.002), name="荷韵一", code="320505006023001"),
        feature(box(120.005, 31.001, 0.002), name="荷韵二", code=320505006023002),
        feature(box(120.009, 31.001, 0.002), name="嵌套", code="320571001001077"),
        feature(box(120.013, 31.001, 0.002), name="坏码", code="32-05"),
    )
    result = run(world, data, code_field="code")
    created = {c["name"]: c for c in result.created}
    assert set(created) == {"荷韵一", "荷韵二", "嵌套"}
    assert created["嵌套"]["code"] == "320571001001077" and "official_code" not in created["嵌套"]
    one = Region.objects.get(name="荷韵一")
    assert one.official_code == "320505006023001"
    assert one.code.startswith(one.parent.code) and len(one.code) == 15
    assert Region.objects.get(name="荷韵二").official_code == "320505006023002"
    assert Region.objects.get(name="嵌套").official_code == "320571001001077"
    assert "不是有效的编码" in result.rejected[0]["reason"]
    assert any("2 个要素的官方编码不嵌套" in line for line in result.summary_lines())
    # Searchable by the official code and shown in the API.
    client = client_for(world.users["admin"])
    body = client.get("/api/v1/grids/", {"parent": one.parent.code, "q": "3205050060230"}).json()
    rows = body.get("results", body)
    assert sorted(r["official_code"] for r in rows) == ["320505006023001", "320505006023002"]
    # Re-import updates in place and keeps both codes.
    again = run(world, data, code_field="code")
    assert len(again.created) == 0 and len(again.updated) == 3
    assert Region.objects.get(name="荷韵一").code == one.code
