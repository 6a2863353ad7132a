"""Reads about referrals to specialisations: the partner's inbox, the referral page, the referrals on a
participant's timeline, and what a coach may refer to. Each runs a fixed number of queries."""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When

from casemgmt.clock import today
from casemgmt.models import User
from partners.models import SpecialisationOffer
from trajectories.models import ConsentRecord, Participant, Referral, ReferralEvent
from trajectories.policies import referrals_visible_to, restrict

# What a referral page never reads of the person: their identifier and what only ESF registration needs.
HIDDEN_FROM_PARTNER = (
    "national_number_encrypted", "national_number_hash", "national_number_kind", "birth_year",
    "birth_month", "birth_day", "gender", "nationality", "residence_status", "education",
    "labour_market_status", "disability", "homeless", "postcode",
)


def referral_inbox(
    user: User, *, status: str = "open", age: str = "", on: datetime.date | None = None
) -> QuerySet[Referral]:
    """The referrals `user` may see, as inbox rows: open ones by default (or one `status`, or "all"),
    sent within the last 7 or 30 days or longer ago (`age` "7", "30" or "older"); open ones first,
    the longest waiting on top. Each row has its participant's name and its specialisation joined in,
    and nothing more of the person."""
    on = on or today()
    rows = referrals_visible_to(user)
    if status == "open":
        rows = rows.filter(status__in=Referral.OPEN)
    elif status in Referral.Status.values:
        rows = rows.filter(status=status)
    if age in ("7", "30"):
        rows = rows.filter(sent_on__gte=on - datetime.timedelta(days=int(age)))
    elif age == "older":
        rows = rows.filter(sent_on__lt=on - datetime.timedelta(days=30))
    waiting_first = Case(When(status__in=Referral.OPEN, then=Value(0)), default=Value(1),
                         output_field=IntegerField())
    return (
        rows.select_related("trajectory__participant", "specialisation")
        .only("status", "sent_on", "closed_on", "trajectory__participant__first_name",
              "trajectory__participant__last_name", "specialisation__name")
        .order_by(waiting_first, "sent_on", "pk")
    )


def referral_for_page(user: User, pk: int, *, for_change: bool = False) -> QuerySet[Referral]:
    """The referral `pk` if `user` may see (or act on) it, with what its page shows: the person's name,
    contact, languages and business idea (not their identifier or anything else of their file), the
    coach, the specialisation and organisation, the result and the steps with who took them. Two
    queries, whatever the number of steps."""
    steps = restrict(ReferralEvent.objects.all(), user).select_related("by").order_by("on", "pk")
    return (
        referrals_visible_to(user, for_change=for_change)
        .filter(pk=pk)
        .select_related("trajectory__participant", "trajectory__coach", "specialisation", "organisation",
                        "result")
        .defer(*(f"trajectory__participant__{name}" for name in HIDDEN_FROM_PARTNER))
        .prefetch_related(Prefetch("events", queryset=steps))
    )


def referrals_prefetch(user: User) -> Prefetch:
    """The referrals of each trajectory on a participant's timeline, with their steps and result:
    two queries for all the trajectories of the page."""
    steps = restrict(ReferralEvent.objects.all(), user).select_related("by").order_by("on", "pk")
    referrals = (
        restrict(Referral.objects.all(), user)
        .select_related("specialisation", "organisation", "result")
        .prefetch_related(Prefetch("events", queryset=steps))
        .order_by("sent_on", "pk")
    )
    return Prefetch("referrals", queryset=referrals)


def offers_by_programme(programme_ids: Iterable[int]) -> dict[int, list[SpecialisationOffer]]:
    """What a trajectory of each programme may be referred to: the specialisations and the
    organisations that offer them there. One query for all the programmes."""
    offers = (
        SpecialisationOffer.objects.filter(programme_id__in=list(programme_ids))
        .select_related("specialisation", "organisation")
        .order_by("specialisation__name", "organisation__name", "pk")
    )
    found: dict[int, list[SpecialisationOffer]] = defaultdict(list)
    for offer in offers:
        found[offer.programme_id].append(offer)
    return found


def consents_to_share(
    participant: Participant, user: User, *, on: datetime.date | None = None
) -> list[ConsentRecord]:
    """The organisations the person agreed, as of `on` (today), to have their data shared with."""
    on = on or today()
    return list(
        restrict(ConsentRecord.objects.all(), user).filter(
            Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on),
            participant=participant, purpose=ConsentRecord.Purpose.SHARE_WITH_PARTNER, given_on__lte=on,
        )
        .select_related("organisation")
        .order_by("organisation__name", "given_on")
    )
