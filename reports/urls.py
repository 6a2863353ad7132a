"""The coordinators' report pages."""

from reports import views

app_name = "reports"

urlpatterns = views.urlpatterns
