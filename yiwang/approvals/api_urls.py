"""Routes of the approvals API, included under /api/v1/ by yiwang/urls.py."""

from django.urls import path

from yiwang.approvals import api

urlpatterns = [
    path("approvals/items/", api.ItemListView.as_view(), name="approvals-items"),
    path(
        "approvals/items/export.xlsx",
        api.CatalogueExportView.as_view(),
        name="approvals-catalogue-export",
    ),
    path("approvals/items/<str:code>/", api.ItemDetailView.as_view(), name="approvals-item"),
    path("approvals/bundles/", api.BundleListView.as_view(), name="approvals-bundles"),
    path("approvals/bundles/<str:code>/", api.BundleDetailView.as_view(), name="approvals-bundle"),
    path(
        "approvals/applications/", api.ApplicationListView.as_view(), name="approvals-applications"
    ),
    path(
        "approvals/applications/<int:pk>/",
        api.ApplicationDetailView.as_view(),
        name="approvals-application",
    ),
    path(
        "approvals/applications/<int:pk>/materials/",
        api.MaterialListView.as_view(),
        name="approvals-materials",
    ),
    path(
        "approvals/applications/<int:pk>/materials/<int:mid>/file/",
        api.MaterialFileView.as_view(),
        name="approvals-material-file",
    ),
    path(
        "approvals/applications/<int:pk>/<str:action>/",
        api.ApplicationActionView.as_view(),
        name="approvals-application-action",
    ),
    path(
        "approvals/materials/reusable/",
        api.ReusableMaterialsView.as_view(),
        name="approvals-reusable",
    ),
    path("approvals/steps/", api.StepListView.as_view(), name="approvals-steps"),
    path(
        "approvals/rectifications/",
        api.RectificationListView.as_view(),
        name="approvals-rectifications",
    ),
    path(
        "approvals/rectifications/<int:pk>/<str:action>/",
        api.RectificationActionView.as_view(),
        name="approvals-rectification-action",
    ),
    path("approvals/kpis/", api.KpiView.as_view(), name="approvals-kpis"),
]
