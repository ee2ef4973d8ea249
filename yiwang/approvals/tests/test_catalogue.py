"""The catalogue: loading (idempotent, all or nothing), merging bundles, form checks, flows,
and the .xlsx round trip (import/export commands)."""

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from yiwang.approvals import selectors
from yiwang.approvals.catalogue import catalogue_load, clean_form, fields_for, requirements_for
from yiwang.approvals.demo_catalogue import BUNDLES, ITEMS
from yiwang.approvals.models import Bundle, ItemMaterial, ServiceItem, StepFlow
from yiwang.approvals.xlsx import catalogue_from_xlsx, catalogue_to_xlsx
from yiwang.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def test_demo_catalogue_has_the_national_fields(catalogue):
    assert ServiceItem.objects.count() == len(ITEMS) + 1 >= 41
    depts = set(ServiceItem.objects.values_list("department__name", flat=True))
    assert {"社会事业局", "经济发展局", "综合行政执法局"} <= depts
    types = set(ServiceItem.objects.values_list("item_type", flat=True))
    assert {"01", "05", "07", "20"} <= types
    names = set(ServiceItem.objects.values_list("name", flat=True))
    for area in [
        "灵活就业人员参保登记",
        "城乡居民基本医疗保险参保登记",
        "最低生活保障审核确认",
        "生育登记",
        "残疾人证新办申请",
        "退役军人和其他优抚对象优待证申领",
        "食品经营许可（小餐饮）",
    ]:
        assert area in names
    assert Bundle.objects.count() == 4


def test_load_is_idempotent_and_publishes_flow_only_on_change(catalogue, users):
    flows = StepFlow.objects.count()
    result = catalogue_load(
        actor=users["admin"],
        items=ITEMS,
        bundles=BUNDLES,
        street=users["window"].memberships.first().org_unit,
    )
    assert result.items_created == 0 and result.flows_published == 0
    assert StepFlow.objects.count() == flows
    changed = [dict(i) for i in ITEMS]
    food = next(i for i in changed if i["name"] == "食品经营许可（小餐饮）")
    food["steps"] = [{"name": "审批", "department": "经济发展局", "limit_days": 2}]
    street = users["window"].memberships.first().org_unit
    result = catalogue_load(actor=users["admin"], items=changed, street=street)
    assert result.flows_published == 1
    item = ServiceItem.objects.get(name="食品经营许可（小餐饮）")
    assert list(item.flows.values_list("version", "is_current")) == [(2, True), (1, False)]


def test_load_is_all_or_nothing(catalogue, users):
    before = (ServiceItem.objects.count(), ItemMaterial.objects.count())
    bad = [
        {
            "code": "X-1",
            "name": "新事项",
            "item_type": "01",
            "affair_type": "2",
            "promised_limit_days": 3,
            "department": "经济发展局",
            "materials": [],
        },
        {
            "code": "X-2",
            "name": "坏事项",
            "item_type": "99",
            "affair_type": "2",
            "department": "不存在局",
            "steps": [{"name": "s", "condition": {"op": "eval"}}],
        },
    ]
    with pytest.raises(ValidationFailed) as exc:
        catalogue_load(
            actor=users["admin"], items=bad, street=users["window"].memberships.first().org_unit
        )
    problems = " ".join(exc.value.fields["items[X-2]"])
    assert "事项类型" in problems and "找不到部门" in problems and "适用条件" in problems
    assert (ServiceItem.objects.count(), ItemMaterial.objects.count()) == before


def test_bundle_merge_rules(catalogue):
    bundle = selectors.bundle_get(code="320576052-YJS-01")
    reqs = {r.key: r for r in requirements_for(bundle=bundle)}
    assert "business_licence" not in reqs
    assert reqs["id_card"].required and len(reqs["id_card"].items) == 4
    assert reqs["grease_trap"].required is False
    assert reqs["premises_proof"].reusable  # reusable in every item that asks for it
    names = [f["name"] for f in fields_for(bundle=bundle)]
    assert names.count("id_number") == 1


def test_clean_form_types():
    fields = [
        {"name": "n", "label": "数", "type": "number", "required": True},
        {"name": "d", "label": "日", "type": "date"},
        {"name": "c", "label": "选", "type": "choice", "options": ["甲", "乙"]},
        {"name": "b", "label": "是否", "type": "bool"},
        {"name": "u", "label": "信用代码", "type": "uscc"},
    ]
    assert clean_form(fields, {"n": "3", "d": "2026-01-02", "c": "甲", "b": "是", "zz": 1}) == {
        "n": 3,
        "d": "2026-01-02",
        "c": "甲",
        "b": True,
    }
    with pytest.raises(ValidationFailed) as exc:
        clean_form(fields, {"n": "", "d": "2026-13-01", "c": "丙", "b": "也许", "u": "123"})
    assert set(exc.value.fields) == {"n", "d", "c", "b", "u"}
    with pytest.raises(ValidationFailed):
        clean_form(fields, ["not", "a", "dict"])


def test_xlsx_round_trip(catalogue, users):
    data = catalogue_to_xlsx(selectors.item_list(), selectors.bundle_list())
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["事项", "材料", "流程", "一件事"]
    assert wb["事项"]["B1"].value == "事项名称"
    items, bundles = catalogue_from_xlsx(io.BytesIO(data))
    food = next(i for i in items if i["name"] == "食品经营许可（小餐饮）")
    assert food["affair_type"] == "2" and food["item_type"] == "01"
    assert [s["name"] for s in food["steps"]] == ["材料审查", "现场核查", "审批决定"]
    assert food["steps"][1]["condition"]["any"][1] == {"field": "area", "op": "gt", "value": 50}
    assert len(bundles) == 4
    street = users["window"].memberships.first().org_unit
    result = catalogue_load(
        actor=users["admin"],
        items=[i for i in items if i["code"].startswith("320576052")],
        bundles=bundles,
        street=street,
    )
    assert result.items_created == 0 and result.flows_published == 0


def test_import_export_commands(catalogue, tmp_path, users):
    path = tmp_path / "catalogue.xlsx"
    call_command("export_approvals", str(path), "--street", "320571001")
    wb = load_workbook(path)
    wb["事项"]["B2"] = "个体工商户设立登记（改名）"
    wb.save(path)
    out = io.StringIO()
    call_command("import_approvals", str(path), "--street", "320571001", "--dry-run", stdout=out)
    assert "检查通过" in out.getvalue()
    assert not ServiceItem.objects.filter(name="个体工商户设立登记（改名）").exists()
    call_command("import_approvals", str(path), "--street", "320571001", stdout=io.StringIO())
    assert ServiceItem.objects.filter(name="个体工商户设立登记（改名）").exists()


def test_import_bad_file_is_refused(catalogue, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="无法读取"):
        call_command("import_approvals", str(path), "--street", "320571001")
    with pytest.raises(CommandError, match="找不到街道"):
        call_command("import_approvals", str(path), "--street", "999")
