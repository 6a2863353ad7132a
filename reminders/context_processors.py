"""The signed-in user's reminders for every workspace page: the count in the navigation and the few
most urgent for the panel on the caseload and the partner's inbox."""

from django.utils.functional import cached_property

from reminders.links import reminder_url
from reminders.selectors import reminder_count_for, reminders_open_for
from trajectories.policies import Role, role_of

PANEL_SIZE = 5


class ReminderNav:
    """Read lazily, once each: a page that shows only the count runs one query, the panel one more."""

    def __init__(self, user):
        self._user = user

    @cached_property
    def count(self) -> int:
        return reminder_count_for(self._user)

    @cached_property
    def top(self) -> list:
        # Only what the panel shows and links to: one join, a few columns.
        reminders = list(
            reminders_open_for(self._user).select_related(None).select_related("trajectory")
            .only("due_on", "message", "referral", "session", "trajectory__participant")[:PANEL_SIZE]
        )
        for reminder in reminders:
            reminder.url = reminder_url(reminder)
        return reminders


def reminders(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or role_of(user) == Role.NONE:
        return {}
    return {"reminders_nav": ReminderNav(user)}
