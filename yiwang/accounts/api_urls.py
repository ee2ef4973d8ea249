"""Sign-in routes under /api/v1/auth/ (the token and me routes are in yiwang/urls.py)."""

from django.urls import path

from yiwang.accounts import api

urlpatterns = [
    path("auth/logout/", api.LogoutView.as_view(), name="auth-logout"),
    path("auth/sessions/", api.SessionListView.as_view(), name="auth-sessions"),
    path("auth/sessions/<int:pk>/", api.SessionDetailView.as_view(), name="auth-session"),
]
