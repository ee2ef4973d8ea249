from django.urls import path

from yiwang.workorders import api

urlpatterns = [
    path("workorders/", api.WorkOrderListCreateView.as_view(), name="workorder-list"),
    path("workorders/<int:pk>/", api.WorkOrderDetailView.as_view(), name="workorder-detail"),
    path(
        "workorders/<int:pk>/photos/<int:photo_id>/",
        api.PhotoView.as_view(),
        name="workorder-photo",
    ),
    path(
        "workorders/<int:pk>/assist-tasks/<int:task_id>/<slug:action>/",
        api.AssistTaskActionView.as_view(),
        name="workorder-assist-task-action",
    ),
    path(
        "workorders/<int:pk>/support/",
        api.WorkOrderSupportView.as_view(),
        name="workorder-support",
    ),
    path(
        "workorders/<int:pk>/<slug:action>/",
        api.WorkOrderActionView.as_view(),
        name="workorder-action",
    ),
    path("categories/", api.CategoryTreeView.as_view(), name="category-tree"),
    path(
        "responsibility-rules/",
        api.ResponsibilityRuleListView.as_view(),
        name="responsibility-rule-list",
    ),
    path("kpis/", api.KpiView.as_view(), name="workorder-kpis"),
]
