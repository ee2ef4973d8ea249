from django.urls import path

from yiwang.fieldwork import api

urlpatterns = [
    path("visits/due/", api.VisitDueView.as_view(), name="visit-due"),
    path("visits/coverage/", api.VisitCoverageView.as_view(), name="visit-coverage"),
    path("visits/", api.VisitListCreateView.as_view(), name="visit-list"),
    path("visits/<int:pk>/", api.VisitDetailView.as_view(), name="visit-detail"),
    path("patrols/coverage/", api.PatrolCoverageView.as_view(), name="patrol-coverage"),
    path("patrols/found-share/", api.PatrolFoundShareView.as_view(), name="patrol-found-share"),
    path("patrols/", api.PatrolListCreateView.as_view(), name="patrol-list"),
    path("patrols/<int:pk>/", api.PatrolDetailView.as_view(), name="patrol-detail"),
    path("patrols/<int:pk>/points/", api.PatrolPointsView.as_view(), name="patrol-points"),
    path("patrols/<int:pk>/reports/", api.PatrolReportView.as_view(), name="patrol-reports"),
    path("patrols/<int:pk>/end/", api.PatrolEndView.as_view(), name="patrol-end"),
]
