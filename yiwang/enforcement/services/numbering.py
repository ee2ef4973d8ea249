"""Document numbers (文号), gapless per prefix and year: 唯综执罚决字〔2026〕第0001号.

Numbers come from the kernel's `core.numbering` (one series per prefix), in the same
transaction as the document; a voided number keeps its document row (with the reason) and is
never issued again.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from yiwang.core import numbering
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.enforcement.errors import EnforcementErrorCode as E
from yiwang.enforcement.models import DOCUMENT_PREFIXES, Case, Document, DocumentKind


def next_serial(prefix: str, year: int) -> int:
    """The next number of (prefix, year): gapless, since the transaction that takes it either
    commits its document or gives the number back by rolling back."""
    return numbering.issue_number(f"enforcement:{prefix}", year)


def format_number(prefix: str, year: int, serial: int) -> str:
    return numbering.formatted(prefix, year, serial)


def case_code(year: int) -> str:
    return f"ZF{year}{next_serial('案件编号', year):05d}"


def document_issue(
    *, actor, case: Case | None, kind: str, target=None, at=None, ref: str = ""
) -> Document:
    """Issue one document of `kind` for a case (numbered if the kind has a 文号 prefix); `ref`
    names the record it belongs to where a case has several (笔录, 先行登记保存).
    Asking a second number for the same document is refused: numbers are never duplicated."""
    if kind not in DocumentKind.values:
        raise ValidationFailed(
            "文书种类不正确。", fields={"kind": [f"可选：{DocumentKind.values}"]}
        )
    at = at or timezone.now()
    existing = Document.objects.filter(
        case=case, inspection_target=target, kind=kind, ref=ref, voided_at__isnull=True
    ).first()
    if existing is not None:
        label = DocumentKind(kind).label
        raise Conflict(
            f"{label}已编号（{existing.number or '已出具'}），同一文书不得重复取号；"
            "如需重新出具，请先作废原文号（作废的文号登记备查，不再使用）。",
            code=E.DOCUMENT_NUMBERED,
        )
    prefix = DOCUMENT_PREFIXES.get(kind, "")
    doc = Document(case=case, inspection_target=target, kind=kind, issued_at=at, ref=ref)
    if prefix:
        year = timezone.localtime(at).year
        doc.prefix, doc.year = prefix, year
        doc.serial = next_serial(prefix, year)
        doc.number = format_number(prefix, year, doc.serial)
    doc.save()
    audit_record(
        actor=actor,
        action="enforcement.document.issue",
        target=doc,
        after={"kind": kind, "number": doc.number, "case": case.pk if case else None},
    )
    return doc


@transaction.atomic
def document_reissue(*, actor, document: Document, reason: str) -> Document:
    """作废 a numbered paper and issue it again under a new number (the voided number stays
    recorded with its reason; numbers are never reused)."""
    voided = document_void(actor=actor, document=document, reason=reason)
    return document_issue(
        actor=actor,
        case=voided.case,
        kind=voided.kind,
        target=voided.inspection_target,
        ref=voided.ref,
    )


@transaction.atomic
def document_void(*, actor, document: Document, reason: str) -> Document:
    """作废 a document: the number stays recorded with the reason and is never reused."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写作废原因。", fields={"reason": ["必填"]})
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.voided_at is not None:
        raise Conflict("该文书已作废。", code=E.WRONG_STAGE)
    document.voided_at = timezone.now()
    document.void_reason = reason[:200]
    document.save(update_fields=["voided_at", "void_reason"])
    audit_record(
        actor=actor,
        action="enforcement.document.void",
        target=document,
        after={"number": document.number, "reason": document.void_reason},
    )
    return document


def paper_print_record(*, actor, case: Case, paper: str, documents: list[str]) -> None:
    """Audit one rendering of a case's papers with the party's full personal data (an unmasked
    view, 个人信息保护法 Art. 51): who, which case, which paper."""
    audit_record(
        actor=actor,
        action="enforcement.paper.unmasked",
        target=case,
        after={"case": case.code, "paper": paper, "documents": documents},
        note="打印含当事人完整身份证号的执法文书",
    )
