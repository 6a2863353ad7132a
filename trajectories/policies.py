"""Who may see and do what. Every view, export, report, admin changelist, API endpoint and task on a
user's behalf starts from these functions; what they leave out answers 404, as if it did not exist.
"""

import datetime
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from casemgmt.clock import today
from casemgmt.models import Programme, User
from partners.models import Organisation, ProgrammeRole, StaffMember, staff_membership
from trajectories.models import (
    Attendance,
    ConsentRecord,
    ImportJob,
    Participant,
    PhaseEntry,
    Referral,
    ReferralEvent,
    ReferralResult,
    Screening,
    Session,
    Trajectory,
)


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = StaffMember.Role.COORDINATOR.value
    COACH = StaffMember.Role.COACH.value
    REFERRER = StaffMember.Role.REFERRER.value
    PARTNER = StaffMember.Role.PARTNER_SPECIALIST.value
    AUDITOR = StaffMember.Role.AUDITOR.value
    NONE = "none"


# Roles whose members see every record they may read (auditors read all; admins configure).
READ_ALL = {Role.ADMIN, Role.AUDITOR}
# Roles that must pass a second factor.
TWO_FACTOR_ROLES = {Role.ADMIN, Role.AUDITOR, Role.COORDINATOR}
# Roles that may see a participant's national register / BIS number in full (each reveal logged).
REVEAL_ROLES = {Role.COORDINATOR, Role.COACH}


def staff_of(user: User) -> StaffMember | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return staff_membership(user)


def role_of(user: User) -> Role:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Role.NONE
    if user.is_superuser:
        return Role.ADMIN
    staff = staff_of(user)
    return Role(staff.role) if staff else Role.NONE


def organisation_of(user: User) -> Organisation | None:
    staff = staff_of(user)
    return staff.organisation if staff else None


def programmes_coordinated_by(user: User) -> QuerySet[Programme]:
    staff = staff_of(user)
    if staff is None or staff.role != Role.COORDINATOR:
        return Programme.objects.none()
    return Programme.objects.filter(
        organisation_roles__organisation_id=staff.organisation_id,
        organisation_roles__role=ProgrammeRole.Role.COORDINATION,
    )


def _trajectory_scope(user: User, *, for_change: bool) -> Q | None:
    """The Q over Trajectory a user may see (or change); None means everything."""
    role = role_of(user)
    if role in READ_ALL:
        return Q(pk__in=[]) if for_change else None
    if role == Role.COORDINATOR:
        return Q(programme__in=programmes_coordinated_by(user))
    if role == Role.COACH:
        own = Q(coach=user)
        organisation = organisation_of(user)
        if not for_change and organisation.coaches_share_caseload:
            return own | Q(coach__staff__organisation=organisation)
        return own
    if role == Role.REFERRER and not for_change:
        # A referrer sees the status of the people their organisation referred in.
        return Q(referred_by=organisation_of(user))
    return Q(pk__in=[])


def _trajectory_ids(user: User, *, for_change: bool = False) -> QuerySet | None:
    scope = _trajectory_scope(user, for_change=for_change)
    return None if scope is None else Trajectory.objects.filter(scope).values("pk")


def restrict(queryset: QuerySet, user: User, *, for_change: bool = False) -> QuerySet:
    """Narrow any queryset of a case model to the rows `user` may see (or change)."""
    model = queryset.model
    role = role_of(user)
    if model is Trajectory:
        scope = _trajectory_scope(user, for_change=for_change)
        return queryset if scope is None else queryset.filter(scope)
    if role == Role.PARTNER:
        return _partner_scope(queryset, user, for_change=for_change)
    if model in (Referral, ReferralEvent, ReferralResult):
        ids = _trajectory_ids(user, for_change=for_change)
        if role == Role.REFERRER:
            return queryset.none()
        path = "trajectory_id" if model is Referral else "referral__trajectory_id"
        return queryset if ids is None else queryset.filter(**{f"{path}__in": ids})
    # A referrer sees only the status of people referred in: trajectories and their phases.
    if role == Role.REFERRER and model not in (PhaseEntry,):
        return queryset.none()
    ids = _trajectory_ids(user, for_change=for_change)
    if model in (Participant, ConsentRecord):
        if ids is None:
            return queryset
        # The people of those trajectories, straight from the scope (one subquery, which PostgreSQL
        # answers from the index on the scope's column, not by reading every trajectory).
        participant_ids = Trajectory.objects.filter(_trajectory_scope(user, for_change=for_change))
        path = "pk" if model is Participant else "participant_id"
        return queryset.filter(**{f"{path}__in": participant_ids.values("participant_id")})
    if model in (PhaseEntry, Screening, Attendance):
        return queryset if ids is None else queryset.filter(trajectory_id__in=ids)
    if model is Session:
        if ids is None:
            return queryset
        if role == Role.COORDINATOR:
            return queryset.filter(programme__in=programmes_coordinated_by(user))
        if role != Role.COACH:
            return queryset.none()
        attended = Attendance.objects.filter(trajectory_id__in=ids).values("session_id")
        return queryset.filter(Q(coach=user) | Q(pk__in=attended))
    raise TypeError(f"No access policy for {model._meta.label}: add one to trajectories.policies.")


