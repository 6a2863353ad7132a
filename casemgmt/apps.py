"""App config of the project's own core app."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasemgmtConfig(AppConfig):
    name = "casemgmt"
    verbose_name = _("Programmes and geography")
