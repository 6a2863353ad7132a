"""The reports' API routes, under /api/v1/."""

from django.urls import path

from reports.api import DoubleFundingView, EsfView, FinancingView, FunnelView, MoneyView

urlpatterns = [
    path("programmes/<str:code>/reports/funnel/", FunnelView.as_view(), name="api_programme_funnel"),
    path("programmes/<str:code>/reports/financing/", FinancingView.as_view(), name="api_programme_financing"),
    path("programmes/<str:code>/reports/money/", MoneyView.as_view(), name="api_programme_money"),
    path("programmes/<str:code>/reports/esf/", EsfView.as_view(), name="api_programme_esf"),
    path("programmes/<str:code>/reports/double-funding/", DoubleFundingView.as_view(),
         name="api_programme_double_funding"),
]
