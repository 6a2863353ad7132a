"""The admin site: for admins, auditors and coordinators only, whatever a user's staff flag says."""

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class CaseAdminSite(AdminSite):
    site_header = _("casemgmt administration")
    site_title = _("casemgmt")
    index_title = _("Programmes, partners and trajectories")

    def has_permission(self, request) -> bool:
        """Staff status alone does not open the admin: the user's role must grant admin permissions
        (auditors read, coordinators read and correct, superusers configure)."""
        user = request.user
        return bool(user.is_active and user.is_staff and (user.is_superuser or user.get_all_permissions()))


class CaseAdminConfig(AdminConfig):
    """Installs CaseAdminSite as the default admin site (see INSTALLED_APPS)."""

    default_site = "casemgmt.admin_site.CaseAdminSite"
