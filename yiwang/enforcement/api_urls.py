"""Routes of the enforcement API, included under /api/v1/ by yiwang/urls.py."""

from django.urls import path

from yiwang.enforcement import api

P = "enforcement/"
urlpatterns = [
    path(P + "matters/", api.MatterListView.as_view(), name="enforcement-matters"),
    path(P + "matters/export.xlsx", api.MatterExportView.as_view(), name="enforcement-export"),
    path(P + "matters/import/", api.MatterImportView.as_view(), name="enforcement-import"),
    path(P + "cases/", api.CaseListView.as_view(), name="enforcement-cases"),
    path(P + "cases/<int:pk>/", api.CaseDetailView.as_view(), name="enforcement-case"),
    path(P + "cases/<int:pk>/documents/", api.CaseDocumentIssueView.as_view(),
         name="enforcement-case-documents"),
    path(P + "cases/<int:pk>/dossier.pdf", api.DossierPdfView.as_view(),
         name="enforcement-dossier"),
    path(P + "cases/<int:pk>/<str:action>/", api.CaseActionView.as_view(),
         name="enforcement-case-action"),
    path(P + "documents/<int:pk>.pdf", api.DocumentPdfView.as_view(), name="enforcement-pdf"),
    path(P + "documents/<int:pk>/void/", api.DocumentVoidView.as_view(),
         name="enforcement-document-void"),
    path(P + "publications/<int:pk>/withdraw/", api.PublicationWithdrawView.as_view(),
         name="enforcement-publication-withdraw"),
    path(P + "summons/<int:pk>/<str:action>/", api.SummonsActionView.as_view(),
         name="enforcement-summons"),
    path(P + "referrals/<int:pk>/receipt/", api.ReferralReceiptView.as_view(),
         name="enforcement-referral-receipt"),
    path(P + "inspection-plans/", api.PlanListView.as_view(), name="enforcement-plans"),
    path(P + "inspection-plans/<int:pk>/", api.PlanDetailView.as_view(),
         name="enforcement-plan"),
    path(P + "inspection-plans/<int:pk>/draw/", api.PlanDrawView.as_view(),
         name="enforcement-plan-draw"),
    path(P + "inspection-plans/<int:pk>/results/", api.PlanResultView.as_view(),
         name="enforcement-plan-results"),
    path(P + "kpis/", api.KpiView.as_view(), name="enforcement-kpis"),
]  # fmt: skip
