"""Base data API routes, under /api/v1/basedata/."""

from django.urls import path

from yiwang.basedata import api

app_name = "basedata"

urlpatterns = [
    path("basedata/people/", api.PersonListView.as_view(), name="people"),
    path("basedata/people/search/", api.PersonSearchView.as_view(), name="people-search"),
    path("basedata/people/<int:pk>/", api.PersonDetailView.as_view(), name="person"),
    path("basedata/people/<int:pk>/reveal/", api.PersonRevealView.as_view(), name="reveal"),
    path("basedata/people/<int:pk>/colour/", api.PersonColourView.as_view(), name="colour"),
    path("basedata/people/<int:pk>/tags/", api.PersonTagsView.as_view(), name="tags"),
    path("basedata/tags/", api.TagListView.as_view(), name="tag-list"),
    path("basedata/households/", api.HouseholdListView.as_view(), name="households"),
    path("basedata/households/<int:pk>/", api.HouseholdDetailView.as_view(), name="household"),
    path("basedata/houses/", api.HouseListView.as_view(), name="houses"),
    path("basedata/houses/<int:pk>/", api.HouseDetailView.as_view(), name="house"),
    path("basedata/entities/", api.EntityListView.as_view(), name="entities"),
    path("basedata/entities/<int:pk>/", api.EntityDetailView.as_view(), name="entity"),
    path("basedata/import/<str:kind>/", api.ImportView.as_view(), name="import"),
    path("basedata/imports/<int:pk>/", api.ImportBatchView.as_view(), name="import-batch"),
    path(
        "basedata/imports/<int:pk>/error-report/",
        api.ImportErrorReportView.as_view(),
        name="import-error-report",
    ),
    path("basedata/templates/<str:kind>/", api.TemplateView.as_view(), name="template"),
    path("basedata/export/<str:kind>/", api.ExportView.as_view(), name="export"),
    path("basedata/grid-load/", api.GridLoadView.as_view(), name="grid-load"),
]
