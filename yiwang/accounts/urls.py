from django.urls import path

from yiwang.accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/sessions/", views.session_list, name="sessions"),
    path("accounts/sessions/<int:pk>/revoke/", views.session_revoke, name="session-revoke"),
]