def partner_referrals(user: User) -> QuerySet[Referral]:
    """The referrals a partner specialist works on: to their organisation, open or recently closed."""
    staff = staff_of(user)
    if staff is None or staff.role != Role.PARTNER:
        return Referral.objects.none()
    since = today() - datetime.timedelta(days=settings.REFERRAL_PARTNER_ACCESS_DAYS)
    return Referral.objects.filter(
        Q(status__in=Referral.OPEN) | Q(closed_on__gte=since), organisation_id=staff.organisation_id
    )


def _partner_scope(queryset: QuerySet, user: User, *, for_change: bool) -> QuerySet:
    """A partner sees only what a referral to their organisation needs, while it is open or recently
    closed: the referral (its steps and result) and the person it is about; nothing else."""
    model = queryset.model
    referrals = partner_referrals(user)
    if for_change:
        referrals = referrals.filter(status__in=Referral.OPEN)
    if model is Referral:
        return queryset.filter(pk__in=referrals.values("pk"))
    if model in (ReferralEvent, ReferralResult):
        return queryset.filter(referral_id__in=referrals.values("pk"))
    if model is Participant and not for_change:
        return queryset.filter(pk__in=referrals.values("trajectory__participant_id"))
    return queryset.none()


def trajectories_visible_to(user: User, *, for_change: bool = False) -> QuerySet[Trajectory]:
    return restrict(Trajectory.objects.all(), user, for_change=for_change)


def participants_visible_to(user: User, *, for_change: bool = False) -> QuerySet[Participant]:
    return restrict(Participant.objects.all(), user, for_change=for_change)


def referrals_visible_to(user: User, *, for_change: bool = False) -> QuerySet[Referral]:
    return restrict(Referral.objects.all(), user, for_change=for_change)


def sessions_visible_to(user: User) -> QuerySet[Session]:
    """Sessions carry coaching notes: coaches (own and shared caseload), coordinators, auditors, admins."""
    return restrict(Session.objects.all(), user)


def participant_id_of(obj) -> int | None:
    """The participant a case record is about, for the access log."""
    if isinstance(obj, Participant):
        return obj.pk
    if hasattr(obj, "participant_id"):
        return obj.participant_id
    if hasattr(obj, "trajectory_id"):
        trajectory = Trajectory.objects.filter(pk=obj.trajectory_id)
        return trajectory.values_list("participant_id", flat=True).first()
    return None


def may_reveal_identifier(user: User, participant: Participant) -> bool:
    if role_of(user) not in REVEAL_ROLES:
        return False
    return participants_visible_to(user, for_change=True).filter(pk=participant.pk).exists()


def may_register(user: User) -> bool:
    return role_of(user) in (Role.COACH, Role.COORDINATOR, Role.REFERRER)


def import_jobs_visible_to(user: User) -> QuerySet[ImportJob]:
    """Imports and their reports (which name the people refused): the uploader's own, every import into
    a programme a coordinator coordinates, all of them to auditors and admins."""
    role = role_of(user)
    if role in READ_ALL:
        return ImportJob.objects.all()
    if role == Role.NONE:
        return ImportJob.objects.none()
    own = Q(by=user)
    if role == Role.COORDINATOR:
        return ImportJob.objects.filter(own | Q(programme__in=programmes_coordinated_by(user)))
    return ImportJob.objects.filter(own)


def get_visible_or_404(queryset: QuerySet, **lookup):
    """The object if it is in the user's scope; otherwise 404, the same as 'does not exist'."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, ValidationError):
        # A malformed id names nothing: the same answer as a missing record.
        raise Http404 from None
