"""The Django groups that grant each role its permissions, kept in step by `migrate` (post_migrate),
and the backend that gives a user the permissions of the group named after their role."""

from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.models import Group, Permission

from trajectories.policies import Role, role_of

AUDITED_APPS = ("casemgmt", "partners", "trajectories")
CASE_MODELS = (
    "participant", "consentrecord", "trajectory", "phaseentry", "screening", "session", "attendance",
)


def _permissions_for(role: Role) -> list[Permission]:
    everything = Permission.objects.filter(content_type__app_label__in=AUDITED_APPS)
    if role == Role.AUDITOR:
        # Read-only everything, the trails included.
        return list(
            Permission.objects.filter(
                content_type__app_label__in=(*AUDITED_APPS, "auth", "django_celery_beat"),
                codename__startswith="view_",
            )
        )
    if role == Role.COORDINATOR:
        # Read and correct case data in their programme (scoped by the policy), read configuration.
        case = everything.filter(content_type__model__in=CASE_MODELS).exclude(codename__startswith="delete_")
        # The access log spans every programme and organisation: it is the auditors' to read.
        configuration = (
            everything.exclude(content_type__model__in=CASE_MODELS)
            .exclude(content_type__model="accesslog")
            .exclude(content_type__model__startswith="historical")
            .filter(codename__startswith="view_")
        )
        return list(case) + list(configuration)
    return []


def roles_sync(**kwargs) -> None:
    """Create the group of every role and give it exactly its permissions (post_migrate; idempotent)."""
    for role in Role:
        if role in (Role.NONE, Role.ADMIN):
            continue
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.set(_permissions_for(role))


class RoleGroupBackend(BaseBackend):
    """A user holds the permissions of the group named after their role; no group is assigned by hand."""

    def get_group_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_role_perm_cache"):
            role = role_of(user_obj)
            perms = Permission.objects.filter(group__name=role.value).values_list(
                "content_type__app_label", "codename"
            )
            user_obj._role_perm_cache = {f"{app}.{codename}" for app, codename in perms}
        return user_obj._role_perm_cache

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        return self.get_group_permissions(user_obj, obj)
