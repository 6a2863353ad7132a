"""Top-level URLs."""

from django.contrib import admin
from django.contrib.auth.views import LoginView, LogoutView
from django.urls import include, path

from casemgmt import health, twofactor

urlpatterns = [
    # For load balancers and monitoring: open to anyone, over plain HTTP too (settings.production).
    path("health/", health.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("account/two-factor/", twofactor.two_factor, name="two_factor"),
    # Sign out by POST only (Django's LogoutView refuses GET), so no link or image can sign one out.
    path("account/login/", LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("account/logout/", LogoutView.as_view(next_page="login"), name="logout"),
    path("admin/", admin.site.urls),
    path("reminders/", include("reminders.urls")),
    path("reports/", include("reports.urls")),
    path("api/", include("casemgmt.api.urls")),
    path("", include("trajectories.urls")),
]
