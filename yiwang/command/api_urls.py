from django.urls import path

from yiwang.command import api

urlpatterns = [
    path("command/overview/", api.OverviewView.as_view(), name="command-overview"),
    path("command/map/", api.MapView.as_view(), name="command-map"),
    path("command/layers/colours/", api.ColourLayerView.as_view(), name="command-layer-colours"),
    path("command/layers/firms/", api.FirmLayerView.as_view(), name="command-layer-firms"),
    path("command/analysis/", api.AnalysisView.as_view(), name="command-analysis"),
    path("command/tasks/", api.TaskListView.as_view(), name="command-task-list"),
    path("command/tasks/<int:pk>/", api.TaskDetailView.as_view(), name="command-task-detail"),
    path(
        "command/tasks/<int:pk>/assignments/<str:grid>/<slug:action>/",
        api.AssignmentActionView.as_view(),
        name="command-assignment-action",
    ),
    path("command/incidents/", api.IncidentListView.as_view(), name="command-incident-list"),
    path(
        "command/incidents/<int:pk>/",
        api.IncidentDetailView.as_view(),
        name="command-incident-detail",
    ),
    path(
        "command/incidents/<int:pk>/<slug:action>/",
        api.IncidentActionView.as_view(),
        name="command-incident-action",
    ),
    path("command/assessments/", api.AssessmentView.as_view(), name="command-assessments"),
    path(
        "command/assessments/store/",
        api.AssessmentStoreView.as_view(),
        name="command-assessment-store",
    ),
    path(
        "command/assessments/weights/",
        api.AssessmentWeightsView.as_view(),
        name="command-assessment-weights",
    ),
]
