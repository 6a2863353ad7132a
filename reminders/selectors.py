"""Reads of reminders: a person's own list and count, who awaits an e-mail, and the admin's scope."""

from django.db.models import QuerySet

from casemgmt.models import User
from reminders.models import Reminder
from trajectories.policies import READ_ALL, Role, programmes_coordinated_by, role_of


def reminders_open_for(user: User) -> QuerySet[Reminder]:
    """The open reminders addressed to `user`, soonest due first (the caseload and the partner inbox
    show these; a reminder is only ever shown to its recipient)."""
    if not getattr(user, "is_authenticated", False):
        return Reminder.objects.none()
    return (
        Reminder.objects.open().filter(recipient=user)
        # What a reminder shows: its programme and person, and the trajectory its link leads through (few
        # joins: the query is planned afresh on every page).
        .select_related("programme", "trajectory__participant")
        .order_by("due_on", "id")
    )


def reminders_of(user: User) -> QuerySet[Reminder]:
    """Every reminder addressed to `user`, open or not (the API lists them by status); no one else's."""
    if not getattr(user, "is_authenticated", False):
        return Reminder.objects.none()
    return Reminder.objects.filter(recipient=user)


def reminder_count_for(user: User) -> int:
    """How many open reminders `user` has (the number in the navigation): one COUNT query."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Reminder.objects.open().filter(recipient=user).count()


def recipients_awaiting_mail() -> list[int]:
    """Ids of active people with an e-mail address who have open reminders not yet e-mailed."""
    return list(
        Reminder.objects.open().filter(emailed_at__isnull=True, recipient__is_active=True)
        .exclude(recipient__email="")
        .order_by("recipient_id").values_list("recipient_id", flat=True).distinct()
    )


def reminders_visible_to(user: User) -> QuerySet[Reminder]:
    """The admin's scope: auditors and admins everything, coordinators their programmes' reminders,
    everyone else their own."""
    role = role_of(user)
    if role in READ_ALL:
        return Reminder.objects.all()
    if role == Role.COORDINATOR:
        return Reminder.objects.filter(programme__in=programmes_coordinated_by(user))
    if role == Role.NONE:
        return Reminder.objects.none()
    return Reminder.objects.filter(recipient=user)
