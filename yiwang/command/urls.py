"""Pages of the command center and the workbench links of each role."""

from django.urls import path

from yiwang.accounts.models import Role
from yiwang.command.views import console
from yiwang.command.views import screen as views
from yiwang.command.views.assessment_store import assessment_store
from yiwang.core.views import register_home, register_workbench

app_name = "command"

urlpatterns = [
    path("command/", views.screen, name="screen"),
    path("command/console/", console.console, name="console"),
    path("command/console/phone/", console.console_phone, name="console-phone"),
    path("command/console/export.xlsx", console.console_export, name="console-export"),
    path("command/console/batch/", console.console_batch, name="console-batch"),
    path("command/console/hotline/", console.console_hotline, name="console-hotline"),
    path(
        "command/console/duplicates/<int:flag_id>/dismiss/",
        console.duplicate_dismiss,
        name="duplicate-dismiss",
    ),
    path("command/analysis/", views.analysis, name="analysis"),
    path("command/assessment/", views.assessment, name="assessment"),
    path("command/assessment/store/", assessment_store, name="assessment-store"),
    path("command/report/weekly.pdf", views.weekly_report, name="weekly-report"),
    path("command/tasks/mine/", views.my_tasks, name="my-tasks"),
    path("command/tasks/new/", views.task_new, name="task-new"),
    path("command/tasks/<int:pk>/", views.task_detail, name="task"),
    path(
        "command/tasks/<int:pk>/<str:grid>/<slug:verb>/",
        views.assignment_action,
        name="assignment-action",
    ),
    path("command/incidents/new/", views.incident_new, name="incident-new"),
    path("command/incidents/<int:pk>/", views.incident_detail, name="incident"),
    path("command/incidents/<int:pk>/ack/", views.incident_ack, name="incident-ack"),
    path("command/incidents/<int:pk>/plan/", views.incident_plan, name="incident-plan"),
]

DESK = {Role.DISPATCHER, Role.LEADER, Role.ADMIN}
register_workbench(DESK, "指挥中心大屏", "/command/", "map", 5)
register_workbench(DESK, "分析研判", "/command/analysis/", "chart", 40)
register_workbench(DESK, "工作布置", "/command/tasks/new/", "flag", 41)
register_workbench({Role.LEADER, Role.ADMIN}, "考核排名", "/command/assessment/", "chart", 42)
register_workbench({Role.GRID_WORKER}, "工作布置（我的任务）", "/command/tasks/mine/", "flag", 30)
register_workbench({*DESK, Role.GRID_WORKER}, "应急上报", "/command/incidents/new/", "shield", 31)
# The dispatcher's console (指挥调度台) and its home; the leader's home is the screen.
register_workbench(DESK, "指挥调度台", "/command/console/", "desk", 10)
register_workbench(DESK, "12345来电登记", "/command/console/hotline/", "list", 11)
register_home({Role.DISPATCHER}, "/command/console/", priority=30)
# The leader's home is the screen (issue 13); it outranks the dispatch board (priority 10).
register_home({Role.LEADER}, "/command/", priority=40)
