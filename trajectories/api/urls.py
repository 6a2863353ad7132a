"""The trajectories app's API routes, under /api/v1/."""

from trajectories.api import participants, programmes, referrals, sessions, trajectories

urlpatterns = [
    *programmes.urlpatterns,
    *participants.urlpatterns,
    *trajectories.urlpatterns,
    *sessions.urlpatterns,
    *referrals.urlpatterns,
]
