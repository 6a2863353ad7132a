"""Reads about participants: likely duplicates at registration, everything held on one person, and
what the workspace pages show (timelines, group sessions, attendance)."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from casemgmt.clock import today
from casemgmt.identifiers import identifier_hash, national_number_clean
from casemgmt.models import AccessLog, Programme, Region, User
from casemgmt.postcodes import with_region_as_of
from partners.models import ProgrammeRole, StaffMember
from trajectories.models import Attendance, Participant, PhaseEntry, Referral, Screening, Session, Trajectory
from trajectories.policies import (
    Role,
    organisation_of,
    programmes_coordinated_by,
    restrict,
    role_of,
    sessions_visible_to,
    trajectories_visible_to,
)
from trajectories.selectors.referrals import referrals_prefetch
from trajectories.services import name_key


@dataclass(frozen=True)
class LikelyDuplicate:
    participant_id: int
    reason: str  # "identifier" or "name_and_birth_date"


def participant_likely_duplicates(
    *,
    first_name: str,
    last_name: str,
    birth_year: int | None = None,
    birth_month: int | None = None,
    birth_day: int | None = None,
    national_number: str = "",
    exclude_id: int | None = None,
) -> list[LikelyDuplicate]:
    """People already registered with the same identifier, or the same name (accents and case
    ignored) and birth date. Searches everyone, so callers show a warning, not the other record."""
    conditions = Q(pk__in=[])
    number_hash = ""
    if national_number.strip():
        try:
            number, _kind = national_number_clean(national_number)
            number_hash = identifier_hash(number)
            conditions |= Q(national_number_hash=number_hash)
        except Exception:  # an invalid number is reported by the form, not here
            pass
    if birth_year is not None:
        conditions |= Q(
            name_key=name_key(first_name, last_name), birth_year=birth_year,
            birth_month=birth_month, birth_day=birth_day,
        )
    matches = Participant.objects.filter(conditions)
    if exclude_id is not None:
        matches = matches.exclude(pk=exclude_id)
    return [
        LikelyDuplicate(
            participant_id=pk,
            reason="identifier" if number_hash and stored_hash == number_hash else "name_and_birth_date",
        )
        for pk, stored_hash in matches.values_list("pk", "national_number_hash")
    ]


def _rows(queryset, fields: list[str]) -> list[dict]:
    return [{name: _plain(value) for name, value in row.items()} for row in queryset.values(*fields)]


def _plain(value):
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def participant_data_export(*, participant: Participant) -> dict:
    """Everything held on one person (their right of access): data, trajectories, phases, sessions,
    screenings, consents, the change history, and which organisations looked at the record."""
    from casemgmt.identifiers import identifier_decrypt

    data = _rows(Participant.objects.filter(pk=participant.pk), [
        f.name for f in Participant._meta.concrete_fields
        if f.name not in ("national_number_encrypted", "national_number_hash", "name_key")
    ])[0]
    data["display_name"] = str(participant)
    if participant.national_number_encrypted:
        data["national_number"] = identifier_decrypt(participant.national_number_encrypted)
    trajectories = participant.trajectories.select_related("programme", "coach", "referred_by")
    return {
        "participant": data,
        "trajectories": [
            {
                "programme": t.programme.code,
                "coach": str(t.coach) if t.coach else None,
                "referred_in_by": str(t.referred_by) if t.referred_by else None,
                "outcome": t.outcome, "enterprise_number": t.enterprise_number,
                "self_employed_since": _plain(t.self_employed_since), "ended_on": _plain(t.ended_on),
                "phases": _rows(t.phase_entries.all(), ["phase", "entered_on"]),
                "screenings": _rows(t.screenings.all(), [
                    "screened_on", "potential", "decision", "notes"]),
                "sessions": _rows(t.attendances.all(), [
                    "session__kind", "session__held_on", "session__duration_minutes", "session__title",
                    "attended"]),
            }
            for t in trajectories
        ],
        "consents": _rows(participant.consents.all(), [
            "purpose", "organisation__name", "given_on", "version", "withdrawn_on"]),
        "history": _rows(participant.history.order_by("history_date"), [
            "history_date", "history_type", "history_user__username", "first_name", "last_name",
            "postcode", "email", "phone"]),
        "seen_by_organisations": sorted(
            set(
                AccessLog.objects.filter(participant_id=participant.pk)
                .exclude(action=AccessLog.Action.DENIED)
                .exclude(organisation="")
                .values_list("organisation", flat=True)
            )
        ),
    }


# The workspace pages: a person's trajectories as timelines, group sessions and their attendance.
# Each reads what its page shows in a fixed number of queries, whatever the number of rows.

GROUP_SESSION_KINDS = (Session.Kind.INFO, Session.Kind.THEME)


def participants_with_status_visible_to(user: User) -> QuerySet[Participant]:
    """The people one of whose trajectories `user` may see. For every role but the referrer these are
    the people of participants_visible_to; a referrer sees no participant file, only the status
    (name, programme, phases) of the people their organisation referred in."""
    return Participant.objects.filter(pk__in=trajectories_visible_to(user).values("participant_id"))


def participants_with_province_today(queryset: QuerySet[Participant]) -> QuerySet[Participant]:
    """Annotate `province_name`: the region the postcode lies in today (postcodes move: not stored)."""
    return with_region_as_of(queryset, "postcode", today())


def participant_trajectories(
    *,
    participant: Participant,
    user: User,
    status_only: bool = False,
    trajectory_id: int | None = None,
) -> list[Trajectory]:
    """The person's trajectories `user` may see, open ones first, with what their timelines show.

    Each carries `phase` (the highest reached) and `may_change` (whether `user` may act on it). With
    `status_only` (what a referrer sees) only the phases and their dates are read. Six queries (two
    with `status_only`), whatever the number of trajectories, phases, screenings, sessions, referrals
    and their steps."""
    queryset = trajectories_visible_to(user).filter(participant=participant)
    if trajectory_id is not None:
        queryset = queryset.filter(pk=trajectory_id)
    changeable = restrict(Trajectory.objects.filter(pk=OuterRef("pk")), user, for_change=True)
    queryset = (
        queryset.with_phase()
        .annotate(may_change=Exists(changeable))
        .select_related("programme")
        .order_by(F("ended_on").desc(nulls_first=True), "-pk")
    )
    phases = restrict(PhaseEntry.objects.order_by("phase"), user)
    if status_only:
        return list(queryset.prefetch_related(Prefetch("phase_entries", queryset=phases)))
    screenings = restrict(Screening.objects.all(), user).select_related("screened_by")
    attended = (
        restrict(Attendance.objects.filter(attended=True), user)
        .select_related("session", "session__coach")
        .order_by("session__held_on", "session_id")
    )
    return list(
        queryset.select_related("coach", "referred_by").prefetch_related(
            Prefetch("phase_entries", queryset=phases.select_related("recorded_by")),
            Prefetch("screenings", queryset=screenings.order_by("screened_on", "pk")),
            Prefetch("attendances", queryset=attended),
            referrals_prefetch(user),
        )
    )


@dataclass(frozen=True)
class TimelineEvent:
    on: datetime.date
    kind: str  # "phase", "session", "screening", "referral", "outcome" or "end"
    item: object  # the PhaseEntry, Session, Screening, Referral or Trajectory the event is about
    detail: str = ""  # the enterprise number, formatted, for a self-employed outcome


_TIMELINE_ORDER = {"phase": 0, "session": 1, "screening": 2, "referral": 3, "outcome": 4, "end": 5}


def enterprise_number_display(number: str) -> str:
    """0403019261 as the KBO writes it: 0403.019.261."""
    return f"{number[:4]}.{number[4:7]}.{number[7:]}" if len(number) == 10 else number


def trajectory_timeline(trajectory: Trajectory, *, status_only: bool = False) -> list[TimelineEvent]:
    """What happened in a trajectory, by date: phases entered, sessions attended, screenings, referrals
    to specialisations (on the day they were sent), the outcome and the end; with `status_only`, the
    phases alone. Reads what participant_trajectories
    prefetched, so it runs no query."""
    events = [TimelineEvent(entry.entered_on, "phase", entry) for entry in trajectory.phase_entries.all()]
    if not status_only:
        sessions = [attendance.session for attendance in trajectory.attendances.all()]
        events += [TimelineEvent(session.held_on, "session", session) for session in sessions]
        events += [TimelineEvent(s.screened_on, "screening", s) for s in trajectory.screenings.all()]
        events += [TimelineEvent(r.sent_on, "referral", r) for r in trajectory.referrals.all()]
        if trajectory.outcome:
            on = trajectory.self_employed_since or trajectory.outcome_recorded_on
            number = enterprise_number_display(trajectory.enterprise_number)
            events.append(TimelineEvent(on, "outcome", trajectory, number))
        if trajectory.ended_on:
            events.append(TimelineEvent(trajectory.ended_on, "end", trajectory))
    return sorted(events, key=lambda event: (event.on, _TIMELINE_ORDER[event.kind]))


def coaches_by_programme(programme_ids: Iterable[int]) -> dict[int, list[User]]:
    """The coaches who may take on a trajectory of each programme: active users with the coach role at
    an organisation that coaches in that programme. One query for all the programmes."""
    staff = (
        StaffMember.objects.filter(
            role=StaffMember.Role.COACH,
            user__is_active=True,
            organisation__programme_roles__programme_id__in=list(programme_ids),
            organisation__programme_roles__role=ProgrammeRole.Role.COACHING,
        )
        .annotate(programme_id=F("organisation__programme_roles__programme_id"))
        .select_related("user", "organisation")
        .order_by("user__last_name", "user__first_name", "user_id")
    )
    coaches: dict[int, list[User]] = defaultdict(list)
    for member in staff:
        coaches[member.programme_id].append(member.user)
    return coaches


def programmes_run_by(user: User) -> QuerySet[Programme]:
    """The programmes in which `user` may plan group sessions: a coordinator's coordinated ones, a
    coach's those their organisation coaches in."""
    role = role_of(user)
    if role == Role.COORDINATOR:
        return programmes_coordinated_by(user)
    if role == Role.COACH:
        return Programme.objects.filter(
            organisation_roles__organisation=organisation_of(user),
            organisation_roles__role=ProgrammeRole.Role.COACHING,
        )
    return Programme.objects.none()


