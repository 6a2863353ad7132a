"""The API's routes: /api/v1/ (tokens, then each app's own), and the schema with its documentation."""

from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from casemgmt.api.errors import not_found
from casemgmt.api.tokens import TokenView

v1 = [
    path("auth/token/", TokenView.as_view(), name="api_token"),
    path("", include("trajectories.api.urls")),
    path("", include("reminders.api")),
    path("", include("reports.api_urls")),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The page and its script apart: the CSP allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(
        url_name="api_schema", template_name="api/swagger_ui.html"), name="api_docs"),
    # Last: any other address under /api/ is a 404 in the API's error shape.
    re_path(r"^(?P<path>.*)$", csrf_exempt(not_found), name="api_not_found"),
]
