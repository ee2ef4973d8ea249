"""The API under /api/v1/enforcement/ with the names of issue 12 item 7: JSON errors, 409 on
stale versions, nothing changed on refusal, PDFs of the documents."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from yiwang.enforcement.models import Case, Document, Matter
from yiwang.enforcement.tests.conftest import PERSON_ID, work_order

BASE = "/api/v1/enforcement/"
PARTY = {"kind": "person", "name": "王某", "id_number": PERSON_ID, "phone": "13912345678"}


def post(client, url, data, status=200):
    response = client.post(BASE + url, data, format="json")
    assert response.status_code == status, response.content.decode()
    return response.json()


def test_matters_are_public_and_paginated(enf, client_for):
    body = client_for().get(BASE + "matters/?page_size=10").json()
    assert body["count"] == Matter.objects.filter(is_current=True).count() >= 60
    first = body["results"][0]
    assert {"code", "name", "legal_basis", "person_fine", "organisation_fine",
            "simple_procedure", "devolved"} <= set(first)  # fmt: skip
    assert len(body["results"]) == 10 and body["next"]


def _sheet(rows) -> bytes:
    from yiwang.enforcement.services.matters import COLUMNS

    wb = Workbook()
    ws = wb.active
    ws.append([label for label, _, _ in COLUMNS])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_matter_xlsx_export_and_import_with_row_errors(enf, client_for):
    admin = client_for(enf.world.users["admin"])
    exported = admin.get(BASE + "matters/export.xlsx")
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet.max_row - 1 == Matter.objects.filter(is_current=True).count()
    good = ["ZF-CG-001", "擅自占用城市道路摆摊设点经营（占道经营）", "城市管理", "第十四条",
            "《城市市容和环境卫生管理条例》第三十六条", 50, 200, 200, 3000, "是", "", "是",
            "区城市管理局", "否", "否", "否"]  # fmt: skip
    bad = ["ZF-NEW-1", "新事项", "天文", "", "某法", 500, 100, None, None, "也许", "", "否",
           "区城市管理局", "是", "否", "否"]  # fmt: skip
    before = Matter.objects.count()
    upload = io.BytesIO(_sheet([good, bad]))
    upload.name = "m.xlsx"
    refused = admin.post(BASE + "matters/import/", {"file": upload}, format="multipart")
    assert refused.status_code == 400
    fields = refused.json()["error"]["fields"]
    assert set(fields) == {"row_3"} and any("领域" in m for m in fields["row_3"])
    assert Matter.objects.count() == before  # nothing changed
    upload = io.BytesIO(_sheet([good]))
    upload.name = "m.xlsx"
    result = admin.post(BASE + "matters/import/", {"file": upload}, format="multipart").json()
    assert result["updated"] == 1
    current = Matter.objects.get(code="ZF-CG-001", is_current=True)
    assert current.revision == 2 and current.person_fine_min == 50 and current.devolved is False
    officer = client_for(enf.zhifa)
    assert officer.post(BASE + "matters/import/", {"file": upload}).status_code == 403


def test_simple_case_through_the_api_with_its_pdf(enf, client_for):
    api = client_for(enf.zhifa)
    order = work_order(enf, category="09006", description="水果店占道经营")
    case = post(api, "cases/", {"procedure": "simple", "matter": "ZF-CG-001", "party": PARTY,
                                "facts": "在人行道上摆放水果摊位经营", "work_order": order.pk},
                201)  # fmt: skip
    assert {"id", "code", "stage", "version", "deadlines"} <= set(case)
    assert case["party"]["id_number"] != PERSON_ID and case["stage"] == "clue"
    refused = api.post(BASE + f"cases/{case['id']}/decide_on_spot/",
                       {"version": case["version"], "penalty": {"kind": "fine", "amount": 300}},
                       format="json")  # fmt: skip
    assert refused.status_code == 400
    assert (
        "第五十一条" in refused.json()["error"]["message"]
        or "法定幅度" in refused.json()["error"]["message"]
    )
    stale = api.post(BASE + f"cases/{case['id']}/decide_on_spot/",
                     {"version": case["version"] + 5, "penalty": {"kind": "warning"}},
                     format="json")  # fmt: skip
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    done = post(
        api,
        f"cases/{case['id']}/decide_on_spot/",
        {"version": case["version"], "penalty": {"kind": "fine", "amount": 100}},
    )
    assert done["stage"] == "served"
    payment = next(d for d in done["deadlines"] if d["step"] == "payment")
    assert payment["unit"] == "calendar_days" and payment["state"] == "open"
    doc = next(d for d in done["documents"] if d["kind"] == "on_spot")
    assert doc["number"].startswith("唯综执当罚字〔")
    pdf = api.get(doc["url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 5000
    twice = api.post(BASE + f"cases/{case['id']}/documents/", {"kind": "on_spot"}, format="json")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "document_numbered"
    assert Document.objects.filter(case_id=case["id"], kind="on_spot").count() == 1


def test_unknown_action_and_bad_json_answer_4xx(enf, client_for):
    api = client_for(enf.zhifa)
    case = post(api, "cases/", {"procedure": "ordinary", "matter": "ZF-CG-017", "party": PARTY,
                                "facts": "屋顶违法搭建"}, 201)  # fmt: skip
    assert api.post(BASE + f"cases/{case['id']}/fly/", {}, format="json").status_code == 404
    for body in ({"version": "x", "officers": ["zhifa", "zhifa2"]},
                 {"version": case["version"], "officers": "zhifa"},
                 {"version": case["version"], "officers": ["zhifa"]}):  # fmt: skip
        answer = api.post(BASE + f"cases/{case['id']}/file/", body, format="json")
        assert answer.status_code == 400, answer.content
        assert answer.json()["error"]["message"]
    assert Case.objects.get(pk=case["id"]).stage == "clue"
    for bad in ({"procedure": "ordinary", "matter": "NOPE", "party": PARTY, "facts": "x"},
                {"procedure": "ordinary", "matter": "ZF-CG-017", "party": "x", "facts": "x"},
                {"procedure": "ordinary", "matter": "ZF-CG-017", "party": PARTY, "facts": 3},
                {"procedure": "x", "matter": "ZF-CG-017", "party": PARTY, "facts": "x"},
                {"procedure": "ordinary", "matter": "ZF-CG-017", "party": PARTY, "facts": "x",
                 "lon": "abc", "lat": 31}):  # fmt: skip
        assert api.post(BASE + "cases/", bad, format="json").status_code == 400
    assert Case.objects.count() == 1


def test_cases_are_scoped(enf, client_for):
    api = client_for(enf.zhifa)
    case = post(api, "cases/", {"procedure": "ordinary", "matter": "ZF-CG-017", "party": PARTY,
                                "facts": "屋顶违法搭建"}, 201)  # fmt: skip
    other = client_for(enf.world.users["shiye"])
    assert other.get(BASE + f"cases/{case['id']}/").status_code == 404
    assert other.get(BASE + "cases/").json()["count"] == 0
    leader = client_for(enf.world.users["leader"])
    assert leader.get(BASE + "cases/").json()["count"] == 1
    assert client_for().get(BASE + "cases/").status_code in (401, 403)


def test_ordinary_case_dossier_and_kpis(enf, client_for):
    api = client_for(enf.zhifa)
    case = post(api, "cases/", {"procedure": "ordinary", "matter": "ZF-CG-012", "party": PARTY,
                                "facts": "擅自挖掘人行道铺设管线"}, 201)  # fmt: skip
    cid = case["id"]
    case = post(api, f"cases/{cid}/file/", {"version": case["version"],
                                            "officers": ["zhifa", "zhifa2"]})  # fmt: skip
    case = post(api, f"cases/{cid}/add_evidence/", {
        "version": case["version"], "kind": "record", "title": "现场检查笔录",
        "place": "星华街人行道"})  # fmt: skip
    case = post(api, f"cases/{cid}/end_investigation/", {"version": case["version"]})
    case = post(
        api,
        f"cases/{cid}/notify/",
        {"version": case["version"], "penalty": {"kind": "fine", "amount": 3000}},
    )
    assert not case["hearing_offered"]
    case = post(api, f"cases/{cid}/decide/", {"version": case["version"], "outcome": "penalty",
                                              "penalty": {"kind": "fine", "amount": 3000},
                                              "waived": True})  # fmt: skip
    case = post(api, f"cases/{cid}/serve/", {"version": case["version"]})
    case = post(api, f"cases/{cid}/record_payment/", {"version": case["version"],
                                                      "amount": "3000"})  # fmt: skip
    case = post(api, f"cases/{cid}/close/", {"version": case["version"]})
    # Art. 48: the decision is still due for publication after closing; publishing ends it
    assert case["stage"] == "closed" and case["actions"] == ["publish"]
    case = post(api, f"cases/{cid}/publish/", {"version": case["version"]})
    assert case["actions"] == []
    kinds = [d["kind"] for d in case["documents"]]
    assert kinds == ["filing", "notice", "decision", "service", "closing"]
    dossier = api.get(BASE + f"cases/{cid}/dossier.pdf")
    assert dossier.status_code == 200 and dossier.content.startswith(b"%PDF")
    kpis = api.get(BASE + "kpis/?from=2020-01-01&to=2099-12-31").json()
    assert kpis["cases"] == 1 and kpis["by_stage"] == {"closed": 1}
    assert kpis["fines_decided"] == "3000.00" and kpis["fines_collected"] == "3000.00"
    assert kpis["on_time"]["decide"]["on_time_share"] == 1.0
    assert api.get(BASE + "kpis/?from=yesterday").status_code == 400


@pytest.mark.parametrize("kind", ["filing", "notice", "decision", "service", "closing"])
def test_each_paper_renders(enf, kind):
    from yiwang.enforcement import documents

    assert documents.TEMPLATE.format(kind=kind).endswith(f"{kind}.html")


def test_huge_ids_answer_404(enf, client_for):
    api = client_for(enf.zhifa)
    huge = 2**70
    for url in (f"cases/{huge}/", f"documents/{huge}.pdf", f"inspection-plans/{huge}/",
                f"cases/{huge}/dossier.pdf"):  # fmt: skip
        assert api.get(BASE + url).status_code == 404, url
    for url in (f"documents/{huge}/void/", f"summons/{huge}/acknowledge/",
                f"referrals/{huge}/receipt/", f"cases/{huge}/file/"):  # fmt: skip
        assert api.post(BASE + url, {"version": 1}, format="json").status_code == 404, url


@pytest.mark.parametrize("action", ["file", "close", "summon", "decide"])
def test_case_steps_refused_to_who_is_no_officer_whatever_the_body(enf, client_for, action):
    """The street and the agency's staff without a 执法证 see the case but may take no step of
    it (Art. 42): 403 before the body is read, not a 400 about the body; nothing changes."""
    from yiwang.accounts.models import Role
    from yiwang.core.models import AuditEvent
    from yiwang.testing import make_user

    case = post(client_for(enf.zhifa), "cases/", {
        "procedure": "ordinary", "matter": "ZF-CG-017", "party": PARTY, "facts": "屋顶违法搭建",
    }, status=201)  # fmt: skip
    staff = make_user("keyuan", roles=[(enf.world.department, Role.DEPARTMENT_STAFF)])
    events = AuditEvent.objects.count()
    for user in (enf.world.users["leader"], enf.world.users["dispatcher"], staff):
        api = client_for(user)
        assert api.get(f"{BASE}cases/{case['id']}/").status_code == 200
        response = api.post(f"{BASE}cases/{case['id']}/{action}/", {}, format="json")
        assert response.status_code == 403, (user.username, response.content.decode())
        assert response.json()["error"]["code"]
    assert AuditEvent.objects.count() == events
    assert Case.objects.get(pk=case["id"]).version == case["version"]