def group_sessions_visible_to(user: User) -> QuerySet[Session]:
    return sessions_visible_to(user).filter(kind__in=GROUP_SESSION_KINDS)


def group_sessions_listed(user: User) -> QuerySet[Session]:
    """Info and theme sessions `user` may see, newest first, each with `attending`: how many came."""
    return (
        group_sessions_visible_to(user)
        .select_related("programme", "coach")
        .annotate(attending=Count("attendances", filter=Q(attendances__attended=True)))
        .order_by("-held_on", "-pk")
    )


def attendance_candidates(*, session: Session, user: User, search: str = "") -> list[Trajectory]:
    """Whose attendance `user` may record for a group session: the trajectories of its programme they
    may change, open ones and any already recorded for it, by name. Each carries `phase` and
    `attended_here`. `search` narrows them to names containing it (accents and case ignored)."""
    recorded = Attendance.objects.filter(session=session, trajectory=OuterRef("pk"))
    queryset = restrict(Trajectory.objects.filter(programme_id=session.programme_id), user, for_change=True)
    queryset = queryset.filter(Q(ended_on__isnull=True) | Exists(recorded))
    if search.strip():
        queryset = queryset.filter(participant__name_key__contains=name_key(search, ""))
    return list(
        queryset.with_phase()
        .annotate(attended_here=Exists(recorded.filter(attended=True)))
        .select_related("participant")
        .order_by("participant__last_name", "participant__first_name", "pk")
    )


