"""App config of the project's own core app."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasemgmtConfig(AppConfig):
    name = "casemgmt"
    verbose_name = _("Programmes and geography")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from casemgmt.audit import install_trail_triggers
        from casemgmt.sessions import session_touched_at_sign_in

        post_migrate.connect(install_trail_triggers, sender=self)
        user_logged_in.connect(session_touched_at_sign_in, dispatch_uid="casemgmt.sessions")
