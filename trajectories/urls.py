"""The workspace URLs; each page module lists its own routes."""

from trajectories.views import caseload, participants, referrals, registration, sessions

app_name = "trajectories"

urlpatterns = [
    *caseload.urlpatterns,
    *registration.urlpatterns,
    *participants.urlpatterns,
    *sessions.urlpatterns,
    *referrals.urlpatterns,
]
