"""出件 and 一次性告知 to a walk-in applicant without an account: the application opened on their
behalf from the 人口库 carries only their phone, and that phone is told by SMS (through the
notifications gateway, retried on failure); an account holder still gets the in-app notice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yiwang.accounts.models import Role
from yiwang.approvals import services
from yiwang.approvals.models import Application
from yiwang.approvals.tests.conftest import run_steps
from yiwang.notifications import services as notices
from yiwang.notifications import sms
from yiwang.notifications.models import Notification
from yiwang.testing import make_user

pytestmark = pytest.mark.django_db

PENSION = "320576052-05-0404"  # 高龄津贴（尊老金）申领: id_card + bank_card, one review step
PHONE = "13812345678"
BOTH = ("id_card", "bank_card")


class Gateway:
    """The fake gateway: records what it is asked to send; fails while `down` is true."""

    def __init__(self):
        self.sent, self.down = [], False

    def send(self, phone, text):
        if self.down:
            raise sms.SmsError("网关 503")
        self.sent.append((phone, text))
        return f"r-{len(self.sent)}"

    def to(self, phone):
        return [text for to, text in self.sent if to == phone]


@pytest.fixture
def gateway(monkeypatch):
    fake = Gateway()
    monkeypatch.setattr(sms, "get_gateway", lambda: fake)
    return fake


@pytest.fixture
def elder(users):
    from yiwang.basedata.services import person_create

    return person_create(
        actor=None,
        name="李奶奶",
        id_number="11010519491231002X",
        grid="320571001001001",
        phone=PHONE,
        address="东社区3幢101",
    )


def fresh(app) -> Application:
    return Application.objects.get(pk=app.pk)


def open_at_window(users, elder, keys=BOTH) -> Application:
    return services.application_open_on_behalf(
        actor=users["window"],
        service_code=PENSION,
        applicant_person_id=elder.pk,
        channel="window",
        materials=[services.MaterialInput(k, paper=True) for k in keys],
    )


def approve_and_deliver(users, app) -> Application:
    app = services.application_accept(actor=users["window"], application=app, version=app.version)
    run_steps(app.pk, {"社会事业局": users["shiye"]})
    app = fresh(app)
    return services.application_deliver(
        actor=users["window"], application=app, version=app.version, method="window"
    )


def test_walk_in_phone_gets_exactly_one_sms_on_delivery(
    users, elder, gateway, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        app = open_at_window(users, elder)
        assert fresh(app).applicant is None  # no account has that phone
        app = approve_and_deliver(users, app)
    [text] = gateway.to(PHONE)
    assert f"办件 {app.number} 已出件（窗口领取）" in text and text.startswith("【一网】")
    row = Notification.objects.get(kind="result")
    assert row.recipient is None and row.sms_state == Notification.Sms.SENT
    # nobody's inbox holds the walk-in's notice; the worker sends nothing more
    assert not Notification.objects.filter(recipient__isnull=False, kind="result").exists()
    assert notices.sms_retry_due(now=timezone.now() + dt.timedelta(hours=3)) == {}
    assert len(gateway.to(PHONE)) == 1


def test_walk_in_is_texted_the_one_time_notice_too(
    users, elder, gateway, django_capture_on_commit_callbacks
):
    app = open_at_window(users, elder, keys=("id_card",))
    with django_capture_on_commit_callbacks(execute=True):
        services.application_request_materials(
            actor=users["window"],
            application=app,
            version=fresh(app).version,
            gaps=[{"key": "bank_card", "reason": "缺少"}],
        )
    [text] = gateway.to(PHONE)
    assert "一次性告知" in text and "缺少" in text


def test_account_holder_still_gets_the_in_app_notice_and_no_bare_sms(
    users, elder, gateway, django_capture_on_commit_callbacks
):
    users["resident"].phone = PHONE
    users["resident"].save(update_fields=["phone"])
    with django_capture_on_commit_callbacks(execute=True):
        app = open_at_window(users, elder)
        assert fresh(app).applicant == users["resident"]
        app = approve_and_deliver(users, app)
    [note] = Notification.objects.filter(kind="result")
    assert note.recipient == users["resident"] and note.link.endswith(f"/{app.pk}/")
    assert not Notification.objects.filter(recipient__isnull=True).exists()
    assert len(gateway.to(PHONE)) == 1  # the account's own SMS copy, not a second one


def test_door_visit_tells_the_specialist_in_app_and_the_walk_in_by_sms(
    users, world, elder, gateway, django_capture_on_commit_callbacks
):
    from yiwang.grids.models import GridWorker

    specialist = make_user("zhuanyuan", roles=[(world.street, Role.PARTY_SPECIALIST)])
    GridWorker.objects.create(region=world.regions["A"], user=specialist, name="专员", phone="")
    with django_capture_on_commit_callbacks(execute=True):
        app = services.application_open_on_behalf(
            actor=specialist,
            service_code=PENSION,
            applicant_person_id=elder.pk,
            materials=[services.MaterialInput(k, paper=True) for k in BOTH],
        )
        approve_and_deliver(users, app)
    assert Notification.objects.get(kind="result", recipient=specialist).link
    assert len(gateway.to(PHONE)) == 1


def test_gateway_failure_on_delivery_is_retried(
    users, elder, gateway, django_capture_on_commit_callbacks
):
    gateway.down = True
    with django_capture_on_commit_callbacks(execute=True):
        app = approve_and_deliver(users, open_at_window(users, elder))
    assert fresh(app).status == "delivered"  # the failed SMS never undoes 出件
    row = Notification.objects.get(kind="result")
    assert row.sms_state == Notification.Sms.FAILED and row.sms_attempts == 1
    assert gateway.to(PHONE) == []
    gateway.down = False
    assert notices.sms_retry_due(now=timezone.now() + dt.timedelta(minutes=2)) == {"sent": 1}
    assert len(gateway.to(PHONE)) == 1


def test_a_landline_walk_in_is_not_texted(users, gateway, django_capture_on_commit_callbacks):
    from yiwang.basedata.services import person_create

    person = person_create(
        actor=None,
        name="王爷爷",
        id_number="11010519491231002X",
        grid="320571001001001",
        phone="0512-66778899",
        address="东社区5幢302",
    )
    with django_capture_on_commit_callbacks(execute=True):
        app = approve_and_deliver(users, open_at_window(users, person))
    assert fresh(app).status == "delivered" and gateway.sent == []
    assert not Notification.objects.filter(recipient__isnull=True).exists()
