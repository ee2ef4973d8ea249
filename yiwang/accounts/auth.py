"""How requests prove who they are: expiring API tokens, and login lockout (django-axes)."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.http import JsonResponse
from django.shortcuts import render
from rest_framework import authentication, exceptions

from yiwang.accounts.sessions import token_authenticate


class ExpiringTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`: a key from `POST /api/v1/auth/token/` that has not expired,
    been revoked (logout, the sessions page) or outlived a password change."""

    def authenticate_credentials(self, key):
        found = token_authenticate(key)
        if found is None:
            raise exceptions.AuthenticationFailed("令牌无效或已过期，请重新登录。")
        return found


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for sign-ins that come with a request (the login page and
    the token endpoint). Sign-ins without one (the test client, management commands) have no
    client to count failures against, and are left to the next backend."""

    def authenticate(self, request=None, *args, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out client gets (AXES_LOCKOUT_CALLABLE): the JSON error format under
    /api/, a page elsewhere; 429 either way."""
    from django.conf import settings

    from yiwang.core.api import error_body  # not at the top: core.api loads DRF's views

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = f"登录失败次数过多，账号已暂时锁定，请 {minutes} 分钟后再试。"
    if request.path.startswith(("/api/", "/open311/")):
        return JsonResponse(error_body("locked_out", message), status=429)
    return render(request, "accounts/locked_out.html", {"message": message}, status=429)
