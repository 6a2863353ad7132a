"""Where in the workspace a reminder points: the page of the thing it is about."""

from django.urls import reverse

from reminders.models import Reminder


def reminder_url(reminder: Reminder) -> str:
    """The referral page for a referral's reminder, the group session's page for a session's, the
    participant's page for the other trajectory reminders; "" for a reporting period (no page of its
    own in the workspace). Reads only ids (and the participant, which the selectors join in)."""
    if reminder.referral_id:
        return reverse("trajectories:referral_detail", args=[reminder.referral_id])
    if reminder.session_id:
        return reverse("trajectories:group_session_detail", args=[reminder.session_id])
    if reminder.trajectory_id:
        return reverse("trajectories:participant_detail", args=[reminder.trajectory.participant_id])
    return ""
