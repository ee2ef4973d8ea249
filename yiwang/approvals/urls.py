"""Pages of 审批服务, included at the site root by yiwang/urls.py."""

from django.urls import path

from yiwang.accounts.models import Role
from yiwang.approvals import views
from yiwang.core.views import register_home

app_name = "approvals"

# A window clerk's home is the window's queue (综窗: 今日队列).
register_home({Role.WINDOW_CLERK}, "/approvals/window/", priority=25)

urlpatterns = [
    path("approvals/", views.find, name="find"),
    path("approvals/items/<str:code>/", views.item_page, name="item"),
    path("approvals/bundles/<str:code>/", views.bundle_page, name="bundle"),
    path("approvals/apply/<str:kind>/<str:code>/", views.apply, name="apply"),
    path("approvals/mine/", views.mine, name="mine"),
    path("approvals/applications/<int:pk>/", views.detail, name="detail"),
    path("approvals/applications/<int:pk>/act/", views.act, name="act"),
    path(
        "approvals/applications/<int:pk>/materials/<int:mid>/", views.material_file, name="material"
    ),
    path(
        "approvals/applications/<int:pk>/papers/<int:paper_id>.pdf",
        views.paper_file,
        name="paper",
    ),
    path(
        "approvals/applications/<int:pk>/results/<int:result_id>.pdf",
        views.result_file,
        name="result",
    ),
    path("approvals/window/", views.window, name="window"),
    path("approvals/window/<int:pk>/", views.window_check, name="window-check"),
    path("approvals/review/", views.review, name="review"),
    path("approvals/rectifications/", views.rectifications, name="rectifications"),
    path("approvals/kpis/", views.kpis, name="kpis"),
]
