"""Reads about participants: likely duplicates at registration, and everything held on one person."""

import datetime
from dataclasses import dataclass

from django.db.models import Q

from casemgmt.identifiers import identifier_hash, national_number_clean
from casemgmt.models import AccessLog
from trajectories.models import Participant
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
