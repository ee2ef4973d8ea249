from django.urls import path

from yiwang.economy import api

P = "economy/"

urlpatterns = [
    path(f"{P}firms/", api.FirmListView.as_view(), name="economy-firm-list"),
    path(f"{P}firms/<int:pk>/", api.FirmDetailView.as_view(), name="economy-firm-detail"),
    path(f"{P}firms/<int:pk>/figures/", api.FiguresView.as_view(), name="economy-firm-figures"),
    path(f"{P}firms/<int:pk>/contacts/", api.ContactView.as_view(), name="economy-firm-contacts"),
    path(
        f"{P}firms/<int:pk>/officials/", api.OfficialView.as_view(), name="economy-firm-officials"
    ),
    path(f"{P}firms/<int:pk>/visits/", api.VisitView.as_view(), name="economy-firm-visits"),
    path(
        f"{P}firms/<int:pk>/requests/", api.FirmRequestView.as_view(), name="economy-firm-requests"
    ),
    path(f"{P}requests/", api.RequestListView.as_view(), name="economy-request-list"),
    path(f"{P}requests/<int:pk>/rate/", api.RequestRateView.as_view(), name="economy-request-rate"),
    path(f"{P}figures/import/", api.FiguresImportView.as_view(), name="economy-figures-import"),
    path(f"{P}evaluation-scheme/", api.SchemeView.as_view(), name="economy-scheme"),
    path(f"{P}evaluations/", api.EvaluationListView.as_view(), name="economy-evaluation-list"),
    path(
        f"{P}evaluations/<int:pk>/",
        api.EvaluationDetailView.as_view(),
        name="economy-evaluation-detail",
    ),
    path(
        f"{P}evaluations/<int:pk>/export/",
        api.EvaluationExportView.as_view(),
        name="economy-evaluation-export",
    ),
    path(
        f"{P}evaluations/<int:pk>/map/",
        api.EvaluationMapView.as_view(),
        name="economy-evaluation-map",
    ),
    path(f"{P}policies/", api.PolicyListView.as_view(), name="economy-policy-list"),
    path(f"{P}policies/<int:pk>/", api.PolicyDetailView.as_view(), name="economy-policy-detail"),
    path(
        f"{P}policies/<int:pk>/eligible/",
        api.PolicyEligibleView.as_view(),
        name="economy-policy-eligible",
    ),
    path(f"{P}policies/<int:pk>/push/", api.PolicyPushView.as_view(), name="economy-policy-push"),
    path(f"{P}kpis/", api.KpiView.as_view(), name="economy-kpis"),
    path(f"{P}my-firm/", api.MyFirmView.as_view(), name="economy-my-firm"),
]
