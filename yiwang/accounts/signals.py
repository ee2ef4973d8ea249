"""Receivers of Django's sign-in signals: failed logins audited, browser sign-ins recorded,
tokens ended by a password change."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from yiwang.accounts import sessions
from yiwang.accounts.models import User
from yiwang.core.audit import audit_record


@receiver(user_login_failed, dispatch_uid="yiwang.accounts.login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    """登录失败记入审计日志: the user name tried (never the password) and the client address."""
    username = str((credentials or {}).get("username", ""))[:150]
    meta = getattr(request, "META", {}) if request is not None else {}
    audit_record(
        actor=None,
        action="auth.login_failed",
        target_type="accounts.user",
        target_id=username or "-",
        after={"ip": meta.get("REMOTE_ADDR", ""), "path": getattr(request, "path", "")},
        note=username,
    )


@receiver(user_logged_in, dispatch_uid="yiwang.accounts.logged_in")
def record_browser_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session") and not _is_api(request):
        sessions.browser_session_record(user=user, request=request)


@receiver(user_logged_out, dispatch_uid="yiwang.accounts.logged_out")
def end_browser_login(sender, request, user, **kwargs):
    store = getattr(request, "session", None) if request is not None else None
    sessions.browser_session_end(session_key=getattr(store, "session_key", None))


@receiver(post_save, sender=User, dispatch_uid="yiwang.accounts.password_changed")
def end_tokens_on_password_change(sender, instance, created, **kwargs):
    """`set_password` leaves `_password` set until the save completes: a changed password ends
    every API token issued before it (they would fail the auth-hash check anyway)."""
    if not created and getattr(instance, "_password", None) is not None:
        sessions.sessions_revoke_all(user=instance, reason="password_changed")


def _is_api(request) -> bool:
    return str(getattr(request, "path", "")).startswith("/api/")