# The caseload: the trajectories a user works with, one row each, filtered, searched and sorted in
# the database, so a page of it runs the same queries whatever the number of rows.

CASELOAD_STATUSES = ("open", "ended", "all")
CASELOAD_SORTS = ("name", "phase", "contact", "province")
NO_COACH = "none"


def _caseload_order(sort: str) -> list:
    """Order by a sortable column (`-` first for descending), then by name so pages stay stable.

    Fewer days since contact means a later date; never contacted counts as the longest ago. A row
    without a phase or province sorts last either way."""
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    by_name = [F("participant__last_name"), F("participant__first_name"), F("pk")]
    if key == "phase":
        first = F("phase").desc(nulls_last=True) if descending else F("phase").asc(nulls_last=True)
    elif key == "contact":
        first = (F("last_contact").asc(nulls_first=True) if descending
                 else F("last_contact").desc(nulls_last=True))
    elif key == "province":
        first = (F("province_name").desc(nulls_last=True) if descending
                 else F("province_name").asc(nulls_last=True))
    else:
        return [field.desc() if descending else field.asc() for field in by_name]
    return [first, *(field.asc() for field in by_name)]


def caseload_for(
    user: User,
    *,
    status: str = "open",
    phase: int | None = None,
    region_code: str = "",
    programme_id: int | None = None,
    coach: str = "",
    search: str = "",
    sort: str = "name",
    on: datetime.date | None = None,
) -> QuerySet[Trajectory]:
    """The trajectories `user` may see, as caseload rows: open ones (or `status` "ended" / "all").

    Each row carries `phase` (the highest reached) and `phase_entered_on`, `last_contact` (the latest
    session the person attended, or None), `open_referrals` (how many are sent, accepted or in
    progress), `province_id` / `province_name` (where the postcode lies on `on`, today by default),
    with the participant, programme and coach joined in. `coach` is a user id or NO_COACH; `search`
    matches every word of it within the name, accents and case ignored.
    Only the fields a caseload shows are read: no contact data, no identifier."""
    on = on or timezone.localdate()
    rows = trajectories_visible_to(user)
    if status == "open":
        rows = rows.filter(ended_on__isnull=True)
    elif status == "ended":
        rows = rows.filter(ended_on__isnull=False)
    highest = PhaseEntry.objects.filter(trajectory=OuterRef("pk")).order_by("-phase")
    attended = Attendance.objects.filter(trajectory=OuterRef("pk"), attended=True)
    rows = rows.with_phase().annotate(
        phase_entered_on=Subquery(highest.values("entered_on")[:1]),
        last_contact=Subquery(attended.order_by("-session__held_on").values("session__held_on")[:1]),
        # A subquery rather than Count over the join, so the other annotations need no GROUP BY.
        open_referrals=Coalesce(Subquery(
            Referral.objects.filter(trajectory=OuterRef("pk"), status__in=Referral.OPEN).order_by()
            .values("trajectory").annotate(count=Count("pk")).values("count")
        ), 0),
    )
    rows = with_region_as_of(rows, "participant__postcode", on)
    if phase is not None:
        rows = rows.filter(phase=phase)
    if region_code:
        rows = rows.filter(province_id__in=Region.objects.filter(code=region_code).values("pk"))
    if programme_id is not None:
        rows = rows.filter(programme_id=programme_id)
    if coach == NO_COACH:
        rows = rows.filter(coach__isnull=True)
    elif coach:
        rows = rows.filter(coach_id=coach)
    for word in name_key(search, "").split():
        rows = rows.filter(participant__name_key__contains=word)
    return (
        rows.select_related("participant", "programme", "coach")
        .only(
            "ended_on", "participant__first_name", "participant__last_name", "programme__code",
            "programme__name", "coach__username", "coach__first_name", "coach__last_name",
        )
        .order_by(*_caseload_order(sort if sort.removeprefix("-") in CASELOAD_SORTS else "name"))
    )


