"""App config of the project's own core app."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasemgmtConfig(AppConfig):
    name = "casemgmt"
    verbose_name = _("Programmes and geography")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from casemgmt.audit import install_trail_triggers

        post_migrate.connect(install_trail_triggers, sender=self)
