"""Pages of the economy desk under /economy/, and the workbench links of each role."""

from django.urls import path

from yiwang.accounts.models import Role
from yiwang.core.views import register_workbench
from yiwang.economy import views

app_name = "economy"

urlpatterns = [
    path("economy/", views.desk, name="desk"),
    path("economy/evaluation/", views.evaluation, name="evaluation"),
    path(
        "economy/evaluation/<int:pk>/export/",
        views.evaluation_export,
        name="evaluation-export",
    ),
    path("economy/policies/<int:pk>/push/", views.policy_push, name="policy-push"),
    path("economy/figures/import/", views.figures_import, name="figures-import"),
    path("economy/figures/template/", views.figures_template, name="figures-template"),
    path("economy/official/", views.official, name="official"),
    path("economy/firms/<int:pk>/", views.firm_detail, name="firm"),
    path("economy/my/", views.my_firm, name="my"),
    path("economy/my/requests/<int:pk>/rate/", views.my_request_rate, name="my-rate"),
]

register_workbench(
    {Role.LEADER, Role.ADMIN, Role.DEPARTMENT_STAFF}, "企业服务台", "/economy/", "factory", 50
)
register_workbench(
    {Role.LEADER, Role.DEPARTMENT_STAFF}, "我挂钩的企业", "/economy/official/", "factory", 51
)
register_workbench({Role.RESIDENT}, "我的企业", "/economy/my/", "factory", 90)
