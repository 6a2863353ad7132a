"""The reports' API routes, under /api/v1/."""

from django.urls import path

from reports.api import DoubleFundingView, EsfView, FinancingView, FunnelView, MoneyView

urlpatterns = [
    path("programmes/<slug:code>/reports/funnel/", FunnelView.as_view(), name="api_programme_funnel"),
    path("programmes/<slug:code>/reports/financing/", FinancingView.as_view(),
         name="api_programme_financing"),
    path("programmes/<slug:code>/reports/money/", MoneyView.as_view(), name="api_programme_money"),
    path("programmes/<slug:code>/reports/esf/", EsfView.as_view(), name="api_programme_esf"),
    path("programmes/<slug:code>/reports/double-funding/", DoubleFundingView.as_view(),
         name="api_programme_double_funding"),
]