def caseload_programmes(user: User) -> QuerySet[Programme]:
    """The programmes of the trajectories `user` may see: the caseload's programme filter."""
    return Programme.objects.filter(pk__in=trajectories_visible_to(user).values("programme_id"))


def caseload_coaches(user: User) -> QuerySet[User]:
    """The coaches of the trajectories `user` may see: the caseload's coach filter."""
    coach_ids = trajectories_visible_to(user).filter(coach__isnull=False).values("coach_id")
    return User.objects.filter(pk__in=coach_ids).order_by("last_name", "first_name", "username")


def programmes_open_for_registration_by(user: User) -> QuerySet[Programme]:
    """The programmes `user` may enrol a newly registered person in: a coordinator's coordinated
    programmes; for a coach those their organisation coaches in, for a referrer those it refers in to."""
    role = role_of(user)
    if role == Role.COORDINATOR:
        return programmes_coordinated_by(user)
    organisation_role = {Role.COACH: ProgrammeRole.Role.COACHING, Role.REFERRER: ProgrammeRole.Role.REFERRER}
    if role not in organisation_role:
        return Programme.objects.none()
    # One filter() call, so both conditions hold for the same role row.
    return Programme.objects.filter(
        organisation_roles__organisation__staff__user=user,
        organisation_roles__role=organisation_role[role],
    )
