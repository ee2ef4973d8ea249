import datetime as dt

from django.test import Client

from yiwang.economy import services as sv
from yiwang.economy.models import EnterpriseRequest, EvaluationRun, ServiceVisit
from yiwang.testing import PASSWORD

LAST_YEAR = dt.date.today().year - 1


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_desk_lists_firms_for_the_bureau_only(econ, world):
    page = login(econ.bureau_user).get("/economy/")
    assert page.status_code == 200
    assert "测试企业1" in page.content.decode()
    assert login(world.users["grid_a"]).get("/economy/").status_code == 404


def test_evaluation_page_runs_and_exports(econ):
    client = login(econ.bureau_user)
    response = client.post("/economy/evaluation/", {"year": LAST_YEAR})
    run = EvaluationRun.objects.get()
    assert response.status_code == 302 and f"run={run.pk}" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "class-map" in page and "测试企业10" in page
    firm_page = client.get(f"/economy/firms/{run.results.get(rank=1).firm_id}/").content.decode()
    assert "亩均税收（万元/亩）" in firm_page and "（第 1 名）" in firm_page
    export = client.get(f"/economy/evaluation/{run.pk}/export/")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    bad = client.post("/economy/evaluation/", {"year": "x"}, follow=True)
    assert "年度必须是整数" in bad.content.decode()
    assert EvaluationRun.objects.count() == 1


def test_official_records_a_visit_on_the_firm_page(econ):
    firm = econ.firms[0]
    sv.official_assign(actor=econ.bureau_user, firm=firm, official=econ.official)
    client = login(econ.official)
    assert "测试企业1" in client.get("/economy/official/").content.decode()
    client.post(
        f"/economy/firms/{firm.pk}/",
        {"action": "visit", "visited_on": dt.date.today().isoformat(), "summary": "了解用工"},
    )
    assert ServiceVisit.objects.filter(firm=firm, official=econ.official).count() == 1
    empty = client.post(
        f"/economy/firms/{firm.pk}/", {"action": "visit", "visited_on": "", "summary": ""},
        follow=True,
    )  # fmt: skip
    assert "走访日期不能为空" in empty.content.decode()
    assert ServiceVisit.objects.count() == 1


def test_my_firm_page_and_request(econ, world):
    sv.enterprise_catalogue_install()
    firm = econ.firms[0]
    sv.firm_user_link(actor=econ.bureau_user, firm=firm, user=econ.firm_user)
    client = login(econ.firm_user)
    page = client.get("/economy/my/").content.decode()
    assert firm.entity.name in page and "我要提诉求" in page
    client.post("/economy/my/", {"category": "QY03", "description": "希望对接银行贷款"})
    assert EnterpriseRequest.objects.get().work_order.category.code == "QY03"
    other = login(world.users["resident2"]).get("/economy/my/")
    assert other.status_code == 404 and "尚未绑定企业" in other.content.decode()
    assert login(world.users["resident2"]).get(f"/economy/firms/{firm.pk}/").status_code == 404


def test_bureau_enters_figures_assigns_and_imports(econ):
    import io

    import openpyxl

    from yiwang.economy.models import FirmFigures, OfficialAssignment

    firm = econ.firms[0]
    client = login(econ.bureau_user)
    client.post(
        f"/economy/firms/{firm.pk}/",
        {"action": "figures", "year": LAST_YEAR - 1, "revenue": "800", "tax": "30",
         "land_mu": "-2"},
    )  # fmt: skip
    assert not FirmFigures.objects.filter(firm=firm, year=LAST_YEAR - 1).exists()
    client.post(
        f"/economy/firms/{firm.pk}/",
        {"action": "figures", "year": LAST_YEAR - 1, "revenue": "800", "tax": "30",
         "land_mu": "12"},
    )  # fmt: skip
    assert FirmFigures.objects.get(firm=firm, year=LAST_YEAR - 1).land_mu == 12
    client.post(
        f"/economy/firms/{firm.pk}/",
        {"action": "official", "official": econ.official.pk, "kind": "leader"},
    )
    assert OfficialAssignment.objects.get(firm=firm).kind == "leader"
    template = client.get("/economy/figures/template/")
    wb = openpyxl.load_workbook(io.BytesIO(template.content))
    ws = wb.active
    ws.append([firm.entity.uscc, "", LAST_YEAR - 2, 100, 5, 1, 4, 9, None])
    buf = io.BytesIO()
    wb.save(buf)
    upload = io.BytesIO(buf.getvalue())
    upload.name = "figures.xlsx"
    page = client.post("/economy/figures/import/", {"file": upload}, follow=True)
    assert "新增 1" in page.content.decode()
    assert FirmFigures.objects.filter(firm=firm, year=LAST_YEAR - 2).exists()
