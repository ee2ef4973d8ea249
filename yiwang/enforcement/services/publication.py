"""公开: penalty decisions (行政处罚法 Art. 48) and 双随机 results (优化营商环境条例 Art. 54,
"及时公开"), each due within a number of working days, published to the public pages by an
officer, and swept: an unpublished item past its due time is flagged once (compare-and-set) with
an audit row and a notice.

Periods (local rules, configurable; reference.md §4.4 marks the 20-day figure [unverified]):
- 双随机 results: 20 working days from the result (`YIWANG_PUBLISH_INSPECTION_WORKDAYS`);
- penalty decisions of 普通程序: 7 working days from the decision, the 双公示 practice of the
  credit platforms (`YIWANG_PUBLISH_DECISION_WORKDAYS`). 简易程序 decisions are not published.
Only the name of an organisation (and its 统一社会信用代码) is published in full; a person's
name is masked and an ID number is never published (个人信息保护法 Art. 6).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yiwang.core.audit import acting_user, audit_record
from yiwang.core.errors import Conflict, Forbidden
from yiwang.core.pii import mask_name
from yiwang.core.workdays import TimeUnit, deadline_for
from yiwang.enforcement.errors import EnforcementErrorCode as E
from yiwang.enforcement.models import Case, Party, Publication
from yiwang.enforcement.services.common import record, text


def decision_days() -> int:
    return int(getattr(settings, "YIWANG_PUBLISH_DECISION_WORKDAYS", 7))


def inspection_days() -> int:
    return int(getattr(settings, "YIWANG_PUBLISH_INSPECTION_WORKDAYS", 20))


def public_party(case: Case) -> str:
    if case.party_kind == Party.ORGANISATION:
        return f"{case.party_name}（统一社会信用代码 {case.party_credit_code}）"
    return mask_name(case.party_name)


def publication_due_for_decision(case: Case, doc, now) -> Publication | None:
    """Called inside case_decide's transaction: the decision is now due for publication."""
    if case.procedure != Case.Procedure.ORDINARY:
        return None
    warning = case.penalty_kind == Case.PenaltyKind.WARNING
    penalty = "警告" if warning else f"罚款 {case.fine_amount} 元"
    summary = (
        f"决定书文号：{doc.number}；当事人：{public_party(case)}；违法行为：{case.matter.name}；"
        f"处罚依据：{case.matter.legal_basis}；处罚内容：{penalty}；"
        f"作出决定日期：{timezone.localtime(now):%Y-%m-%d}。"
    )
    return Publication.objects.create(
        kind=Publication.Kind.DECISION,
        case=case,
        title=f"{case.matter.name}（{doc.number}）",
        summary=summary,
        start=now,
        due=deadline_for(now, decision_days(), TimeUnit.WORK_DAYS),
    )


def publication_due_for_result(target, now) -> Publication:
    """Called inside inspection_result_record's transaction."""
    summary = (
        f"抽查计划：{target.plan.name}；检查对象：{target.entity.name}（统一社会信用代码 "
        f"{target.entity.uscc}）；检查结果：{target.get_result_display()}"
        f"{'；' + target.result_note if target.result_note else ''}；"
        f"检查日期：{timezone.localtime(now):%Y-%m-%d}。"
    )
    return Publication.objects.create(
        kind=Publication.Kind.INSPECTION,
        target=target,
        title=f"{target.plan.name}：{target.entity.name}",
        summary=summary[:4000],
        start=now,
        due=deadline_for(now, inspection_days(), TimeUnit.WORK_DAYS),
    )


@transaction.atomic
def publication_publish(*, actor, publication: Publication) -> Publication:
    """Publish on the public pages; one published after its due time stays marked late."""
    pub = Publication.objects.select_for_update().get(pk=publication.pk)
    if pub.published_at is not None:
        raise Conflict("该信息已公开。", code=E.PUBLICATION)
    now = timezone.now()
    pub.published_at, pub.published_by = now, acting_user(actor)
    pub.save(update_fields=["published_at", "published_by"])
    data = {"publication": pub.pk, "due": pub.due, "late": now > pub.due}
    if pub.case_id:
        case = Case.objects.select_for_update().get(pk=pub.case_id)
        case.bump_version(fields=["updated_at"])
        record(case, actor=actor, action="publish", from_stage=case.stage, at=now,
               note="已公开行政处罚决定" + ("（超过公开期限）" if now > pub.due else ""),
               data=data)  # fmt: skip
    else:
        audit_record(actor=actor, action="enforcement.publication.publish", target=pub, after=data)
    return pub


