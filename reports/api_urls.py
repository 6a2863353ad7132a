"""The reports' API routes, under /api/v1/."""

from django.urls import path

from reports.api import FunnelView

urlpatterns = [
    path("programmes/<str:code>/reports/funnel/", FunnelView.as_view(), name="api_programme_funnel"),
]
