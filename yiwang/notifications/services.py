"""Every write of notifications (消息): `notify` for domain services, marking read, and the
SMS delivery the worker retries.

`notify` is called inside the caller's transaction: the inbox rows commit with the action that
caused them, and the SMS copies are sent only after that commit (and retried by the worker when
the gateway fails), so a failing SMS never blocks or undoes the action.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from yiwang.core.audit import audit_record
from yiwang.core.errors import NotFound, ValidationFailed
from yiwang.core.validators import PHONE_RE, normalize_phone
from yiwang.notifications import sms
from yiwang.notifications.models import Notification

logger = logging.getLogger("yiwang.notifications")
N = Notification
SMS_LEASE = dt.timedelta(minutes=2)  # a claimed message is not claimed again for this long
SMS_MAX_CHARS = 300


def _backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes after the n-th failed attempt (at most an hour)."""
    return dt.timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def _unique_users(recipients: Iterable) -> list:
    seen, users = set(), []
    for user in recipients:
        if user is None or user.pk in seen or not getattr(user, "is_active", True):
            continue
        seen.add(user.pk)
        users.append(user)
    return users


def notify(
    *,
    recipients: Iterable,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    sms_text: bool = False,
    actor=None,  # noqa: ARG001 (kept for the callers' symmetry and future "sent by")
) -> list[Notification]:
    """Tell each recipient (users; duplicates and inactive users are dropped) one message in the
    inbox, and by SMS when `sms_text` is true and the user has a phone. Returns the rows.

    Runs in the caller's transaction (one INSERT, no savepoint of its own, so a use case pays
    one query for its messages); the SMS leaves only after that transaction commits."""
    if kind not in N.Kind.values:
        raise ValidationFailed("消息类型不正确。", fields={"kind": [f"可选：{N.Kind.values}"]})
    title = (title or "").strip()[:200]
    if not title:
        raise ValidationFailed("消息标题不能为空。", fields={"title": ["必填"]})
    now = timezone.now()
    rows = []
    for user in _unique_users(recipients):
        wants_sms = sms_text and bool((getattr(user, "phone", "") or "").strip())
        rows.append(
            N(
                recipient=user,
                kind=kind,
                title=title,
                body=(body or "")[:2000],
                link=(link or "")[:300],
                sms_state=N.Sms.PENDING if wants_sms else N.Sms.NONE,
                sms_next_try_at=now if wants_sms else None,
            )
        )
    if not rows:
        return []
    # No audit row here: the caller's use case writes its own, and each message row is itself
    # the record of who was told what and when (with its delivery state).
    created = N.objects.bulk_create(rows)
    pending = [r.pk for r in created if r.sms_state == N.Sms.PENDING and r.pk]
    if pending:
        transaction.on_commit(lambda: _deliver_quietly(pending))
    return created


def is_mobile(phone: str | None) -> bool:
    """A mainland mobile number (a landline cannot take an SMS)."""
    return bool(PHONE_RE.match(normalize_phone(phone or "")))


def notify_phone(
    *,
    phone: str,
    kind: str,
    title: str,
    body: str = "",
    actor=None,  # noqa: ARG001 (the callers' symmetry, as in notify)
) -> Notification:
    """短信告知 to a bare phone: someone without an account (a walk-in applicant known only by
    the phone in the 人口库) is told by SMS, through the same gateway, retry and backoff as
    every SMS. The row has no recipient and no inbox copy; the phone is stored encrypted.

    Runs in the caller's transaction (the caller's use case writes the audit row; each
    delivery attempt is audited by `sms_deliver`); the SMS leaves after that commit. A phone
    that is not a mobile number answers ValidationFailed and changes nothing."""
    if kind not in N.Kind.values:
        raise ValidationFailed("消息类型不正确。", fields={"kind": [f"可选：{N.Kind.values}"]})
    title = (title or "").strip()[:200]
    if not title:
        raise ValidationFailed("消息标题不能为空。", fields={"title": ["必填"]})
    if not is_mobile(phone):
        raise ValidationFailed(
            "短信只能发往手机号（1开头的11位数字）。", fields={"phone": ["不是手机号"]}
        )
    row = N.objects.create(
        recipient=None,
        phone=normalize_phone(phone),
        kind=kind,
        title=title,
        body=(body or "")[:2000],
        sms_state=N.Sms.PENDING,
        sms_next_try_at=timezone.now(),
    )
    transaction.on_commit(lambda: _deliver_quietly([row.pk]))
    return row


