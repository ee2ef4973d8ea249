"""短信告知 to a bare phone (no account): the SMS goes through the same gateway with the same
retry and backoff, the phone is encrypted at rest and masked wherever listed, and nothing of it
reaches anybody's inbox."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from yiwang.core.errors import ValidationFailed
from yiwang.core.models import AuditEvent
from yiwang.notifications import selectors, services, sms
from yiwang.notifications.models import Notification as N

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


class Recorder:
    def __init__(self):
        self.sent = []

    def send(self, phone, text):
        self.sent.append((phone, text))
        return "r-9"


class Broken:
    def send(self, phone, text):
        raise sms.SmsError("网关 503")


def stored_phone(row) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone FROM {N._meta.db_table} WHERE id = %s", [row.pk])
        return cursor.fetchone()[0]


def test_bare_phone_is_texted_once_after_commit(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    recorder = Recorder()
    monkeypatch.setattr(sms, "get_gateway", lambda: recorder)
    with django_capture_on_commit_callbacks(execute=True):
        row = services.notify_phone(phone="+86 139 1234 5678", kind="result", title="已出件")
    assert recorder.sent == [(PHONE, "【一网】已出件")]
    row.refresh_from_db()
    assert row.recipient is None and row.phone == PHONE
    assert row.sms_state == N.Sms.SENT and row.sms_message_id == "r-9"
    assert services.sms_retry_due(now=timezone.now() + dt.timedelta(hours=3)) == {}  # once
    assert len(recorder.sent) == 1
    # every attempt is audited, with the phone masked in the audit row's label
    [event] = AuditEvent.objects.filter(action="notification.sms")
    assert PHONE not in event.target_repr and "139****5678" in event.target_repr


def test_bare_phone_is_encrypted_at_rest_and_masked(world):
    row = services.notify_phone(phone=PHONE, kind="notice", title="补正材料")
    raw = stored_phone(row)
    assert raw and PHONE not in raw and "5678" not in raw
    assert row.masked_phone == "139****5678" and PHONE not in str(row)


def test_bare_phone_never_reaches_an_inbox(world):
    services.notify_phone(phone=PHONE, kind="result", title="已出件")
    for user in world.users.values():
        assert selectors.unread_count(user=user) == 0


def test_gateway_failure_is_retried_with_backoff(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(sms, "get_gateway", lambda: Broken())
    with django_capture_on_commit_callbacks(execute=True):
        row = services.notify_phone(phone=PHONE, kind="result", title="已出件")
    row.refresh_from_db()
    assert row.sms_state == N.Sms.FAILED and row.sms_attempts == 1
    now = timezone.now()
    assert services.sms_retry_due(now=now) == {}  # backoff: not due yet
    recorder = Recorder()
    monkeypatch.setattr(sms, "get_gateway", lambda: recorder)
    assert services.sms_retry_due(now=now + dt.timedelta(minutes=2)) == {"sent": 1}
    row.refresh_from_db()
    assert row.sms_state == N.Sms.SENT and row.sms_attempts == 2
    assert recorder.sent == [(PHONE, "【一网】已出件")]


@pytest.mark.parametrize(
    "phone,kind,title,field",
    [
        ("0512-12345678", "result", "已出件", "phone"),  # a landline takes no SMS
        ("", "result", "已出件", "phone"),
        ("1391234567x", "result", "已出件", "phone"),
        (PHONE, "nonsense", "已出件", "kind"),
        (PHONE, "result", "  ", "title"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(world, phone, kind, title, field):
    with pytest.raises(ValidationFailed) as bad:
        services.notify_phone(phone=phone, kind=kind, title=title)
    assert field in bad.value.fields
    assert not N.objects.exists()


def test_admin_lists_the_phone_masked(world, client):
    from yiwang.testing import make_user

    services.notify_phone(phone=PHONE, kind="result", title="已出件")
    boss = make_user("root_admin", roles=[])
    boss.is_staff = boss.is_superuser = True
    boss.save()
    client.force_login(boss)
    listing = client.get("/admin/notifications/notification/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "139****5678" in html and PHONE not in html
    row = N.objects.get()
    detail = client.get(f"/admin/notifications/notification/{row.pk}/change/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "139****5678" in html and PHONE not in html
