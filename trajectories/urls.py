"""The workspace URLs; each page module lists its own routes."""

from trajectories.views import caseload, imports, participants, referrals, registration, sessions

app_name = "trajectories"

urlpatterns = [
    *caseload.urlpatterns,
    *registration.urlpatterns,
    *imports.urlpatterns,
    *participants.urlpatterns,
    *sessions.urlpatterns,
    *referrals.urlpatterns,
]
