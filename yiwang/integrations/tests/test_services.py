"""Services and models of 业务对接: API keys (hashed, revocable, audited), Open311 intake."""

from __future__ import annotations

import pytest

from yiwang.core.errors import Forbidden, ValidationFailed
from yiwang.integrations.models import Open311ApiKey, Open311Submission, hash_key
from yiwang.integrations.open311.parsing import RequestInput
from yiwang.integrations.services import (
    open311_api_key_issue,
    open311_api_key_revoke,
    open311_request_create,
)
from yiwang.integrations.tests.conftest import API_KEY


def test_keys_are_stored_hashed(o311):
    row = Open311ApiKey.objects.get(pk=o311.key.pk)
    assert row.key_hash == hash_key(API_KEY) != API_KEY
    assert row.key_prefix == API_KEY[:8]
    assert not Open311ApiKey.objects.filter(key_hash=API_KEY).exists()
    assert Open311ApiKey.find_active(API_KEY) == row
    assert Open311ApiKey.find_active("") is None
    assert Open311ApiKey.find_active(API_KEY + "x") is None


def test_issued_keys_are_random_and_audited(o311):
    from yiwang.core.models import AuditEvent

    admin = o311.world.users["admin"]
    one, raw_one = open311_api_key_issue(actor=admin, name="甲", user=o311.client_user)
    two, raw_two = open311_api_key_issue(actor=admin, name="乙", user=o311.client_user)
    assert raw_one != raw_two and len(raw_one) > 20
    assert Open311ApiKey.find_active(raw_two) == two
    issued = AuditEvent.objects.filter(action="open311.api_key_issue")
    assert issued.count() == 3  # the fixture's key too
    assert all(raw_one not in str(e.after) for e in issued)


@pytest.mark.parametrize("name, key", [("", None), ("短", "short"), ("重复", API_KEY)])
def test_bad_key_requests_are_refused(o311, name, key):
    with pytest.raises(ValidationFailed):
        open311_api_key_issue(actor=None, name=name, user=o311.client_user, key=key)


def test_revoked_key_and_inactive_account_cannot_post(o311):
    data = RequestInput(service_code="09009", lat=31.005, long=120.005, description="违停")
    open311_api_key_revoke(actor=o311.world.users["admin"], api_key=o311.key)
    with pytest.raises(Forbidden):
        open311_request_create(api_key=API_KEY, data=data)
    o311.key.is_active = True
    o311.key.save()
    o311.client_user.is_active = False
    o311.client_user.save()
    with pytest.raises(Forbidden):
        open311_request_create(api_key=API_KEY, data=data)
    assert Open311Submission.objects.count() == 0


def test_intake_failure_leaves_nothing_half_written(o311, monkeypatch):
    """A failure after the work order is written rolls back the order and the submission."""
    from yiwang.workorders.models import WorkOrder

    def boom(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Open311ApiKey, "touch", boom)
    with pytest.raises(RuntimeError):
        open311_request_create(
            api_key=API_KEY,
            data=RequestInput(service_code="09009", lat=31.005, long=120.005, description="违停"),
        )
    assert WorkOrder.objects.count() == 0
    assert Open311Submission.objects.count() == 0


def test_email_is_encrypted_at_rest(o311):
    from django.db import connection

    submission = open311_request_create(
        api_key=API_KEY,
        data=RequestInput(
            service_code="09009", lat=31.005, long=120.005, email="zhang.san@example.cn"
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT email FROM integrations_open311submission WHERE id = %s", [submission.pk]
        )
        (raw,) = cursor.fetchone()
    assert "zhang.san" not in raw
    assert Open311Submission.objects.get(pk=submission.pk).email == "zhang.san@example.cn"


def test_multivalue_and_number_attributes(o311):
    from yiwang.integrations.models import Open311ServiceAttribute

    Open311ServiceAttribute.objects.create(
        category=o311.parking,
        code="colours",
        datatype="multivaluelist",
        description="车身颜色",
        values=[{"key": "w", "name": "白"}, {"key": "k", "name": "黑"}],
    )
    Open311ServiceAttribute.objects.create(
        category=o311.parking, code="count", datatype="number", description="车辆数"
    )
    base = {"service_code": "09009", "lat": 31.005, "long": 120.005, "description": "违停"}
    submission = open311_request_create(
        api_key=API_KEY,
        data=RequestInput(**base, attributes={"colours": ["w", "k"], "count": ["2"]}),
    )
    assert submission.attributes == {"colours": ["w", "k"], "count": "2"}
    assert "车身颜色：白、黑" in submission.work_order.description
    with pytest.raises(ValidationFailed):
        open311_request_create(
            api_key=API_KEY, data=RequestInput(**base, attributes={"count": ["two"]})
        )
    with pytest.raises(ValidationFailed):
        open311_request_create(
            api_key=API_KEY, data=RequestInput(**base, attributes={"colours": ["red"]})
        )
