"""Pages of field work under /fw/ and the workbench links of grid workers and specialists."""

from django.urls import path

from yiwang.accounts.models import Role
from yiwang.core.views import register_home, register_workbench
from yiwang.fieldwork import views

app_name = "fieldwork"

urlpatterns = [
    path("fw/visits/", views.due, name="due"),
    path("fw/visits/new/<int:household>/", views.visit_new, name="visit-new"),
    path("fw/visits/<int:pk>/", views.visit_detail, name="visit"),
    path("fw/patrol/", views.patrol, name="patrol"),
    path("fw/coverage/", views.coverage, name="coverage"),
]

register_workbench(
    {Role.PARTY_SPECIALIST, Role.GRID_WORKER}, "今日待访（敲门聚心）", "/fw/visits/", "house", 12
)
register_workbench({Role.GRID_WORKER, Role.PARTY_SPECIALIST}, "巡查", "/fw/patrol/", "flag", 13)
register_workbench({Role.LEADER, Role.DISPATCHER, Role.ADMIN}, "走访覆盖率", "/fw/coverage/")

register_home({Role.PARTY_SPECIALIST}, "/fw/visits/", priority=20)
