from django.urls import path

from yiwang.grids import api

# `locate/` comes before `<code>/` so that it is never read as a region code.
urlpatterns = [
    path("grids/", api.RegionListView.as_view(), name="grids-list"),
    path("grids/locate/", api.LocateView.as_view(), name="grids-locate"),
    path("grids/<str:code>/", api.RegionDetailView.as_view(), name="grids-detail"),
]
