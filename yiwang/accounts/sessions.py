"""Sign-ins (登录会话): API tokens that expire and can be revoked, and browser sessions.

- `token_issue` makes a new token at every login (never the same one twice); only its SHA-256
  digest is stored, with the user's session auth hash at issue (Django's HMAC of the password
  hash), so a password change invalidates every older token without a sweep.
- `token_authenticate` is what `auth.ExpiringTokenAuthentication` calls on every API request.
- `session_revoke` ends one sign-in (logout, or the user's "sessions" page); `sessions_revoke_all`
  ends all of a user's tokens (a password change).
- Browser sign-ins are recorded from Django's `user_logged_in` signal and ended by deleting the
  Django session, so the list a user sees covers both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from yiwang.accounts.models import LoginSession, User
from yiwang.core.audit import audit_record
from yiwang.core.errors import NotFound

# Write `last_used_at` at most this often per token: a write on every request would serialise
# the API on SQLite.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _client(request) -> dict:
    if request is None:
        return {}
    meta = getattr(request, "META", {})
    return {
        "user_agent": str(meta.get("HTTP_USER_AGENT", ""))[:200],
        "ip_address": meta.get("REMOTE_ADDR") or None,
    }


def token_ttl() -> dt.timedelta:
    return dt.timedelta(hours=settings.YIWANG_TOKEN_TTL_HOURS)


@transaction.atomic
def token_issue(*, user: User, request=None) -> tuple[LoginSession, str]:
    """A new API token for `user` (登录): the key is returned once and never stored."""
    session, key = token_create(user=user, request=request)
    audit_record(actor=user, action="auth.token", target=session, after={"kind": "token"})
    return session, key


def token_create(*, user: User, request=None) -> tuple[LoginSession, str]:
    """The token row itself (`token_issue` audits it; test clients use this directly)."""
    key = secrets.token_hex(20)
    session = LoginSession.objects.create(
        user=user,
        kind=LoginSession.Kind.TOKEN,
        key_digest=_digest(key),
        key_prefix=key[:8],
        auth_hash=user.get_session_auth_hash(),
        expires_at=timezone.now() + token_ttl(),
        **_client(request),
    )
    return session, key


def token_authenticate(key: str) -> tuple[User, LoginSession] | None:
    """The user and sign-in behind an API token, or None when it is unknown, expired, revoked,
    issued before the user's last password change, or the user is inactive."""
    if not key or len(key) > 200:
        return None
    session = (
        LoginSession.objects.select_related("user")
        .filter(kind=LoginSession.Kind.TOKEN, key_digest=_digest(key), revoked_at__isnull=True)
        .first()
    )
    if session is None:
        return None
    now = timezone.now()
    user = session.user
    if session.expires_at <= now or not user.is_active:
        return None
    if not constant_time_compare(session.auth_hash, user.get_session_auth_hash()):
        return None
    if session.last_used_at is None or now - session.last_used_at > LAST_USED_RESOLUTION:
        LoginSession.objects.filter(pk=session.pk).update(last_used_at=now)
        session.last_used_at = now
    return user, session


@transaction.atomic
def browser_session_record(*, user: User, request) -> LoginSession | None:
    """Record a browser sign-in (from `user_logged_in`), so the user can see and end it."""
    store: SessionBase | None = getattr(request, "session", None)
    if store is None:
        return None
    if store.session_key is None:
        store.save()
    return LoginSession.objects.create(
        user=user,
        kind=LoginSession.Kind.BROWSER,
        session_key=store.session_key,
        expires_at=store.get_expiry_date(),
        **_client(request),
    )


def _end(session: LoginSession, *, reason: str, now: dt.datetime) -> None:
    LoginSession.objects.filter(pk=session.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason=reason
    )
    session.revoked_at, session.revoked_reason = now, reason
    if session.kind == LoginSession.Kind.BROWSER and session.session_key:
        from importlib import import_module

        store = import_module(settings.SESSION_ENGINE).SessionStore
        store(session_key=session.session_key).delete()


@transaction.atomic
def session_revoke(*, actor: User, session_id, reason: str = "revoked") -> LoginSession:
    """End one of the actor's own sign-ins (注销). Someone else's answers "not found"."""
    try:
        session = LoginSession.objects.select_for_update().get(pk=int(session_id), user=actor)
    except (LoginSession.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound("未找到该登录会话。")
    if session.revoked_at is None:
        _end(session, reason=reason, now=timezone.now())
        audit_record(actor=actor, action="auth.session.revoke", target=session, note=reason)
    return session


@transaction.atomic
def sessions_revoke_all(*, user: User, reason: str, kinds=(LoginSession.Kind.TOKEN,)) -> int:
    """End every open sign-in of `user` of the given kinds (a password change ends tokens)."""
    now = timezone.now()
    count = LoginSession.objects.filter(user=user, kind__in=kinds, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason=reason
    )
    if count:
        audit_record(
            actor=user, action="auth.session.revoke_all", target=user, after={"count": count}
        )
    return count


def browser_session_end(*, session_key: str | None) -> None:
    """Mark the record of a browser sign-in ended (from `user_logged_out`)."""
    if session_key:
        LoginSession.objects.filter(
            kind=LoginSession.Kind.BROWSER, session_key=session_key, revoked_at__isnull=True
        ).update(revoked_at=timezone.now(), revoked_reason="logout")


def session_list(*, user: User):
    """The user's sign-ins that are still open, newest first."""
    now = timezone.now()
    return LoginSession.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now)


def session_is_current(session: LoginSession, request) -> bool:
    if session.kind == LoginSession.Kind.TOKEN:
        auth = getattr(request, "auth", None)
        return isinstance(auth, LoginSession) and auth.pk == session.pk
    store = getattr(request, "session", None)
    return bool(store is not None and store.session_key == session.session_key)
