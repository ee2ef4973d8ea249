import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from yiwang.core.errors import NotFound, ValidationFailed
from yiwang.core.models import AuditEvent
from yiwang.notifications import services, sms
from yiwang.notifications.models import Notification as N

pytestmark = pytest.mark.django_db


class Broken:
    def send(self, phone, text):
        raise sms.SmsError("网关 503")


class Recorder:
    def __init__(self):
        self.sent = []

    def send(self, phone, text):
        self.sent.append((phone, text))
        return "r-1"


@pytest.fixture
def people(world):
    a, b = world.users["zhifa"], world.users["shiye"]
    a.phone = "13800001111"
    a.save(update_fields=["phone"])
    return a, b


def test_notify_stores_one_message_per_recipient_with_sms_state(people):
    a, b = people
    rows = services.notify(
        recipients=[a, b, a], kind="dispatch", title="新工单", body="请签收", sms_text=True
    )
    assert len(rows) == 2
    by_user = {r.recipient_id: r for r in N.objects.all()}
    assert by_user[a.pk].sms_state == N.Sms.PENDING  # has a phone
    assert by_user[b.pk].sms_state == N.Sms.NONE  # no phone: inbox only
    assert not AuditEvent.objects.filter(action__startswith="notification").exists()


def test_notify_refuses_bad_kind_and_empty_title(people):
    with pytest.raises(ValidationFailed):
        services.notify(recipients=people, kind="nonsense", title="x")
    with pytest.raises(ValidationFailed):
        services.notify(recipients=people, kind="other", title="  ")
    assert N.objects.count() == 0


def test_sms_is_sent_after_commit(people, monkeypatch, django_capture_on_commit_callbacks):
    recorder = Recorder()
    monkeypatch.setattr(sms, "get_gateway", lambda: recorder)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[people[0]], kind="overdue", title="工单超期", sms_text=True)
    row = N.objects.get()
    assert row.sms_state == N.Sms.SENT and row.sms_message_id == "r-1"
    assert recorder.sent[0][0] == "13800001111" and "工单超期" in recorder.sent[0][1]


def test_failed_sms_never_breaks_the_action_and_is_retried_with_backoff(
    people, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(sms, "get_gateway", lambda: Broken())
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[people[0]], kind="overdue", title="超期", sms_text=True)
    row = N.objects.get()
    assert row.sms_state == N.Sms.FAILED and row.sms_attempts == 1 and "503" in row.sms_error
    now = timezone.now()
    assert services.sms_retry_due(now=now) == {}  # backoff: not due yet
    recorder = Recorder()
    monkeypatch.setattr(sms, "get_gateway", lambda: recorder)
    assert services.sms_retry_due(now=now + dt.timedelta(minutes=2)) == {"sent": 1}
    row.refresh_from_db()
    assert row.sms_state == N.Sms.SENT and row.sms_attempts == 2 and len(recorder.sent) == 1
    assert services.sms_retry_due(now=now + dt.timedelta(hours=2)) == {}  # never twice


def test_sms_gives_up_after_max_attempts(people, monkeypatch):
    monkeypatch.setattr(sms, "get_gateway", lambda: Broken())
    monkeypatch.setenv("YIWANG_SMS_MAX_ATTEMPTS", "3")
    services.notify(recipients=[people[0]], kind="overdue", title="超期", sms_text=True)
    t = timezone.now()
    for _ in range(5):
        t += dt.timedelta(hours=2)
        services.sms_retry_due(now=t)
    row = N.objects.get()
    assert row.sms_state == N.Sms.GAVE_UP and row.sms_attempts == 3


def test_a_claimed_message_is_not_sent_twice(people, monkeypatch):
    recorder = Recorder()
    monkeypatch.setattr(sms, "get_gateway", lambda: recorder)
    services.notify(recipients=[people[0]], kind="overdue", title="超期", sms_text=True)
    row = N.objects.get()
    now = timezone.now()
    assert services._claim(row.pk, now) is not None
    assert services._claim(row.pk, now) is None  # leased by the first claimer
    assert services.sms_deliver(pk=row.pk, now=now) is None
    assert recorder.sent == []


def test_mark_read_only_own(people):
    a, b = people
    (row,) = services.notify(recipients=[a], kind="other", title="通知")
    with pytest.raises(NotFound):
        services.notification_mark_read(actor=b, id=row.pk)
    assert services.notification_mark_read(actor=a, id=row.pk).read_at is not None


def test_http_gateway_posts_json_and_reports_failure():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers.get("Authorization"), json.loads(body)))
            fail = received[-1][1]["phone"] == "fail"
            self.send_response(500 if fail else 200)
            self.end_headers()
            self.wfile.write(b'{"id": "abc"}')

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/send"
        gateway = sms.HttpGateway(url, token="t0k", sign="【一网】", timeout=3)
        assert gateway.send("13800001111", "你好") == "abc"
        assert received[0] == (
            "Bearer t0k",
            {"phone": "13800001111", "text": "你好", "sign": "【一网】"},
        )
        with pytest.raises(sms.SmsError):
            gateway.send("fail", "x")
    finally:
        server.shutdown()


def test_gateway_from_environment(monkeypatch):
    monkeypatch.delenv("YIWANG_SMS_GATEWAY", raising=False)
    assert isinstance(sms.get_gateway(), sms.LoggingGateway)
    monkeypatch.setenv("YIWANG_SMS_GATEWAY", "http")
    monkeypatch.setenv("YIWANG_SMS_HTTP_URL", "https://sms.example.cn/send")
    assert isinstance(sms.get_gateway(), sms.HttpGateway)
    monkeypatch.setenv("YIWANG_SMS_HTTP_URL", "")
    with pytest.raises(sms.SmsError):
        sms.get_gateway()
