"""Document numbers (文书编号) per series and year, without gaps, never reused.

A series is a short key such as "approvals.accept" or "enforcement.decision"; the printed form
(e.g. 唯综执罚决字〔2026〕第0001号) is the caller's `prefix` and `issue_number`'s number.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.core.models import DocumentSequence, VoidedNumber


def issue_number(series: str, year: int) -> int:
    """The next number of `series` in `year`. Call inside the transaction that stores the
    paper: if it rolls back, the number is not used."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("issue_number must run inside the paper's transaction")
    updated = DocumentSequence.objects.filter(series=series, year=year).update(last=F("last") + 1)
    if not updated:
        try:
            with transaction.atomic():
                DocumentSequence.objects.create(series=series, year=year, last=1)
                return 1
        except IntegrityError:  # another writer created the row first
            DocumentSequence.objects.filter(series=series, year=year).update(last=F("last") + 1)
    return DocumentSequence.objects.get(series=series, year=year).last


def void_number(series: str, year: int, number: int, *, reason: str) -> VoidedNumber:
    """Record that an issued number was voided (作废); it is never issued again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("作废文书编号须写明原因。", fields={"reason": ["必填"]})
    last = DocumentSequence.objects.filter(series=series, year=year).values_list("last", flat=True)
    if not last or not 1 <= number <= last[0]:
        raise ValidationFailed("该编号尚未使用，不能作废。", fields={"number": [str(number)]})
    try:
        with transaction.atomic():
            return VoidedNumber.objects.create(
                series=series, year=year, number=number, reason=reason[:200]
            )
    except IntegrityError:
        raise Conflict("该编号已作废。", code="already_voided") from None


def formatted(prefix: str, year: int, number: int, *, width: int = 4) -> str:
    """`唯综执罚决字`, 2026, 1 → 唯综执罚决字〔2026〕第0001号 (GB/T 9704 发文字号 form)."""
    return f"{prefix}〔{year}〕第{number:0{width}d}号"
