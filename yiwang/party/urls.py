"""Pages of the party app under /party/ and the workbench links."""

from django.urls import path

from yiwang.accounts.models import Role
from yiwang.core.views import register_workbench
from yiwang.party import views

app_name = "party"

urlpatterns = [
    path("party/topics/", views.topics, name="topics"),
    path("party/topics/<int:pk>/", views.topic_detail, name="topic"),
    path("party/topics/<int:pk>/<slug:action>/", views.topic_action, name="topic-action"),
    path("party/friends/", views.friends, name="friends"),
    path("party/volunteers/", views.volunteers, name="volunteers"),
    path("party/volunteers/record/", views.volunteer_record_page, name="volunteer-record"),
    path(
        "party/volunteers/certificates/<int:pk>.pdf",
        views.volunteer_certificate_pdf,
        name="volunteer-certificate",
    ),
    path("party/volunteers/teams/", views.teams, name="teams"),
    path("party/volunteers/teams/<int:pk>/", views.team_detail, name="team"),
    path(
        "party/volunteers/activities/<int:pk>/<slug:action>/",
        views.volunteer_action,
        name="activity-action",
    ),
    path(
        "party/volunteers/signups/<int:pk>/<slug:action>/",
        views.volunteer_action,
        name="signup-action",
    ),
    path("party/organisations/", views.organisations, name="organisations"),
    path("party/organisations/<int:pk>/", views.organisation_detail, name="organisation"),
    path("party/colours/", views.colours, name="colours"),
]

register_workbench(set(Role.values), "居民议事厅", "/party/topics/", "people", 40)
register_workbench(set(Role.values), "红色朋友圈（微心愿）", "/party/friends/", "heart", 41)
register_workbench(set(Role.values), "志愿服务", "/party/volunteers/", "heart", 42)
register_workbench(
    {Role.LEADER, Role.DISPATCHER, Role.ADMIN, Role.PARTY_SPECIALIST},
    "党组织",
    "/party/organisations/",
    "flag",
    60,
)
register_workbench(
    {Role.LEADER, Role.DISPATCHER, Role.ADMIN, Role.GRID_WORKER, Role.PARTY_SPECIALIST},
    "四色网格",
    "/party/colours/",
    "map",
    61,
)
