"""Pages of 综合执法 (included at the site root), and the officers' workbench links."""

from django.urls import path

from yiwang.accounts.models import Role
from yiwang.core.views import register_home, register_workbench
from yiwang.enforcement import views

app_name = "enforcement"

urlpatterns = [
    path("enforcement/", views.case_list, name="list"),
    path("enforcement/cases/new/", views.case_new, name="new"),
    path("enforcement/cases/<int:pk>/", views.case_detail, name="detail"),
    path("enforcement/cases/<int:pk>/<slug:action>/", views.case_action, name="action"),
    path(
        "enforcement/cases/<int:pk>/publications/<int:publication>/withdraw/",
        views.publication_withdraw_page,
        name="withdraw",
    ),
    path("enforcement/matters/", views.matter_list, name="matters"),
    path("enforcement/inspections/", views.plan_list, name="plans"),
    path("enforcement/inspections/<int:pk>/", views.plan_detail, name="plan"),
    path("enforcement/summons/", views.summons_inbox, name="summons"),
    path("enforcement/documents/<int:pk>/void/", views.document_void, name="void"),
    path("public/inspections/", views.public_inspections, name="public"),
    path("public/penalties/", views.public_penalties, name="public_penalties"),
]

register_workbench({Role.ENFORCEMENT_OFFICER}, "执法案件", "/enforcement/", "shield", 15)
register_workbench(
    {Role.ENFORCEMENT_OFFICER}, "双随机抽查", "/enforcement/inspections/", "list", 16
)
register_workbench({Role.LEADER, Role.DISPATCHER}, "执法案件", "/enforcement/", "shield", 15)
register_workbench({Role.DEPARTMENT_STAFF}, "联合执法召集", "/enforcement/summons/", "flag", 17)
register_home({Role.ENFORCEMENT_OFFICER}, "/enforcement/", priority=25)
