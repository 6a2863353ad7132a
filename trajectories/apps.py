"""App config of trajectories."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrajectoriesConfig(AppConfig):
    name = "trajectories"
    verbose_name = _("Trajectories")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from trajectories.roles import roles_sync

        post_migrate.connect(roles_sync, sender=self)
