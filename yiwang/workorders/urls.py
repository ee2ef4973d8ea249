"""Pages of the work-order loop under /wo/ (included at the site root), and the home-page
workbench links of each role."""

from django.urls import path
from django.views.generic import RedirectView

from yiwang.accounts.models import Role
from yiwang.core.views import register_home, register_workbench
from yiwang.workorders import views

app_name = "workorders"

urlpatterns = [
    path("wo/report/", views.report, name="report"),
    path("wo/locate/", views.locate, name="locate"),
    path("wo/report/similar/", views.report_similar, name="report-similar"),
    path("wo/report/support/<int:pk>/", views.report_support, name="report-support"),
    path("wo/map/base.json", views.map_base, name="map-base"),
    path("wo/mine/", views.mine, name="mine"),
    path("wo/grid/", views.grid, name="grid"),
    path("wo/inbox/", views.inbox, name="inbox"),
    # The dispatch board moved to the command centre's console: old bookmarks keep working.
    path(
        "wo/dispatch/",
        RedirectView.as_view(url="/command/console/", permanent=True, query_string=True),
        name="dispatch",
    ),
    path("wo/<int:pk>/", views.detail, name="detail"),
    path("wo/<int:pk>/tasks/<int:task_id>/<slug:verb>/", views.task_action, name="task-action"),
    path("wo/<int:pk>/reporter-phone/", views.reporter_phone, name="reporter-phone"),
    path("wo/<int:pk>/<slug:action>/", views.order_action, name="action"),
]

register_workbench({Role.RESIDENT}, "我要上报（随手拍）", "/wo/report/", "camera", 10)
register_workbench(
    {Role.RESIDENT, Role.GRID_WORKER, Role.PARTY_SPECIALIST}, "我的工单", "/wo/mine/", "list", 20
)
register_workbench(
    {Role.GRID_WORKER, Role.PARTY_SPECIALIST}, "网格上报（拍照定位）", "/wo/report/", "camera", 10
)
register_workbench({Role.GRID_WORKER, Role.PARTY_SPECIALIST}, "本网格工单", "/wo/grid/", "map", 20)
register_workbench(
    {Role.DEPARTMENT_STAFF, Role.ENFORCEMENT_OFFICER}, "部门待办工单", "/wo/inbox/", "inbox", 10
)

# Where `/` takes each role (the dispatcher's and the leader's homes are the command centre's).
register_home({Role.GRID_WORKER}, "/wo/grid/", priority=20)
register_home({Role.DEPARTMENT_STAFF, Role.ENFORCEMENT_OFFICER}, "/wo/inbox/", priority=20)
