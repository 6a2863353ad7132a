"""The permissions the role groups get on reminders, added after trajectories.roles sets each group
afresh on `migrate` (post_migrate; idempotent)."""

from django.contrib.auth.models import Group, Permission

from trajectories.policies import Role

# Coordinators set their programmes' rules (scoped in the admin) and read the reminders of their
# programmes; they do not delete. Auditors read everything, the trail included.
GRANTS = {
    Role.COORDINATOR: ("view_remindersettings", "add_remindersettings", "change_remindersettings",
                       "view_reminder"),
}


def reminder_permissions_grant(**kwargs) -> None:
    reminders = Permission.objects.filter(content_type__app_label="reminders")
    for role, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.add(*reminders.filter(codename__in=codenames))
    auditor, _ = Group.objects.get_or_create(name=Role.AUDITOR.value)
    auditor.permissions.add(*reminders.filter(codename__startswith="view_"))
