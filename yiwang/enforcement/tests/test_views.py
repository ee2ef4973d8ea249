"""The pages: scoped, refusals shown in Chinese with a 4xx, joint enforcement, the sweep
command and the bench command."""

from __future__ import annotations

import io
import json

from django.core.management import call_command

from yiwang.enforcement import services as svc
from yiwang.enforcement.models import Case, Summons
from yiwang.enforcement.tests.conftest import PERSON_ID
from yiwang.testing import PASSWORD

PARTY = {"kind": "person", "name": "王某", "id_number": PERSON_ID}


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def opened(enf):
    return svc.case_open(actor=enf.zhifa, procedure="ordinary", matter="ZF-CG-017", party=PARTY,
                         facts="屋顶违法搭建")  # fmt: skip


def test_case_pages_for_officers_and_refusals_in_chinese(enf, client):
    case = opened(enf)
    login(client, enf.zhifa)
    listing = client.get("/enforcement/")
    assert listing.status_code == 200 and case.code in listing.content.decode()
    page = client.get(f"/enforcement/cases/{case.pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and "do-file" in text and "do-decide" not in text
    assert PERSON_ID not in text  # masked
    refused = client.post(f"/enforcement/cases/{case.pk}/file/",
                          {"version": case.version, "officers": ["zhifa"]})  # fmt: skip
    assert refused.status_code == 400 and "不得少于两人" in refused.content.decode()
    wrong = client.post(f"/enforcement/cases/{case.pk}/decide/", {"version": case.version})
    assert wrong.status_code == 409 and "阶段" in wrong.content.decode()
    assert Case.objects.get(pk=case.pk).stage == "clue"
    done = client.post(f"/enforcement/cases/{case.pk}/file/",
                       {"version": case.version, "officers": ["zhifa", "zhifa2"]})  # fmt: skip
    assert done.status_code == 302 and Case.objects.get(pk=case.pk).stage == "investigating"


def test_pages_are_scoped(enf, client):
    case = opened(enf)
    login(client, enf.world.users["shiye"])
    assert client.get(f"/enforcement/cases/{case.pk}/").status_code == 404
    assert case.code not in client.get("/enforcement/").content.decode()


def test_new_case_page_shows_party_errors(enf, client):
    login(client, enf.zhifa)
    answer = client.post(
        "/enforcement/cases/new/",
        {
            "procedure": "simple",
            "matter": "ZF-CG-001",
            "party_kind": "person",
            "party_name": "王某",
            "party_code": "110105194912310021",
            "facts": "占道经营",
        },
    )
    assert answer.status_code == 400 and "校验位" in answer.content.decode()
    assert not Case.objects.exists()


def test_joint_enforcement_summons_acknowledge_arrive(enf, client_for):
    case = opened(enf)
    rows = svc.case_summon(actor=enf.zhifa, case=case, version=case.version,
                           partners=[enf.world.department2.code], minutes=10,
                           note="占道纠纷，请 10 分钟内到场")  # fmt: skip
    summons = rows[0]
    assert (summons.arrive_by - summons.created_at).total_seconds() <= 10 * 60 + 1
    partner = client_for(enf.world.users["shiye"])
    url = f"/api/v1/enforcement/summons/{summons.pk}/"
    early = partner.post(url + "arrive/", {"version": summons.version}, format="json")
    assert early.status_code == 409
    ack = partner.post(url + "acknowledge/", {"version": summons.version}, format="json").json()
    arrived = partner.post(url + "arrive/", {"version": ack["version"]}, format="json").json()
    done = partner.post(url + "done/", {"version": arrived["version"], "note": "已到场核查证照"},
                        format="json")  # fmt: skip
    assert done.json()["status"] == "done"
    assert Summons.objects.get(pk=summons.pk).action_taken == "已到场核查证照"
    stranger = client_for(enf.world.users["grid_a"])
    assert stranger.post(url + "acknowledge/", {"version": 1}, format="json").status_code == 404


def test_referral_with_receipt(enf):
    case = opened(enf)
    case = svc.case_refer(actor=enf.zhifa, case=case, version=case.version,
                          authority="园区应急管理局", reason="超出赋权范围")  # fmt: skip
    assert case.stage == "referred"
    referral = case.referrals.get()
    assert referral.receipt_due > referral.created_at
    assert case.documents.get(kind="transfer").number.startswith("唯综执移字〔")
    svc.referral_receipt(actor=enf.zhifa, referral=referral, note="已接收")
    case = svc.case_close(actor=enf.zhifa, case=Case.objects.get(pk=case.pk),
                          version=Case.objects.get(pk=case.pk).version)  # fmt: skip
    assert case.stage == "closed"


def test_sweep_and_bench_commands(enf):
    out = io.StringIO()
    call_command("enforcement_sweep", stdout=out)
    assert json.loads(out.getvalue()) == {"overdue": 0, "late_publications": 0}
    out = io.StringIO()
    call_command("bench_enforcement", "--cases", "2", "--in-place", stdout=out)
    result = json.loads(out.getvalue())
    assert result["cases"] == 2 and result["cases_per_s"] > 0
    assert set(result["p99_ms"]) >= {"file", "request_hearing", "decide", "close"}


def test_partner_answers_a_summons_on_its_page(enf, client):
    case = opened(enf)
    row = svc.case_summon(actor=enf.zhifa, case=case, version=case.version,
                          partners=[enf.world.department2.code], hours=1,
                          note="联合检查")[0]  # fmt: skip
    login(client, enf.world.users["shiye"])
    page = client.get("/enforcement/summons/")
    assert page.status_code == 200 and case.code in page.content.decode()
    client.post("/enforcement/summons/", {"summons": row.pk, "version": row.version,
                                          "action": "acknowledge"})  # fmt: skip
    stale = client.post("/enforcement/summons/", {"summons": row.pk, "version": row.version,
                                                  "action": "arrive"})  # fmt: skip
    assert stale.status_code == 409
    row.refresh_from_db()
    assert row.status == "acknowledged" and row.acknowledged_at is not None


def test_a_resident_of_the_partner_unit_cannot_answer_its_summons(enf, client_for, client):
    """Membership as a resident says where someone lives, not that they answer for the unit."""
    from yiwang.accounts.models import Membership, Role

    case = opened(enf)
    row = svc.case_summon(actor=enf.zhifa, case=case, version=case.version,
                          partners=[enf.world.department2.code], hours=1,
                          note="联合检查")[0]  # fmt: skip
    resident = enf.world.users["resident"]
    Membership.objects.create(user=resident, org_unit=enf.world.department2, role=Role.RESIDENT)
    url = f"/api/v1/enforcement/summons/{row.pk}/acknowledge/"
    answer = client_for(resident).post(url, {"version": row.version}, format="json")
    assert answer.status_code == 404
    login(client, resident)
    assert client.post("/enforcement/summons/", {"summons": "x1"}).status_code == 404
    assert case.code not in client.get("/enforcement/summons/").content.decode()
    row.refresh_from_db()
    assert row.status == "summoned" and row.acknowledged_at is None
