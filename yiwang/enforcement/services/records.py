"""Recorded steps of 普通程序 that do not move the case's stage: 询问笔录 and 现场检查（勘验）
笔录 (Arts. 46, 55), 先行登记保存 (Art. 56), 陈述申辩 and its 复核 (Art. 45) and the 集体讨论
of a major case (Art. 57 ¶2). Each is one transaction, one timeline row and one audit row, and
bumps the case's version (a stale page answers 409).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from yiwang.core.audit import acting_user
from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.core.validators import check_id_number
from yiwang.core.workdays import TimeUnit
from yiwang.enforcement.errors import EnforcementErrorCode as E
from yiwang.enforcement.models import (
    Case,
    CaseRecord,
    Discussion,
    DocumentKind,
    Preservation,
    Statement,
)
from yiwang.enforcement.services.cases import (
    _lock,
    _meet,
    _officer_users,
    _require_case_officer,
    _require_stage,
    _save,
    _set_deadline,
)
from yiwang.enforcement.services.common import moment, record, text
from yiwang.enforcement.services.numbering import document_issue

S = Case.Stage
# Art. 56: 先行登记保存 decided on within 7 days; "七日" is counted in working days (Art. 85).
PRESERVATION_DAYS = 7
# Stages after 告知 and before 决定, when the party may state its case (Arts. 44–45).
STATEMENT_STAGES = [S.NOTIFIED, S.HEARING, S.HEARD, S.REVIEWED]
MIN_DISCUSSANTS = 3  # 负责人集体讨论: a local default (the law names no number)


def _not_future(value, *, field, label, now):
    if value > now + dt.timedelta(minutes=5):
        raise ValidationFailed(f"{label}不能晚于现在。", fields={field: ["晚于现在"]})
    return value


@transaction.atomic
def case_take_record(
    *,
    actor,
    case,
    version,
    kind,
    started_at,
    ended_at,
    place,
    subject_name,
    subject_role,
    content,
    officers,
    subject_id_number="",
) -> CaseRecord:
    """询问笔录 / 现场检查（勘验）笔录 during 调查取证 (Arts. 46, 55), taken by at least two
    certified officers of the case (Art. 42), with its paper."""
    case = _lock(case, version)
    _require_stage(case, [S.INVESTIGATING], "制作笔录")
    _require_case_officer(actor, case)
    if kind not in CaseRecord.Kind.values:
        raise ValidationFailed(
            "笔录种类不正确。", fields={"kind": [f"可选：{CaseRecord.Kind.values}"]}
        )
    now = timezone.now()
    start = moment(started_at, field="started_at", label="开始时间")
    end = moment(ended_at, field="ended_at", label="结束时间", default=now)
    _not_future(end, field="ended_at", label="结束时间", now=now)
    if end < start:
        raise ValidationFailed("结束时间应晚于开始时间。", fields={"ended_at": ["早于开始时间"]})
    users = _officer_users(case, officers)
    id_number = (subject_id_number or "").strip().upper()
    if id_number and check_id_number(id_number):
        error = check_id_number(id_number)
        raise ValidationFailed(f"被询问人{error}", fields={"subject_id_number": [error]})
    item = CaseRecord.objects.create(
        case=case,
        kind=kind,
        started_at=start,
        ended_at=end,
        place=text(place, field="place", label="地点", max_length=200),
        subject_name=text(subject_name, field="subject_name", label="姓名", max_length=100),
        subject_role=text(subject_role, field="subject_role", label="身份", max_length=40),
        subject_id_number=id_number,
        content=text(content, field="content", label="笔录内容", max_length=20000),
        recorded_by=acting_user(actor),
    )
    item.officers.set(users)
    doc = document_issue(actor=actor, case=case, kind=kind, at=now, ref=item.ref)
    _save(case, [])
    record(case, actor=actor, action="take_record", from_stage=case.stage, at=now,
           note=f"{item.get_kind_display()}：{item.subject_name}（{item.subject_role}）",
           data={"record": item.pk, "kind": kind, "document": doc.pk})  # fmt: skip
    return item


@transaction.atomic
def case_preserve(*, actor, case, version, items, place, reason, approver, saved_at=None):
    """先行登记保存 (Art. 56): where evidence may be lost or hard to obtain later, with the
    approval of the agency head; a decision is due within 7 working days (Art. 85)."""
    case = _lock(case, version)
    _require_stage(case, [S.INVESTIGATING], "先行登记保存")
    _require_case_officer(actor, case)
    now = timezone.now()
    at = _not_future(moment(saved_at, field="saved_at", label="保存时间", default=now),
                     field="saved_at", label="保存时间", now=now)  # fmt: skip
    item = Preservation.objects.create(
        case=case,
        items=text(items, field="items", label="物品清单"),
        place=text(place, field="place", label="保存地点", max_length=200),
        reason=text(reason, field="reason", label="理由"),
        approver=text(approver, field="approver", label="批准负责人", max_length=50),
        saved_at=at,
        due=at,
        created_by=acting_user(actor),
    )
    # Art. 56: "应当在七日内及时作出处理决定" — 七日 is working days (Art. 85).
    row = _set_deadline(case, step=item.step, label="先行登记保存处理决定",
                        article="行政处罚法第五十六条、第八十五条", start=at,
                        value=PRESERVATION_DAYS, unit=TimeUnit.WORK_DAYS)  # fmt: skip
    item.due = row.due
    item.save(update_fields=["due"])
    doc = document_issue(actor=actor, case=case, kind=DocumentKind.PRESERVATION, at=now,
                         ref=item.ref)  # fmt: skip
    _save(case, [])
    record(case, actor=actor, action="preserve", from_stage=case.stage, at=now,
           note=f"经{item.approver}批准先行登记保存：{item.items[:200]}",
           data={"preservation": item.pk, "due": item.due, "number": doc.number})  # fmt: skip
    return item


@transaction.atomic
def case_preservation_decide(*, actor, case, version, preservation, decision, note=""):
    """The 处理决定 on a 先行登记保存 (Art. 56); one made after the 7 working days is recorded
    as late (the deadline turns red), never silently."""
    case = _lock(case, version)
    _require_stage(case, list(Case.OPEN_STAGES), "作出先行登记保存处理决定")
    _require_case_officer(actor, case)
    item = Preservation.objects.select_for_update().filter(case=case, pk=preservation).first()
    if item is None:
        raise ValidationFailed("本案没有这项先行登记保存。", fields={"preservation": ["不存在"]})
    if item.decided_at is not None:
        raise Conflict("该先行登记保存已作出处理决定。", code=E.WRONG_STAGE)
    if decision not in Preservation.Decision.values:
        raise ValidationFailed(
            "处理决定不正确。", fields={"decision": [f"可选：{Preservation.Decision.values}"]}
        )
    now = timezone.now()
    item.decision, item.decided_at = decision, now
    item.decision_note = text(note, field="note", label="处理说明", required=False)
    item.save(update_fields=["decision", "decision_note", "decided_at"])
    _meet(case, item.step, now)
    _save(case, [])
    note = item.get_decision_display() + (f"：{item.decision_note}" if item.decision_note else "")
    record(case, actor=actor, action="preservation_decide", from_stage=case.stage, at=now,
           note=note, data={"preservation": item.pk, "decision": decision,
                            "late": now > item.due})  # fmt: skip
    return item


@transaction.atomic
def case_record_statement(*, actor, case, version, speaker, content, method="书面",
                          received_at=None) -> Statement:  # fmt: skip
    """陈述申辩 of the party after 告知 (Arts. 44–45), recorded as its own item; the authority
    must re-check it (复核) before deciding."""
    case = _lock(case, version)
    _require_procedure_ordinary(case)
    _require_stage(case, STATEMENT_STAGES, "登记陈述申辩")
    _require_case_officer(actor, case)
    now = timezone.now()
    at = moment(received_at, field="received_at", label="提出时间", default=now)
    _not_future(at, field="received_at", label="提出时间", now=now)
    if case.notified_at and at < case.notified_at - dt.timedelta(minutes=1):
        raise ValidationFailed("陈述申辩应在告知之后提出。", fields={"received_at": ["早于告知"]})
    if method not in ("书面", "口头"):
        raise ValidationFailed("方式应为书面或口头。", fields={"method": ["书面或口头"]})
    item = Statement.objects.create(
        case=case,
        received_at=at,
        method=method,
        speaker=text(speaker, field="speaker", label="陈述申辩人", max_length=100),
        content=text(content, field="content", label="陈述申辩内容", max_length=20000),
        recorded_by=acting_user(actor),
    )
    _save(case, [])
    record(case, actor=actor, action="statement", from_stage=case.stage, at=now,
           note=f"{item.speaker}（{method}）：{item.content[:300]}",
           data={"statement": item.pk})  # fmt: skip
    return item


def _require_procedure_ordinary(case: Case) -> None:
    if case.procedure != Case.Procedure.ORDINARY:
        raise Conflict("简易程序案件没有事先告知后的陈述申辩程序。", code=E.WRONG_STAGE)


@transaction.atomic
def case_review_statement(*, actor, case, version, statement, conclusion, review) -> Statement:
    """复核 of a 陈述申辩 (Art. 45 ¶1: "应当进行复核；当事人提出的事实、理由或者证据成立的，
    应当予以采纳"). The review cannot raise the proposed penalty (Art. 45 ¶2): the decision
    stays capped at what was notified."""
    case = _lock(case, version)
    _require_stage(case, STATEMENT_STAGES, "复核陈述申辩")
    _require_case_officer(actor, case)
    item = Statement.objects.select_for_update().filter(case=case, pk=statement).first()
    if item is None:
        raise ValidationFailed("本案没有这条陈述申辩。", fields={"statement": ["不存在"]})
    if item.reviewed_at is not None:
        raise Conflict("该陈述申辩已复核。", code=E.WRONG_STAGE)
    if conclusion not in Statement.Conclusion.values:
        raise ValidationFailed(
            "复核结论应为采纳、部分采纳或不予采纳。",
            fields={"conclusion": [f"可选：{Statement.Conclusion.values}"]},
        )
    now = timezone.now()
    item.conclusion = conclusion
    item.review = text(review, field="review", label="复核意见")
    item.reviewed_by, item.reviewed_at = acting_user(actor), now
    item.save(update_fields=["conclusion", "review", "reviewed_by", "reviewed_at"])
    _save(case, [])
    record(case, actor=actor, action="review_statement", from_stage=case.stage, at=now,
           note=f"{item.get_conclusion_display()}：{item.review[:300]}",
           data={"statement": item.pk, "conclusion": conclusion})  # fmt: skip
    return item


def _names(value) -> list[str]:
    if isinstance(value, str):
        value = value.replace("，", ",").replace("、", ",").replace("\n", ",").split(",")
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationFailed("参加人员应为姓名列表。", fields={"participants": ["应为姓名列表"]})
    names = [v.strip() for v in value if v.strip()]
    return list(dict.fromkeys(names))


@transaction.atomic
def case_discuss(*, actor, case, version, chair, participants, record_text, conclusion,
                 held_at=None) -> Discussion:  # fmt: skip
    """重大案件 集体讨论 (Art. 57 ¶2: "情节复杂或者重大违法行为给予行政处罚，行政机关负责人
    应当集体讨论决定"), recorded before 决定 with its participants and conclusion."""
    case = _lock(case, version)
    _require_procedure_ordinary(case)
    _require_stage(case, [S.NOTIFIED, S.REVIEWED], "集体讨论")
    _require_case_officer(actor, case)
    names = _names(participants)
    if len(names) < MIN_DISCUSSANTS:
        raise ValidationFailed(
            f"集体讨论应由行政机关负责人集体进行，参加人员不少于 {MIN_DISCUSSANTS} 人"
            "（行政处罚法第五十七条第二款）。",
            code=E.COLLECTIVE_REQUIRED,
            fields={"participants": [f"至少 {MIN_DISCUSSANTS} 人"]},
        )
    now = timezone.now()
    at = moment(held_at, field="held_at", label="讨论时间", default=now)
    _not_future(at, field="held_at", label="讨论时间", now=now)
    item = Discussion.objects.create(
        case=case,
        held_at=at,
        chair=text(chair, field="chair", label="主持人", max_length=50),
        participants=names,
        record=text(record_text, field="record", label="讨论记录", max_length=20000),
        conclusion=text(conclusion, field="conclusion", label="讨论结论"),
        recorded_by=acting_user(actor),
    )
    case.collective_discussion = item.conclusion
    _save(case, ["collective_discussion"])
    record(case, actor=actor, action="discuss", from_stage=case.stage, at=now,
           note=f"主持：{item.chair}；参加：{'、'.join(names)}；结论：{item.conclusion[:300]}",
           data={"discussion": item.pk, "participants": names})  # fmt: skip
    return item
