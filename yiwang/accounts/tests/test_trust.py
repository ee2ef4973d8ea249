"""Issue 11: scope from role AND unit (item 3), the encrypted user phone (item 4), lockout and
throttling (item 5), expiring and revocable tokens and the sessions page (item 6)."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from yiwang.accounts.models import LoginSession, Membership, OrgUnit, Role, User
from yiwang.accounts.scope import data_scope
from yiwang.core.models import AuditEvent
from yiwang.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _clean_throttles():
    cache.clear()
    yield
    cache.clear()


def _login(username, password=PASSWORD, client=None, ip="10.0.0.1"):
    client = client or APIClient()
    return client.post(
        TOKEN_URL, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip
    )


def _token_client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


# ---------------------------------------------------------------- item 3: scope


def test_a_resident_of_a_community_sees_no_community_scope(world):
    community = OrgUnit.objects.get(code="320571001001")
    resident = make_user("res-east", roles=[(community, Role.RESIDENT)])
    scope = data_scope(resident)
    assert scope.region_prefixes == () and scope.department_ids == ()
    resident_in_dept = make_user("res-dept", roles=[(world.department, Role.RESIDENT)])
    assert data_scope(resident_in_dept).department_ids == ()
    # the same community with a staff role does give the community
    worker = make_user("staff-east", roles=[(community, Role.PARTY_SPECIALIST)])
    assert data_scope(worker).region_prefixes == ("320571001001",)


def test_a_resident_of_a_community_reads_only_their_own_orders(world, client_for):
    from yiwang.workorders import services as wo

    community = OrgUnit.objects.get(code="320571001001")
    Membership.objects.create(user=world.users["resident"], org_unit=community, role=Role.RESIDENT)
    mine = wo.work_order_create(
        actor=world.users["resident"], description="路灯不亮", lon=120.005, lat=31.005
    )
    other = wo.work_order_create(
        actor=world.users["resident2"], description="井盖破损", lon=120.006, lat=31.004
    )
    client = client_for(User.objects.get(pk=world.users["resident"].pk))
    ids = [o["id"] for o in client.get("/api/v1/workorders/").json()["results"]]
    assert ids == [mine.pk]
    assert client.get(f"/api/v1/workorders/{other.pk}/").status_code == 404


# ---------------------------------------------------------------- item 4: phone at rest


def test_user_phone_is_encrypted_at_rest_and_still_found_by_phone(world):
    user = make_user("phoned", phone="139 0000 1234")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, phone_hash FROM accounts_user WHERE id = %s", [user.pk])
        stored, stored_hash = cursor.fetchone()
    assert "1234" not in stored and stored.startswith("gAAAAA") and len(stored_hash) == 64
    assert User.objects.get(pk=user.pk).phone == "139 0000 1234"
    assert list(User.objects.filter(phone="13900001234")) == [user]
    assert list(User.objects.filter(phone="+86 139 0000 1234")) == [user]
    assert not User.objects.filter(phone="13900001235").exists()
    user.phone = ""
    user.save()
    assert not User.objects.filter(phone="13900001234").exists()
    user.phone = "13900005678"
    user.save(update_fields=["phone"])  # the hash follows the phone on a partial save too
    assert list(User.objects.filter(phone="13900005678")) == [user]


# ---------------------------------------------------------------- item 5: lockout


@override_settings(AXES_FAILURE_LIMIT=5)
def test_token_endpoint_locks_out_after_failures_and_audits_them(world):
    codes = [_login("leader", "wrong-password").status_code for _ in range(5)]
    assert codes == [400, 400, 400, 400, 429]  # the fifth failure locks
    locked = _login("leader")  # the right password no longer works at once
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "locked_out"
    failures = AuditEvent.objects.filter(action="auth.login_failed", note="leader")
    assert failures.count() >= 5
    assert "wrong-password" not in str(list(failures.values("after", "note", "target_id")))
    # another address is not locked (lockout by user name and address together)
    assert _login("leader", ip="10.0.0.2").status_code == 200


@override_settings(AXES_FAILURE_LIMIT=5)
def test_login_page_locks_out_after_failures(world):
    client = Client(REMOTE_ADDR="10.0.0.3")
    codes = [
        client.post("/accounts/login/", {"username": "leader", "password": "nope"}).status_code
        for _ in range(5)
    ]
    assert codes == [200, 200, 200, 200, 429]  # the form again with its error, then locked
    resp = client.post("/accounts/login/", {"username": "leader", "password": PASSWORD})
    assert resp.status_code == 429
    assert "锁定" in resp.content.decode()
    assert AuditEvent.objects.filter(action="auth.login_failed").count() >= 5


def test_token_endpoint_is_throttled_per_address(world, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    # DRF reads the rates once, at import: set them on the class for this test
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "3/min"})
    codes = [_login(f"nobody{n}", "x", ip="10.0.0.9").status_code for n in range(5)]
    assert codes == [400, 400, 400, 429, 429]
    assert _login("nobody", "x", ip="10.0.0.10").status_code == 400  # another address


# ---------------------------------------------------------------- item 6: tokens


def test_each_login_gives_a_new_token_stored_only_as_a_digest(world):
    first, second = _login("leader").json(), _login("leader").json()
    assert first["token"] != second["token"] and first["expires_at"]
    stored = LoginSession.objects.filter(user=world.users["leader"], kind="token")
    assert stored.count() == 2
    assert first["token"] not in str(list(stored.values()))
    assert _token_client(first["token"]).get("/api/v1/auth/me/").status_code == 200


def test_tokens_expire(world, settings):
    settings.YIWANG_TOKEN_TTL_HOURS = 1
    key = _login("leader").json()["token"]
    client = _token_client(key)
    assert client.get("/api/v1/auth/me/").status_code == 200
    LoginSession.objects.filter(kind="token").update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    resp = client.get("/api/v1/auth/me/")
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "authentication_failed"


def test_a_password_change_ends_every_token(world):
    key = _login("leader").json()["token"]
    client = _token_client(key)
    assert client.get("/api/v1/auth/me/").status_code == 200
    user = User.objects.get(username="leader")
    user.set_password("a-new-password-456")
    user.save()
    assert client.get("/api/v1/auth/me/").status_code == 401
    assert LoginSession.objects.get(kind="token").revoked_reason == "password_changed"


def test_a_password_change_ends_tokens_even_without_the_signal(world):
    """The auth-hash check alone refuses old tokens (a raw UPDATE of the password)."""
    key = _login("leader").json()["token"]
    User.objects.filter(username="leader").update(password="md5$x$changed")
    assert _token_client(key).get("/api/v1/auth/me/").status_code == 401


def test_logout_ends_the_token(world):
    key = _login("leader").json()["token"]
    other = _login("leader").json()["token"]
    client = _token_client(key)
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert client.get("/api/v1/auth/me/").status_code == 401
    assert _token_client(other).get("/api/v1/auth/me/").status_code == 200


def test_a_user_lists_and_revokes_their_own_sessions_only(world):
    key = _login("leader").json()["token"]
    other_key = _login("leader").json()["token"]
    stranger = _login("dispatcher").json()["token"]
    client = _token_client(key)
    rows = client.get("/api/v1/auth/sessions/").json()
    assert len(rows) == 2 and sum(r["current"] for r in rows) == 1
    not_current = next(r for r in rows if not r["current"])
    assert client.delete(f"/api/v1/auth/sessions/{not_current['id']}/").status_code == 204
    assert _token_client(other_key).get("/api/v1/auth/me/").status_code == 401
    theirs = LoginSession.objects.get(user__username="dispatcher")
    assert client.delete(f"/api/v1/auth/sessions/{theirs.pk}/").status_code == 404
    assert _token_client(stranger).get("/api/v1/auth/me/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.session.revoke").count() == 1


def test_sessions_page_lists_browser_logins_and_ends_them(world):
    phone = Client(REMOTE_ADDR="10.0.0.5", HTTP_USER_AGENT="Phone")
    desk = Client(REMOTE_ADDR="10.0.0.6", HTTP_USER_AGENT="Desk")
    for client in (phone, desk):
        resp = client.post("/accounts/login/", {"username": "leader", "password": PASSWORD})
        assert resp.status_code == 302
    page = desk.get("/accounts/sessions/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Phone" in body and "Desk" in body and "当前" in body
    phone_row = LoginSession.objects.get(user_agent="Phone")
    resp = desk.post(f"/accounts/sessions/{phone_row.pk}/revoke/")
    assert resp.status_code == 302
    assert phone.get("/accounts/sessions/").status_code == 302  # signed out: to the login page
    assert desk.get("/accounts/sessions/").status_code == 200
    desk.post("/accounts/logout/")
    assert not LoginSession.objects.filter(revoked_at__isnull=True).exists()
