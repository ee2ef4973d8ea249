from django.urls import path

from yiwang.triage import api

urlpatterns = [
    path("triage/hotspots/", api.HotspotView.as_view(), name="triage-hotspots"),
]
