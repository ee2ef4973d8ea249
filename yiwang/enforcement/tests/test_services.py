"""The case services walked step by step, with the law's refusals (Bad input of issue 12)."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from yiwang.core.errors import Conflict, Forbidden, ServiceError, StaleVersion, ValidationFailed
from yiwang.core.models import AuditEvent
from yiwang.enforcement import services as svc
from yiwang.enforcement.models import Case, Deadline, Document, Interest
from yiwang.enforcement.tests.conftest import PERSON_ID

S = Case.Stage
PERSON = {"kind": "person", "name": "王某", "id_number": PERSON_ID, "phone": "13912345678"}


def org(enf):
    return {"kind": "organisation", "name": enf.entity.name, "credit_code": enf.entity.uscc}


def open_case(enf, procedure="ordinary", matter="ZF-CG-017", party=None, actor=None):
    return svc.case_open(
        actor=actor or enf.zhifa, procedure=procedure, matter=matter,
        party=party or PERSON, facts="未经规划许可在屋顶搭建彩钢板房约 40 平方米",
    )  # fmt: skip


def unchanged(case, stage):
    case.refresh_from_db()
    assert case.stage == stage
    return case


def to_investigated(enf, case):
    case = svc.case_file(actor=enf.zhifa, case=case, version=case.version,
                         officers=["zhifa", "zhifa2"])  # fmt: skip
    photo = SimpleUploadedFile("roof.jpg", b"\xff\xd8 fake jpeg bytes", "image/jpeg")
    item = svc.case_add_evidence(
        actor=enf.zhifa, case=case, version=case.version, kind="record", title="现场检查笔录",
        place="星华街 8 号屋顶", file=photo,
    )  # fmt: skip
    assert item.sha256 == hashlib.sha256(b"\xff\xd8 fake jpeg bytes").hexdigest()
    case.refresh_from_db()
    return svc.case_end_investigation(actor=enf.zhifa, case=case, version=case.version)


# --- opening and 简易程序 -------------------------------------------------------------------


def test_party_is_checked_and_encrypted(enf):
    with pytest.raises(ValidationFailed) as bad:
        open_case(enf, party={**PERSON, "id_number": "110105194912310021"})
    assert "校验位" in bad.value.message
    case = open_case(enf)
    with connection.cursor() as cursor:
        cursor.execute("SELECT party_id_number FROM enforcement_case WHERE id = %s", [case.pk])
        raw = cursor.fetchone()[0]
    assert PERSON_ID not in raw and case.party_id_masked.startswith("110105")
    company = open_case(enf, party=org(enf))
    assert company.legal_entity == enf.entity  # linked to the 法人库 by its credit code


def test_simple_case_decided_on_the_spot_with_numbered_form(enf):
    case = open_case(enf, procedure="simple", matter="ZF-CG-001")
    case = svc.case_decide_on_spot(actor=enf.zhifa, case=case, version=case.version,
                                   penalty={"kind": "fine", "amount": "100"})  # fmt: skip
    assert case.stage == S.SERVED and case.fine_amount == Decimal("100.00")
    doc = Document.objects.get(case=case, kind="on_spot")
    year = timezone.localtime(doc.issued_at).year
    assert doc.number == f"唯综执当罚字〔{year}〕第0001号"
    payment = case.deadlines.get(step="payment")
    assert payment.unit == "days" and (payment.due - payment.start) == dt.timedelta(days=15)
    case = svc.case_record_payment(actor=enf.zhifa, case=case, version=case.version,
                                   amount="100", on_spot=True)  # fmt: skip
    case = svc.case_close(actor=enf.zhifa, case=case, version=case.version)
    assert case.stage == S.CLOSED


def test_simple_fine_above_art_51_is_refused(enf):
    # 运输遗撒: 200–2,000 元 for a person; within the range but above Art. 51's 200 元
    case = open_case(enf, procedure="simple", matter="ZF-CG-007")
    with pytest.raises(ValidationFailed) as bad:
        svc.case_decide_on_spot(actor=enf.zhifa, case=case, version=case.version,
                                penalty={"kind": "fine", "amount": "500"})  # fmt: skip
    assert "第五十一条" in bad.value.message and bad.value.code == "simple_threshold"
    unchanged(case, S.CLUE)
    assert not Document.objects.filter(case=case).exists()
    # an organisation may be fined up to 3,000 on the spot
    company = open_case(enf, procedure="simple", matter="ZF-CG-001", party=org(enf))
    with pytest.raises(ValidationFailed):
        svc.case_decide_on_spot(actor=enf.zhifa, case=company, version=company.version,
                                penalty={"kind": "fine", "amount": "3000.01"})  # fmt: skip
    company = svc.case_decide_on_spot(actor=enf.zhifa, case=company, version=company.version,
                                      penalty={"kind": "fine", "amount": "3000"})  # fmt: skip
    assert company.fine_amount == Decimal("3000")


def test_on_spot_collection_only_up_to_100(enf):
    case = open_case(enf, procedure="simple", matter="ZF-CG-001")
    case = svc.case_decide_on_spot(actor=enf.zhifa, case=case, version=case.version,
                                   penalty={"kind": "fine", "amount": "150"})  # fmt: skip
    with pytest.raises(ValidationFailed) as bad:
        svc.case_record_payment(actor=enf.zhifa, case=case, version=case.version,
                                amount="150", on_spot=True)  # fmt: skip
    assert "第六十八条" in bad.value.message
    unchanged(case, S.SERVED)


def test_penalty_outside_the_matters_range_is_refused(enf):
    case = open_case(enf, procedure="simple", matter="ZF-CG-001")
    with pytest.raises(ValidationFailed) as bad:
        svc.case_decide_on_spot(actor=enf.zhifa, case=case, version=case.version,
                                penalty={"kind": "fine", "amount": "10"})  # fmt: skip
    assert "法定幅度" in bad.value.message and bad.value.code == "penalty_out_of_range"
    prices = open_case(enf, procedure="simple", matter="ZF-SC-006")  # 价格法 Art. 42: no warning
    with pytest.raises(ValidationFailed) as bad:
        svc.case_decide_on_spot(actor=enf.zhifa, case=prices, version=prices.version,
                                penalty={"kind": "warning"})  # fmt: skip
    assert "警告" in bad.value.message
    unchanged(prices, S.CLUE)


def test_simple_procedure_refused_for_a_matter_without_it(enf):
    with pytest.raises(ValidationFailed) as bad:
        open_case(enf, procedure="simple", matter="ZF-CG-017")
    assert "简易程序" in bad.value.message
    assert not Case.objects.exists()


def test_only_certified_officers_act(enf):
    with pytest.raises(Forbidden):
        open_case(enf, actor=enf.world.users["dispatcher"])


# --- 普通程序 -------------------------------------------------------------------------------


def test_one_officer_alone_cannot_file(enf):
    case = open_case(enf)
    with pytest.raises(ValidationFailed) as bad:
        svc.case_file(actor=enf.zhifa, case=case, version=case.version, officers=["zhifa"])
    assert "不得少于两人" in bad.value.message and "第四十二条" in bad.value.message
    with pytest.raises(ValidationFailed):  # a user without a certificate does not count
        svc.case_file(actor=enf.zhifa, case=case, version=case.version,
                      officers=["zhifa", "dispatcher"])  # fmt: skip
    unchanged(case, S.CLUE)


def test_conflicted_officer_must_withdraw(enf):
    Interest.objects.create(
        user=enf.zhifa2,
        id_hash=__import__("yiwang.core.pii", fromlist=["lookup_hash"]).lookup_hash(PERSON_ID),
        reason="配偶之兄",
    )
    case = open_case(enf)
    with pytest.raises(Conflict) as bad:
        svc.case_file(actor=enf.zhifa, case=case, version=case.version,
                      officers=["zhifa", "zhifa2"])  # fmt: skip
    assert "回避" in bad.value.message and "配偶之兄" in bad.value.message
    unchanged(case, S.CLUE)


def test_steps_out_of_order_are_refused(enf):
    case = open_case(enf)
    with pytest.raises(Conflict) as bad:
        svc.case_notify(actor=enf.zhifa, case=case, version=case.version,
                        penalty={"kind": "fine", "amount": "5000"})  # fmt: skip
    assert bad.value.code == "wrong_stage"
    case = svc.case_file(actor=enf.zhifa, case=case, version=case.version,
                         officers=["zhifa", "zhifa2"])  # fmt: skip
    with pytest.raises(Conflict) as bad:  # no evidence yet
        svc.case_end_investigation(actor=enf.zhifa, case=case, version=case.version)
    assert bad.value.code == "evidence_required"
    unchanged(case, S.INVESTIGATING)


def test_stale_version_is_refused(enf):
    case = open_case(enf)
    with pytest.raises(StaleVersion):
        svc.case_file(actor=enf.zhifa, case=case, version=case.version + 1,
                      officers=["zhifa", "zhifa2"])  # fmt: skip


def test_ordinary_case_with_hearing_to_closure(enf):
    case = to_investigated(enf, open_case(enf))
    decide = case.deadlines.get(step="decide")
    assert decide.unit == "days" and decide.value == 90  # Art. 60, calendar days
    case = svc.case_notify(actor=enf.zhifa, case=case, version=case.version,
                           penalty={"kind": "fine", "amount": "20000"})  # fmt: skip
    assert case.hearing_offered
    window = case.deadlines.get(step="request_hearing")
    assert window.unit == "work_days" and window.value == 5  # Art. 64 + Art. 85
    with pytest.raises(ValidationFailed) as bad:  # notice less than 7 working days before
        svc.case_request_hearing(actor=enf.zhifa, case=case, version=case.version,
                                 hearing_at=timezone.now() + dt.timedelta(days=2))  # fmt: skip
    assert "七日前" in bad.value.message
    case = svc.case_request_hearing(
        actor=enf.zhifa,
        case=case,
        version=case.version,
        hearing_at=timezone.now() + dt.timedelta(days=20),
    )
    assert case.deadlines.get(step="decide").state == Deadline.State.PAUSED
    # the hearing takes place: move the schedule into the past, as time would
    Case.objects.filter(pk=case.pk).update(
        hearing_at=timezone.now() - dt.timedelta(hours=1),
        hearing_requested_at=timezone.now() - dt.timedelta(days=12),
    )
    case.refresh_from_db()
    with pytest.raises(Conflict) as bad:  # an investigator may not chair
        svc.case_hold_hearing(actor=enf.zhifa, case=case, version=case.version, chair="zhifa2",
                              record_text="当事人陈述：搭建用于晾晒")  # fmt: skip
    assert "第六十四条" in bad.value.message
    before_due = case.deadlines.get(step="decide").due
    case = svc.case_hold_hearing(actor=enf.zhifa, case=case, version=case.version, chair="fazhi",
                                 record_text="当事人陈述：搭建用于晾晒")  # fmt: skip
    resumed = case.deadlines.get(step="decide")
    assert resumed.state == Deadline.State.OPEN and resumed.due - before_due >= dt.timedelta(
        days=12
    )
    with pytest.raises(Conflict) as bad:  # heard: 法制审核 first (Art. 58)
        svc.case_decide(actor=enf.zhifa, case=case, version=case.version, outcome="penalty",
                        penalty={"kind": "fine", "amount": "20000"})  # fmt: skip
    assert bad.value.code == "review_required"
    with pytest.raises(Forbidden):  # the investigator may not review
        svc.case_legal_review(actor=enf.zhifa, case=case, version=case.version, opinion="同意")
    case = svc.case_legal_review(
        actor=enf.fazhi,
        case=case,
        version=case.version,
        opinion="事实清楚，证据确凿，适用依据正确，程序合法",
    )
    with pytest.raises(ValidationFailed) as bad:  # heavier than notified (Art. 45)
        svc.case_decide(
            actor=enf.zhifa,
            case=case,
            version=case.version,
            outcome="penalty",
            penalty={"kind": "fine", "amount": "25000"},
        )
    assert "第四十五条" in bad.value.message
    with pytest.raises(Conflict) as bad:  # heard: a major case, 集体讨论 needed (Art. 57 ¶2)
        svc.case_decide(actor=enf.zhifa, case=case, version=case.version, outcome="penalty",
                        penalty={"kind": "fine", "amount": "15000"})  # fmt: skip
    assert "集体讨论" in bad.value.message and bad.value.code == "collective_required"
    svc.case_discuss(actor=enf.zhifa, case=case, version=case.version, chair="周局长",
                     participants="周局长、陈副局长、吴副局长", record_text="逐一发表意见",
                     conclusion="同意罚款15000元")  # fmt: skip
    case.refresh_from_db()
    case = svc.case_decide(
        actor=enf.zhifa,
        case=case,
        version=case.version,
        outcome="penalty",
        penalty={"kind": "fine", "amount": "15000"},
    )
    serve = case.deadlines.get(step="serve")
    assert serve.unit == "work_days" and serve.value == 7  # Art. 61 + Art. 85
    decision = Document.objects.get(case=case, kind="decision")
    assert decision.number.startswith("唯综执罚决字〔") and decision.number.endswith("第0001号")
    case = svc.case_serve(actor=enf.zhifa, case=case, version=case.version, method="直接送达")
    with pytest.raises(Conflict):  # unpaid fine: no closing yet
        svc.case_close(actor=enf.zhifa, case=case, version=case.version)
    case = svc.case_record_payment(actor=enf.zhifa, case=case, version=case.version,
                                   amount="15000")  # fmt: skip
    case = svc.case_close(actor=enf.zhifa, case=case, version=case.version)
    assert case.stage == S.CLOSED
    actions = list(case.events.values_list("action", flat=True))
    assert actions == ["open", "file", "add_evidence", "end_investigation", "notify",
                       "request_hearing", "hold_hearing", "legal_review", "discuss", "decide",
                       "serve", "record_payment", "close"]  # fmt: skip
    assert AuditEvent.objects.filter(action__startswith="enforcement.case.").count() == 13


def test_hearing_request_after_five_working_days_is_refused(enf):
    case = to_investigated(enf, open_case(enf))
    case = svc.case_notify(actor=enf.zhifa, case=case, version=case.version,
                           penalty={"kind": "fine", "amount": "20000"})  # fmt: skip
    past = timezone.now() - dt.timedelta(days=20)
    Case.objects.filter(pk=case.pk).update(notified_at=past)
    case.deadlines.filter(step="request_hearing").update(
        start=past, due=past + dt.timedelta(days=7)
    )
    case.refresh_from_db()
    with pytest.raises(Conflict) as bad:
        svc.case_request_hearing(
            actor=enf.zhifa,
            case=case,
            version=case.version,
            hearing_at=timezone.now() + dt.timedelta(days=20),
        )
    assert "五个工作日" in bad.value.message and bad.value.code == "deadline_passed"
    unchanged(case, S.NOTIFIED)


def test_decision_after_90_days_without_extension_is_refused(enf):
    case = to_investigated(enf, open_case(enf, matter="ZF-CG-012"))
    case = svc.case_notify(actor=enf.zhifa, case=case, version=case.version,
                           penalty={"kind": "fine", "amount": "2000"})  # fmt: skip
    assert not case.hearing_offered
    case.deadlines.filter(step="decide").update(due=timezone.now() - dt.timedelta(days=1))
    with pytest.raises(Conflict) as bad:
        svc.case_decide(actor=enf.zhifa, case=case, version=case.version, outcome="penalty",
                        penalty={"kind": "fine", "amount": "2000"})  # fmt: skip
    assert "第六十条" in bad.value.message
    unchanged(case, S.NOTIFIED)
    with pytest.raises(Conflict):  # an extension after expiry is refused too
        svc.case_extend(actor=enf.zhifa, case=case, version=case.version, days=30,
                        reason="需检测", approver="局长")  # fmt: skip


def test_recorded_extension_allows_the_decision(enf):
    case = to_investigated(enf, open_case(enf, matter="ZF-CG-012"))
    case = svc.case_notify(actor=enf.zhifa, case=case, version=case.version,
                           penalty={"kind": "fine", "amount": "2000"})  # fmt: skip
    case.deadlines.filter(step="decide").update(due=timezone.now() + dt.timedelta(hours=1))
    case = svc.case_extend(actor=enf.zhifa, case=case, version=case.version, days=30,
                           reason="需委托检测", approver="王局长")  # fmt: skip
    case.deadlines.filter(step="decide").update(due=timezone.now() + dt.timedelta(days=29))
    case = svc.case_decide(actor=enf.zhifa, case=case, version=case.version, outcome="penalty",
                           penalty={"kind": "fine", "amount": "2000"})  # fmt: skip
    assert case.stage == S.DECIDED and case.extension_days == 30


def test_late_fee_is_three_percent_a_day_capped_at_the_fine(enf):
    case = open_case(enf, procedure="simple", matter="ZF-CG-001")
    case = svc.case_decide_on_spot(actor=enf.zhifa, case=case, version=case.version,
                                   penalty={"kind": "fine", "amount": "200"})  # fmt: skip
    due = case.deadlines.get(step="payment").due
    days, fee = svc.late_fee(case, due + dt.timedelta(days=10))
    assert (days, fee) == (10, Decimal("60.00"))
    assert svc.late_fee(case, due + dt.timedelta(days=100)) == (100, Decimal("200"))
    served = timezone.now() - dt.timedelta(days=25)
    Case.objects.filter(pk=case.pk).update(served_at=served)
    case.deadlines.filter(step="payment").update(start=served, due=served + dt.timedelta(days=15))
    case.refresh_from_db()
    with pytest.raises(ValidationFailed) as bad:
        svc.case_record_payment(actor=enf.zhifa, case=case, version=case.version, amount="200")
    assert "第七十二条" in bad.value.message
    case = svc.case_record_payment(actor=enf.zhifa, case=case, version=case.version,
                                   amount=str(200 + bad_fee(case)))  # fmt: skip
    assert case.late_fee > 0 and case.stage == S.EXECUTED


def bad_fee(case):
    return svc.late_fee(case, timezone.now())[1]


def test_document_number_asked_twice_is_refused_and_voided_numbers_not_reused(enf):
    case = to_investigated(enf, open_case(enf))
    first = Document.objects.get(case=case, kind="filing")
    with pytest.raises(Conflict) as bad:
        svc.document_issue(actor=enf.zhifa, case=case, kind="filing")
    assert bad.value.code == "document_numbered"
    assert Document.objects.filter(kind="filing").count() == 1
    svc.document_void(actor=enf.zhifa, document=first, reason="当事人名称有误")
    again = svc.document_issue(actor=enf.zhifa, case=case, kind="filing")
    assert again.serial == first.serial + 1  # the voided number stays recorded, unused
    assert Document.objects.get(pk=first.pk).void_reason == "当事人名称有误"


def test_sweep_marks_overdue_once(enf):
    case = open_case(enf)
    case = svc.case_file(actor=enf.zhifa, case=case, version=case.version,
                         officers=["zhifa", "zhifa2"])  # fmt: skip
    case.deadlines.filter(step="decide").update(due=timezone.now() - dt.timedelta(minutes=1))
    assert svc.case_deadline_sweep() == {"overdue": 1, "late_publications": 0}
    assert svc.case_deadline_sweep() == {"overdue": 0, "late_publications": 0}
    assert case.events.filter(action="supervise").count() == 1


def test_case_from_work_order_completes_it_on_closing(enf):
    from yiwang.workorders.models import WorkOrder

    order = dispatched_order(enf)
    case = svc.case_open(
        actor=enf.zhifa,
        procedure="simple",
        matter="ZF-CG-001",
        party=PERSON,
        facts="水果摊占用人行道经营",
        work_order=order.pk,
    )
    assert case.work_order == order and case.source == "work_order"
    from yiwang.workorders.links import links_for

    shown = links_for(order, enf.zhifa)  # the order page shows 已立案 with the case's link
    assert [link.badge for link in shown] == ["已立案"] and case.code in shown[0].label
    with pytest.raises(Conflict):  # one open case per order
        svc.case_open(actor=enf.zhifa, procedure="simple", matter="ZF-CG-001", party=PERSON,
                      facts="重复", work_order=order.pk)  # fmt: skip
    case = svc.case_decide_on_spot(actor=enf.zhifa, case=case, version=case.version,
                                   penalty={"kind": "warning"})  # fmt: skip
    case = svc.case_close(actor=enf.zhifa, case=case, version=case.version)
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.COMPLETED
    note = order.events.order_by("-id").first().note
    assert case.code in note and "警告" in note


def dispatched_order(enf, category="09006", description="星华街水果店占道经营，堵塞人行道"):
    from yiwang.enforcement.tests.conftest import work_order

    return work_order(enf, category=category, description=description)


def test_service_errors_are_service_errors():
    assert issubclass(Conflict, ServiceError)