def publication_may_withdraw(user, case: Case) -> bool:
    """Who may withdraw a case's published decision: its handling officers (承办人员) and the
    agency's legal reviewers (法制审核人员), each a certified officer of the case's agency."""
    from yiwang.enforcement.services.common import officer_of

    officer = officer_of(user)
    if officer is None or officer.department_id != case.department_id:
        return False
    return officer.legal_reviewer or any(u.pk == user.pk for u in case.officers.all())


def _require_withdrawer(actor, pub: Publication) -> None:
    from yiwang.enforcement.services.common import require_officer

    if pub.case_id is None:  # a 双随机 result: an officer of the plan's agency
        require_officer(actor, pub.target.plan.department)
        return
    if not publication_may_withdraw(actor, pub.case):
        raise Forbidden(
            "只有本案承办人员或本机构法制审核人员可以撤回公开的处罚决定。", code=E.FORBIDDEN
        )


@transaction.atomic
def publication_withdraw(*, actor, publication: Publication, reason: str) -> Publication:
    """撤回 a published decision that was changed or revoked (Art. 48 ¶2: within 3 days,
    with the reasons); the row stays, the public page shows it withdrawn. A case's decision
    is withdrawn by its officers or the agency's legal reviewer, on the case's timeline."""
    pub = Publication.objects.select_for_update().get(pk=publication.pk)
    _require_withdrawer(actor, pub)
    if pub.published_at is None or pub.withdrawn_at is not None:
        raise Conflict("只有已公开且未撤回的信息可以撤回。", code=E.PUBLICATION)
    pub.withdraw_reason = text(reason, field="reason", label="撤回理由", max_length=200)
    pub.withdrawn_at = timezone.now()
    pub.save(update_fields=["withdraw_reason", "withdrawn_at"])
    data = {"publication": pub.pk, "reason": pub.withdraw_reason}
    if pub.case_id:
        case = Case.objects.select_for_update().get(pk=pub.case_id)
        case.bump_version(fields=["updated_at"])
        record(case, actor=actor, action="withdraw_publication", from_stage=case.stage,
               at=pub.withdrawn_at, note=f"撤回公开的处罚决定：{pub.withdraw_reason}",
               data=data)  # fmt: skip
    else:
        audit_record(actor=actor, action="enforcement.publication.withdraw", target=pub,
                     after=data)  # fmt: skip
    return pub


@transaction.atomic
def inspection_results_publish(*, actor, plan) -> int:
    """Publish every recorded, still unpublished result of a 双随机 plan (一公开)."""
    from yiwang.enforcement.services.common import require_officer

    require_officer(actor, plan.department)
    pending = Publication.objects.filter(target__plan=plan, published_at__isnull=True)
    count = 0
    for pub in pending.select_for_update():
        publication_publish(actor=actor, publication=pub)
        count += 1
    if not count:
        raise Conflict("没有待公开的检查结果。", code=E.PUBLICATION)
    return count


def _recipients(pub: Publication) -> list:
    if pub.case_id:
        return list(pub.case.officers.all())
    return list(pub.target.inspectors.all())


def publication_sweep(*, now: dt.datetime | None = None) -> int:
    """Flag every unpublished item past its due time, once (safe on several machines)."""
    from yiwang.notifications.services import notify

    now = now or timezone.now()
    flagged = 0
    rows = Publication.objects.filter(
        published_at__isnull=True, late_flagged_at__isnull=True, due__lt=now
    ).select_related("case", "target__plan")[:1000]
    for pub in rows:
        with transaction.atomic():
            won = Publication.objects.filter(pk=pub.pk, late_flagged_at__isnull=True).update(
                late_flagged_at=now
            )
            if not won:
                continue
            note = (
                f"{pub.get_kind_display()}“{pub.title}”应于 "
                f"{timezone.localtime(pub.due):%Y-%m-%d %H:%M} 前公开，已逾期，督办。"
            )
            audit_record(actor=None, action="enforcement.publication.late", target=pub,
                         after={"due": pub.due}, note=note)  # fmt: skip
            link = (
                f"/enforcement/cases/{pub.case_id}/"
                if pub.case_id
                else (f"/enforcement/inspections/{pub.target.plan_id}/")
            )
            notify(recipients=_recipients(pub), kind="supervise", title="公开逾期督办",
                   body=note, link=link)  # fmt: skip
            flagged += 1
    return flagged