def _deliver_quietly(ids: list[int]) -> None:
    """After the action's commit: try the SMS once now; failures stay for the worker."""
    try:
        for pk in ids:
            sms_deliver(pk=pk)
    except Exception:  # noqa: BLE001 (an SMS must never break the request that caused it)
        logger.exception("inline SMS delivery failed; the worker will retry")


@transaction.atomic
def notification_mark_read(*, actor, id) -> Notification:  # noqa: A002
    """Mark one of the actor's messages read (another user's message answers 404)."""
    try:
        row = N.objects.select_for_update().get(pk=int(id), recipient_id=actor.pk)
    except (N.DoesNotExist, TypeError, ValueError):
        raise NotFound("消息不存在。")
    if row.read_at is None:
        row.read_at = timezone.now()
        row.save(update_fields=["read_at"])
        audit_record(actor=actor, action="notification.read", target=row)
    return row


@transaction.atomic
def notification_mark_all_read(*, actor) -> int:
    count = N.objects.filter(recipient_id=actor.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if count:
        audit_record(
            actor=actor,
            action="notification.read_all",
            target_type="notifications.notification",
            target_id=f"user:{actor.pk}",
            after={"count": count},
        )
    return count


def _claim(pk: int, now: dt.datetime) -> Notification | None:
    """Take one due message for sending (compare-and-set on the attempt count), so two
    workers, or a worker and the inline attempt, never send the same message twice."""
    row = (
        N.objects.filter(pk=pk, sms_state__in=[N.Sms.PENDING, N.Sms.FAILED])
        .select_related("recipient")
        .first()
    )
    if row is None or (row.sms_next_try_at and row.sms_next_try_at > now):
        return None
    taken = N.objects.filter(pk=pk, sms_state=row.sms_state, sms_attempts=row.sms_attempts).update(
        sms_attempts=row.sms_attempts + 1, sms_next_try_at=now + SMS_LEASE
    )
    if not taken:
        return None
    row.sms_attempts += 1
    return row


def sms_deliver(*, pk: int, now: dt.datetime | None = None) -> str | None:
    """Send one message's SMS if it is due; record the outcome. Returns the new state, or
    None when the message was not due or another process has it."""
    now = now or timezone.now()
    row = _claim(pk, now)
    if row is None:
        return None
    text = f"{sms.sign()}{row.title}" + (f"：{row.body}" if row.body else "")
    try:
        receipt = sms.get_gateway().send(row.sms_phone, text[:SMS_MAX_CHARS])
    except Exception as exc:  # noqa: BLE001 (any gateway failure is retried, never raised)
        gave_up = row.sms_attempts >= sms.max_attempts()
        fields = {
            "sms_state": N.Sms.GAVE_UP if gave_up else N.Sms.FAILED,
            "sms_error": str(exc)[:300],
            "sms_next_try_at": None if gave_up else now + _backoff(row.sms_attempts),
        }
    else:
        fields = {
            "sms_state": N.Sms.SENT,
            "sms_sent_at": now,
            "sms_error": "",
            "sms_message_id": receipt or "",
            "sms_next_try_at": None,
        }
    with transaction.atomic():
        N.objects.filter(pk=row.pk, sms_attempts=row.sms_attempts).update(**fields)
        audit_record(
            actor=None,
            action="notification.sms",
            target=row,
            after={"attempt": row.sms_attempts, **fields},
        )
    return fields["sms_state"]


def sms_retry_due(*, now: dt.datetime | None = None, limit: int = 500) -> dict:
    """The worker's job: send every SMS that is due (new or failed earlier and past its
    backoff). Returns counts by outcome."""
    now = now or timezone.now()
    due = N.objects.filter(
        sms_state__in=[N.Sms.PENDING, N.Sms.FAILED], sms_next_try_at__lte=now
    ).values_list("pk", flat=True)[:limit]
    counts: dict[str, int] = {}
    for pk in list(due):
        state = sms_deliver(pk=pk, now=now) or "skipped"
        counts[state] = counts.get(state, 0) + 1
    return counts
