"""Who may see which programme's reports, and whether they see exact counts or suppressed ones.

Coordinators see the programmes they coordinate; auditors and admins see all. Exact counts stay
on screen; anything that leaves the organisation (CSV, XLSX, the API for anyone but a coordinator)
is suppressed (reports.suppression). Staff of a partner organisation may read the suppressed funnel
of the programmes their organisation takes part in through the API."""

from enum import StrEnum

from django.db.models import QuerySet

from casemgmt.models import Programme, User
from trajectories.policies import READ_ALL, Role, organisation_of, programmes_coordinated_by, role_of


class Channel(StrEnum):
    SCREEN = "screen"
    DOWNLOAD = "download"
    API = "api"


REPORT_ROLES = frozenset({Role.COORDINATOR, *READ_ALL})


def may_open_reports(user: User) -> bool:
    """Whether the report pages exist for `user`; reads no more than the role, which the workspace's
    navigation has already read."""
    return role_of(user) in REPORT_ROLES


def report_programmes_for(user: User) -> QuerySet[Programme]:
    """The programmes whose report pages and downloads `user` may open."""
    role = role_of(user)
    if role in READ_ALL:
        return Programme.objects.all()
    if role == Role.COORDINATOR:
        return programmes_coordinated_by(user)
    return Programme.objects.none()


def api_report_programmes_for(user: User) -> QuerySet[Programme]:
    """The programmes whose figures `user` may read through the API (suppressed unless coordinator)."""
    role = role_of(user)
    if role in (Role.COACH, Role.PARTNER, Role.REFERRER):
        return Programme.objects.filter(organisation_roles__organisation=organisation_of(user)).distinct()
    return report_programmes_for(user)


def sees_exact_counts(user: User, channel: Channel) -> bool:
    if channel == Channel.DOWNLOAD:
        return False
    role = role_of(user)
    if channel == Channel.API:
        return role == Role.COORDINATOR
    return role == Role.COORDINATOR or role in READ_ALL
