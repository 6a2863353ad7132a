"""App config of reminders."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Reminders")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from reminders.roles import reminder_permissions_grant

        # Runs after trajectories' roles_sync (this app comes later in INSTALLED_APPS), which sets
        # each role group's permissions afresh; this adds the reminders' own.
        post_migrate.connect(reminder_permissions_grant, sender=self)

        from reminders.services import reminders_forget_names
        from trajectories.signals import participant_erased

        # An erasure takes the person's names out of the reminders' texts too.
        participant_erased.connect(reminders_forget_names, dispatch_uid="reminders_forget_names")

        from django.db.models.signals import pre_delete

        from reminders.models import Reminder
        from reminders.services import deletion_waits_for_scans

        # Deleting a row a reminder can point at waits for the scans running (reminders.models).
        for field in Reminder._meta.concrete_fields:
            if field.is_relation and not field.db_constraint:
                pre_delete.connect(deletion_waits_for_scans, sender=field.related_model,
                                   dispatch_uid=f"deletion_waits_for_scans_{field.name}")
