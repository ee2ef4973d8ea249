"""Steps added in the second half of 2026-12-06 (issue 12): 询问 / 现场检查笔录, 先行登记保存
(Art. 56), 陈述申辩 and its 复核 (Art. 45), 集体讨论 of major cases (Art. 57 ¶2), 公开 of
decisions and 双随机 results with the late sweep, the 不予处罚 and 移送司法机关 outcomes through
the API, and papers with the party's full ID number (audited, officers and reviewers only)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from yiwang.core.models import AuditEvent
from yiwang.core.workdays import TimeUnit, deadline_for
from yiwang.enforcement import services as svc
from yiwang.enforcement.models import Case, Document, Preservation, Publication
from yiwang.enforcement.tests.conftest import PERSON_ID, work_order

BASE = "/api/v1/enforcement/"
PARTY = {"kind": "person", "name": "王小明", "id_number": PERSON_ID}


def post(api, url, data, status=200):
    answer = api.post(BASE + url, data, format="json")
    assert answer.status_code == status, answer.content.decode()
    return answer.json()


def opened(api, matter="ZF-CG-002", order=None):
    body = {
        "procedure": "ordinary",
        "matter": matter,
        "party": PARTY,
        "facts": "超出门窗外墙摆放货架经营",
    }
    if order is not None:
        body["work_order"] = order.pk
    return post(api, "cases/", body, 201)


def investigating(api, matter="ZF-CG-002", order=None):
    case = opened(api, matter, order)
    return post(
        api,
        f"cases/{case['id']}/file/",
        {"version": case["version"], "officers": ["zhifa", "zhifa2"]},
    )


def notified(api, matter="ZF-CG-002", amount=150, order=None):
    case = investigating(api, matter, order)
    cid = case["id"]
    case = post(
        api,
        f"cases/{cid}/add_evidence/",
        {"version": case["version"], "kind": "record", "title": "现场照片", "place": "星华街"},
    )
    case = post(api, f"cases/{cid}/end_investigation/", {"version": case["version"]})
    return post(
        api,
        f"cases/{cid}/notify/",
        {"version": case["version"], "penalty": {"kind": "fine", "amount": amount}},
    )


# --- 询问笔录 / 现场检查笔录 ------------------------------------------------------------------


def record_body(case, **extra):
    return {
        "version": case["version"],
        "kind": "inquiry",
        "started_at": "2026-12-01T09:00",
        "ended_at": "2026-12-01T09:40",
        "place": "唯亭街道综合行政执法局询问室",
        "subject_name": "王小明",
        "subject_role": "当事人",
        "officers": ["zhifa", "zhifa2"],
        "content": "问：货架是谁摆放的？\n答：是我摆的，想多卖点货。",
        **extra,
    }


def test_records_need_two_officers_and_each_gets_its_paper(enf, client_for):
    api = client_for(enf.zhifa)
    case = investigating(api)
    cid = case["id"]
    alone = api.post(
        BASE + f"cases/{cid}/take_record/", record_body(case, officers=["zhifa"]), format="json"
    )
    assert alone.status_code == 400 and "第四十二条" in alone.json()["error"]["message"]
    backwards = record_body(case, ended_at="2026-12-01T08:00")
    assert api.post(BASE + f"cases/{cid}/take_record/", backwards, format="json").status_code == 400
    case = post(api, f"cases/{cid}/take_record/", record_body(case))
    case = post(
        api,
        f"cases/{cid}/take_record/",
        record_body(
            case,
            kind="inspection_record",
            subject_role="现场负责人",
            content="检查发现：店门外人行道上摆放货架 3 个，占用人行道约 6 平方米。",
        ),
    )
    case = post(
        api,
        f"cases/{cid}/take_record/",
        record_body(case, subject_name="李四", subject_role="证人"),
    )
    kinds = [d["kind"] for d in case["documents"]]
    assert kinds.count("inquiry") == 2 and kinds.count("inspection_record") == 1
    from yiwang.enforcement import documents
    from yiwang.enforcement.selectors import case_get

    full = case_get(user=enf.zhifa, id=cid)
    inquiry = next(d for d in full.documents.all() if d.kind == "inquiry")
    html = documents.document_html(full, inquiry, full_pii=True)
    assert "货架是谁摆放的" in html and "询问室" in html and "钱执法" in html
    assert api.get(f"/api/v1/enforcement/documents/{inquiry.pk}.pdf").status_code == 200


def test_record_form_keeps_what_was_typed_on_an_error(enf, client):
    from yiwang.testing import PASSWORD

    client.login(username="zhifa", password=PASSWORD)
    case = svc.case_open(
        actor=enf.zhifa, procedure="ordinary", matter="ZF-CG-002", party=PARTY, facts="店外经营"
    )
    case = svc.case_file(
        actor=enf.zhifa, case=case, version=case.version, officers=["zhifa", "zhifa2"]
    )
    page = client.get(f"/enforcement/cases/{case.pk}/").content.decode()
    assert 'id="step-take_record"' in page and 'id="step-preserve"' in page
    answer = client.post(
        f"/enforcement/cases/{case.pk}/take_record/",
        {
            "version": case.version,
            "kind": "inspection_record",
            "started_at": "2026-12-01T10:00",
            "ended_at": "2026-12-01T10:30",
            "place": "星华街 12 号门前",
            "subject_name": "王小明",
            "subject_role": "现场负责人",
            "officers": ["zhifa"],
            "content": "门前人行道摆放货架三个，长约四米",
        },
    )
    text = answer.content.decode()
    assert answer.status_code == 400 and "不得少于两人" in text
    assert "门前人行道摆放货架三个，长约四米" in text and "星华街 12 号门前" in text
    assert 'value="inspection_record" selected' in text
    assert not case.records.exists()


# --- 先行登记保存 (Art. 56) -------------------------------------------------------------------


def test_preservation_is_decided_within_seven_working_days(enf, client_for):
    api = client_for(enf.zhifa)
    case = investigating(api)
    cid = case["id"]
    body = {
        "version": case["version"],
        "items": "货架 3 个、商品 20 箱",
        "place": "执法局暂存室",
        "reason": "证据可能灭失",
        "approver": "局长 周建国",
    }
    no_head = {**body, "approver": ""}
    assert api.post(BASE + f"cases/{cid}/preserve/", no_head, format="json").status_code == 400
    case = post(api, f"cases/{cid}/preserve/", body)
    item = Preservation.objects.get(case_id=cid)
    row = next(d for d in case["deadlines"] if d["step"] == f"preservation-{item.pk}")
    # 七日 is counted in working days (Art. 85): at least one weekend lies inside
    assert row["unit"] == "work_days" and row["value"] == 7 and "第五十六条" in row["article"]
    assert item.due == deadline_for(item.saved_at, 7, TimeUnit.WORK_DAYS)
    days = (timezone.localtime(item.due).date() - timezone.localtime(item.saved_at).date()).days
    assert days >= 9  # seven calendar days would end a weekend earlier
    assert any(
        d["kind"] == "preservation" and d["number"].startswith("唯综执保字〔")
        for d in case["documents"]
    )
    assert "preservation_decide" in case["actions"]
    paper = next(d for d in case["documents"] if d["kind"] == "preservation")
    assert api.get(paper["url"]).content.startswith(b"%PDF")
    # past due: the sweep supervises it once
    Case.objects.get(pk=cid).deadlines.filter(step=row["step"]).update(
        due=timezone.now() - dt.timedelta(minutes=1)
    )
    assert svc.case_deadline_sweep()["overdue"] == 1
    case = api.get(BASE + f"cases/{cid}/").json()
    case = post(
        api,
        f"cases/{cid}/preservation_decide/",
        {"version": case["version"], "preservation": item.pk, "decision": "release"},
    )
    item.refresh_from_db()
    assert item.decision == "release" and "preservation_decide" not in case["actions"]
    late = next(d for d in case["deadlines"] if d["step"] == row["step"])
    assert late["state"] == "late"
    again = api.post(
        BASE + f"cases/{cid}/preservation_decide/",
        {"version": case["version"], "preservation": item.pk, "decision": "release"},
        format="json",
    )
    assert again.status_code == 409


# --- 陈述申辩 and 复核 (Art. 45) ----------------------------------------------------------------


def test_statement_must_be_reviewed_and_cannot_raise_the_penalty(enf, client_for):
    api = client_for(enf.zhifa)
    case = notified(api, amount=150)
    cid = case["id"]
    case = post(
        api,
        f"cases/{cid}/statement/",
        {
            "version": case["version"],
            "speaker": "王小明",
            "content": "货架是临时摆放，已经当场搬回店内。",
        },
    )
    decide = {
        "version": case["version"],
        "outcome": "penalty",
        "waived": True,
        "penalty": {"kind": "fine", "amount": 150},
    }
    blocked = api.post(BASE + f"cases/{cid}/decide/", decide, format="json")
    assert blocked.status_code == 409
    assert blocked.json()["error"]["code"] == "statement_unreviewed"
    assert "第四十五条" in blocked.json()["error"]["message"]
    assert Case.objects.get(pk=cid).stage == "notified"
    statement = Case.objects.get(pk=cid).statements.get()
    case = post(
        api,
        f"cases/{cid}/review_statement/",
        {
            "version": case["version"],
            "statement": statement.pk,
            "conclusion": "partly",
            "review": "已自行改正属实，从轻处罚；临时摆放的理由不成立。",
        },
    )
    heavier = {**decide, "version": case["version"], "penalty": {"kind": "fine", "amount": 180}}
    refused = api.post(BASE + f"cases/{cid}/decide/", heavier, format="json")
    assert refused.status_code == 400 and "第四十五条" in refused.json()["error"]["message"]
    case = post(
        api,
        f"cases/{cid}/decide/",
        {**decide, "version": case["version"], "penalty": {"kind": "fine", "amount": 100}},
    )
    assert case["stage"] == "decided" and case["penalty"]["amount"] == "100.00"
    actions = [e["action"] for e in case["timeline"]]
    assert actions.index("statement") < actions.index("review_statement") < actions.index("decide")


# --- 集体讨论 (Art. 57 ¶2) --------------------------------------------------------------------


def test_major_case_needs_a_recorded_collective_discussion(enf, client_for):
    api = client_for(enf.zhifa)
    case = notified(api, matter="ZF-CG-017", amount=20000)
    cid = case["id"]
    case = post(
        client_for(enf.fazhi),
        f"cases/{cid}/legal_review/",
        {"version": case["version"], "opinion": "事实清楚，同意"},
    )
    decide = {
        "version": case["version"],
        "outcome": "penalty",
        "waived": True,
        "penalty": {"kind": "fine", "amount": 20000},
    }
    refused = api.post(BASE + f"cases/{cid}/decide/", decide, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "collective_required"
    few = {
        "version": case["version"],
        "chair": "周局长",
        "participants": ["周局长", "陈副局长"],
        "record": "讨论",
        "conclusion": "同意",
    }
    assert api.post(BASE + f"cases/{cid}/discuss/", few, format="json").status_code == 400
    case = post(
        api,
        f"cases/{cid}/discuss/",
        {
            **few,
            "participants": "周局长、陈副局长、吴副局长、法制科长",
            "record": "承办人汇报案情，参会人员逐一发表意见",
            "conclusion": "同意罚款 20000 元",
        },
    )
    assert "decide" in case["actions"]
    case = post(api, f"cases/{cid}/decide/", {**decide, "version": case["version"]})
    assert case["stage"] == "decided"
    assert case["discussions"][0]["participants"][2] == "吴副局长"
    stored = Case.objects.get(pk=cid)
    assert stored.discussions.get().participants == ["周局长", "陈副局长", "吴副局长", "法制科长"]
    assert stored.collective_discussion == "同意罚款 20000 元"


# --- 公开 (Art. 48) and the late sweep --------------------------------------------------------


def test_decision_publication_is_due_masked_and_swept_when_late(enf, client_for):
    api = client_for(enf.zhifa)
    case = notified(api, amount=150)
    cid = case["id"]
    case = post(
        api,
        f"cases/{cid}/decide/",
        {
            "version": case["version"],
            "outcome": "penalty",
            "waived": True,
            "penalty": {"kind": "fine", "amount": 150},
        },
    )
    pub = Publication.objects.get(case_id=cid)
    assert pub.due == deadline_for(pub.start, 7, TimeUnit.WORK_DAYS) and pub.published_at is None
    anonymous = client_for()
    assert "超出门窗外墙" not in anonymous.get("/public/penalties/").content.decode()
    Publication.objects.filter(pk=pub.pk).update(due=timezone.now() - dt.timedelta(minutes=1))
    assert svc.publication_sweep() == 1 and svc.publication_sweep() == 0
    assert AuditEvent.objects.filter(action="enforcement.publication.late").count() == 1
    assert "publish" in case["actions"]
    case = post(api, f"cases/{cid}/publish/", {"version": case["version"]})
    pub.refresh_from_db()
    assert pub.published_at is not None and pub.late and "publish" not in case["actions"]
    page = anonymous.get("/public/penalties/").content.decode()
    assert "店外经营" in page and "罚款 150.00 元" in page
    assert "王小明" not in page and "王*" in page and PERSON_ID not in page
    twice = api.post(BASE + f"cases/{cid}/publish/", {"version": case["version"]}, format="json")
    assert twice.status_code == 409
    # Art. 48 ¶2: a changed decision is withdrawn with its reason; the page says so
    svc.publication_withdraw(actor=enf.zhifa, publication=pub, reason="行政复议决定变更处罚")
    page = anonymous.get("/public/penalties/").content.decode()
    assert "已撤回" in page and "行政复议决定变更处罚" in page and "罚款 150.00 元" not in page


# --- 不予处罚 and 移送司法机关 through the API (Art. 57) ---------------------------------------


def test_no_penalty_needs_its_reason_and_is_served_and_closed(enf, client_for):
    api = client_for(enf.zhifa)
    case = notified(api, amount=150)
    cid = case["id"]
    body = {"version": case["version"], "outcome": "no_penalty", "waived": True}
    missing = api.post(BASE + f"cases/{cid}/decide/", body, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["error"]["fields"]
    assert Case.objects.get(pk=cid).stage == "notified"
    reason = "当事人初次违法且危害后果轻微并及时改正（行政处罚法第三十三条第一款）"
    case = post(api, f"cases/{cid}/decide/", {**body, "reason": reason})
    assert case["stage"] == "decided" and case["outcome"] == "no_penalty" and not case["penalty"]
    decision = next(d for d in case["documents"] if d["kind"] == "decision")
    assert decision["number"].startswith("唯综执罚决字〔")
    assert not Publication.objects.filter(case_id=cid).exists()
    from yiwang.enforcement import documents
    from yiwang.enforcement.selectors import case_get

    full = case_get(user=enf.zhifa, id=cid)
    html = documents.document_html(full, full.documents.get(kind="decision"), full_pii=True)
    assert "决定不予行政处罚" in html and "初次违法" in html
    assert case["actions"] == ["serve"]
    case = post(api, f"cases/{cid}/serve/", {"version": case["version"]})
    assert case["actions"] == ["close"]  # nothing to pay
    case = post(api, f"cases/{cid}/close/", {"version": case["version"]})
    assert case["stage"] == "closed"


def test_transfer_ends_the_case_with_the_transfer_letter(enf, client_for):
    api = client_for(enf.zhifa)
    order = work_order(enf, category="06001", description="屋顶违法搭建，疑似伪造规划许可")
    case = notified(api, matter="ZF-CG-002", amount=150, order=order)
    cid = case["id"]
    case = post(
        api,
        f"cases/{cid}/decide/",
        {
            "version": case["version"],
            "outcome": "transfer",
            "waived": True,
            "reason": "当事人涉嫌伪造国家机关公文，涉嫌犯罪",
        },
    )
    assert case["outcome"] == "transfer" and case["penalty"] is None
    letter = [d for d in case["documents"] if d["kind"] == "transfer"]
    assert len(letter) == 1 and letter[0]["number"].startswith("唯综执移字〔")
    assert not any(d["kind"] == "decision" for d in case["documents"])
    assert not any(d["step"] == "serve" for d in case["deadlines"])
    assert case["actions"] == ["close"]
    serve = api.post(BASE + f"cases/{cid}/serve/", {"version": case["version"]}, format="json")
    assert serve.status_code == 409
    case = post(api, f"cases/{cid}/close/", {"version": case["version"]})
    assert case["stage"] == "closed"
    order.refresh_from_db()
    assert order.status == "completed"
    assert "移送司法机关" in order.events.order_by("-id").first().note


# --- papers with the full ID number -----------------------------------------------------------


def test_papers_print_the_full_id_for_case_officers_only_and_audit_it(enf, client_for):
    from yiwang.enforcement import documents
    from yiwang.enforcement.selectors import case_get, may_print_personal_data

    api = client_for(enf.zhifa)
    case = notified(api, amount=150)
    cid = case["id"]
    case = post(
        api,
        f"cases/{cid}/decide/",
        {
            "version": case["version"],
            "outcome": "penalty",
            "waived": True,
            "penalty": {"kind": "fine", "amount": 150},
        },
    )
    doc = Document.objects.get(case_id=cid, kind="decision")
    full = case_get(user=enf.zhifa, id=cid)
    assert PERSON_ID in documents.document_html(full, doc, full_pii=True)
    assert PERSON_ID not in documents.document_html(full, doc, full_pii=False)
    leader = enf.world.users["leader"]
    assert may_print_personal_data(enf.zhifa, full) and may_print_personal_data(enf.fazhi, full)
    assert not may_print_personal_data(leader, full)
    pdf = api.get(f"/api/v1/enforcement/documents/{doc.pk}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    rows = AuditEvent.objects.filter(action="enforcement.paper.unmasked")
    assert rows.count() == 1
    row = rows.get()
    assert row.actor == enf.zhifa and row.target_id == str(cid)
    assert row.after["paper"] == "行政处罚决定书" and row.after["documents"] == [doc.number]
    assert api.get(f"/api/v1/enforcement/cases/{cid}/dossier.pdf").status_code == 200
    assert rows.count() == 2
    masked = client_for(leader).get(f"/api/v1/enforcement/documents/{doc.pk}.pdf")
    assert masked.status_code == 200 and rows.count() == 2  # a masked copy, not audited
    # the API and the lists stay masked for everyone
    assert api.get(BASE + f"cases/{cid}/").json()["party"]["id_number"] != PERSON_ID


# --- voiding a number from the case page ------------------------------------------------------


def test_void_from_the_case_page_keeps_the_number_and_reissues(enf, client):
    from yiwang.testing import PASSWORD

    client.login(username="zhifa", password=PASSWORD)
    case = svc.case_open(
        actor=enf.zhifa, procedure="ordinary", matter="ZF-CG-002", party=PARTY, facts="店外经营"
    )
    case = svc.case_file(
        actor=enf.zhifa, case=case, version=case.version, officers=["zhifa", "zhifa2"]
    )
    doc = Document.objects.get(case=case, kind="filing")
    page = client.get(f"/enforcement/cases/{case.pk}/").content.decode()
    assert f'id="void-{doc.pk}"' in page
    empty = client.post(f"/enforcement/documents/{doc.pk}/void/", {"reason": " ", "reissue": "1"})
    assert empty.status_code == 400 and "请填写作废原因" in empty.content.decode()
    doc.refresh_from_db()
    assert doc.voided_at is None
    done = client.post(
        f"/enforcement/documents/{doc.pk}/void/", {"reason": "当事人名称打印错误", "reissue": "1"}
    )
    assert done.status_code == 302
    doc.refresh_from_db()
    fresh = Document.objects.get(case=case, kind="filing", voided_at__isnull=True)
    assert doc.voided_at and doc.void_reason == "当事人名称打印错误"
    assert fresh.serial == doc.serial + 1 and fresh.number != doc.number
    page = client.get(f"/enforcement/cases/{case.pk}/").content.decode()
    assert doc.number in page and "当事人名称打印错误" in page and fresh.number in page
    client.logout()
    client.login(username="leader", password=PASSWORD)
    assert (
        client.post(f"/enforcement/documents/{fresh.pk}/void/", {"reason": "x"}).status_code == 403
    )


# --- the matter list's .xlsx import from its page ---------------------------------------------


def test_matter_import_page_lists_row_errors_and_imports(enf, client):
    import io

    from yiwang.enforcement.models import Matter
    from yiwang.enforcement.tests.test_api import _sheet
    from yiwang.testing import PASSWORD

    good = [
        "ZF-CG-002",
        "店外经营、超出门窗外墙经营",
        "城市管理",
        "",
        "《城市市容和环境卫生管理条例》",
        20,
        300,
        200,
        2000,
        "是",
        "",
        "是",
        "区城市管理局",
        "是",
        "否",
        "否",
    ]
    bad = [
        "ZF-X-9",
        "",
        "天文",
        "",
        "",
        None,
        None,
        None,
        None,
        "也许",
        "",
        "否",
        "区城管局",
        "是",
        "否",
        "否",
    ]
    client.login(username="admin", password=PASSWORD)
    page = client.get("/enforcement/matters/").content.decode()
    assert 'id="do-import"' in page and 'id="export-xlsx"' in page
    before = Matter.objects.count()

    def upload(rows, **extra):
        f = io.BytesIO(_sheet(rows))
        f.name = "matters.xlsx"
        return client.post("/enforcement/matters/", {"file": f, **extra})

    refused = upload([good, bad])
    text = refused.content.decode()
    assert refused.status_code == 400 and "第 3 行" in text and "未导入任何数据" in text
    assert Matter.objects.count() == before
    checked = upload([good], dry_run="1")
    assert checked.status_code == 200 and "检查通过，未导入" in checked.content.decode()
    assert Matter.objects.count() == before
    done = upload([good])
    assert "更新（新版本）1" in done.content.decode()
    assert Matter.objects.get(code="ZF-CG-002", is_current=True).person_fine_max == 300
    client.logout()
    client.login(username="zhifa", password=PASSWORD)
    assert 'id="do-import"' not in client.get("/enforcement/matters/").content.decode()
    assert upload([good]).status_code == 403
