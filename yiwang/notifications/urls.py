from django.urls import path

from yiwang.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/bell/", views.bell, name="bell"),
    path("notifications/read-all/", views.read_all, name="read-all"),
    path("notifications/<int:pk>/open/", views.open_message, name="open"),
]
