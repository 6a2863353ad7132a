"""Changes to a person: registration, corrections, consent, erasure, and their identifier."""

import datetime
import json
import re
import unicodedata

from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.http import Http404
from django.utils.translation import gettext as _

from casemgmt.access import access_log_record
from casemgmt.audit import history_rewrite, save_as
from casemgmt.batches import scan_lock
from casemgmt.clock import today
from casemgmt.errors import RuleViolation
from casemgmt.identifiers import (
    identifier_decrypt,
    identifier_encrypt,
    identifier_hash,
    identifier_mask,
    identifier_rotate,
    national_number_clean,
)
from casemgmt.models import AccessLog, User
from partners.models import Organisation
from trajectories.models import (
    Attendance,
    ConsentRecord,
    Participant,
    PhaseEntry,
    Referral,
    ReferralEvent,
    ReferralResult,
    Screening,
    Session,
    Trajectory,
    person_name,
)
from trajectories.policies import may_reveal_identifier
from trajectories.signals import participant_erased


def name_key(first_name: str, last_name: str) -> str:
    """Case- and accent-free form of a name, for finding the same person spelled differently."""
    text = unicodedata.normalize("NFKD", f"{first_name} {last_name}")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def _check_birth_date(year: int | None, month: int | None, day: int | None) -> None:
    if day is not None and month is None:
        raise RuleViolation(
            _("A day of birth without a month cannot be stored: give the month too, or leave "
              "the day empty when it is unknown."),
            code="birth_day_without_month",
        )
    if month is not None and year is None:
        raise RuleViolation(
            _("A month of birth without a year cannot be stored: give the year too."),
            code="birth_month_without_year",
        )
    if year is not None and day is not None:
        try:
            born = datetime.date(year, month, day)
        except ValueError:
            raise RuleViolation(
                _("%(day)02d/%(month)02d/%(year)d is not a date in the calendar.")
                % {"day": day, "month": month, "year": year},
                code="birth_date_impossible",
            ) from None
        if born > today():
            raise RuleViolation(_("The date of birth lies in the future."), code="birth_date_future")
    elif year is not None and (year, month or 1) > (today().year, today().month):
        raise RuleViolation(_("The date of birth lies in the future."), code="birth_date_future")


def participant_register(
    *,
    by: User,
    first_name: str,
    last_name: str,
    national_number: str = "",
    birth_year: int | None = None,
    birth_month: int | None = None,
    birth_day: int | None = None,
    **fields,
) -> Participant:
    """Register a person. The national register / BIS number is validated, encrypted and hashed."""
    if not first_name.strip() or not last_name.strip():
        raise RuleViolation(
            _("Both first name and last name are needed to register a participant."),
            code="name_required",
        )
    _check_birth_date(birth_year, birth_month, birth_day)
    participant = Participant(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        name_key=name_key(first_name, last_name),
        birth_year=birth_year,
        birth_month=birth_month,
        birth_day=birth_day,
        **fields,
    )
    if national_number.strip():
        _set_national_number(participant, national_number)
    with transaction.atomic():
        return save_as(participant, by)


def _set_national_number(participant: Participant, raw: str) -> None:
    try:
        number, kind = national_number_clean(raw)
    except Exception as error:  # a ValidationError with the precise message
        raise RuleViolation(error.messages[0], code="national_number_invalid") from None
    participant.national_number_encrypted = identifier_encrypt(number)
    participant.national_number_hash = identifier_hash(number)
    participant.national_number_kind = kind


def participant_update(*, participant: Participant, by: User, **fields) -> Participant:
    """Correct a participant's data; a new national number is validated and encrypted again."""
    national_number = fields.pop("national_number", None)
    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        if participant.erased_on is not None:
            raise RuleViolation(
                _("This participant's personal data was erased on %(date)s; it cannot be filled in again.")
                % {"date": participant.erased_on},
                code="participant_erased",
            )
        for name, value in fields.items():
            setattr(participant, name, value)
        _check_birth_date(participant.birth_year, participant.birth_month, participant.birth_day)
        participant.name_key = name_key(participant.first_name, participant.last_name)
        if national_number is not None:
            if national_number.strip():
                _set_national_number(participant, national_number)
            else:
                participant.national_number_encrypted = ""
                participant.national_number_hash = ""
                participant.national_number_kind = ""
        return save_as(participant, by)


def consent_record(
    *,
    participant: Participant,
    by: User,
    purpose: str,
    given_on: datetime.date,
    version: str,
    organisation: Organisation | None = None,
) -> ConsentRecord:
    if given_on > today():
        raise RuleViolation(_("Consent cannot be dated in the future."), code="consent_future")
    if purpose == ConsentRecord.Purpose.SHARE_WITH_PARTNER and organisation is None:
        raise RuleViolation(
            _("Consent to share data must name the organisation it may be shared with."),
            code="consent_needs_organisation",
        )
    consent = ConsentRecord(
        participant=participant, purpose=purpose, organisation=organisation,
        given_on=given_on, version=version, recorded_by=by,
    )
    with transaction.atomic():
        return save_as(consent, by)


def consent_withdraw(*, consent: ConsentRecord, by: User, on: datetime.date) -> ConsentRecord:
    with transaction.atomic():
        consent = ConsentRecord.objects.select_for_update().get(pk=consent.pk)
        if consent.withdrawn_on is not None:
            raise RuleViolation(
                _("This consent was already withdrawn on %(date)s.") % {"date": consent.withdrawn_on},
                code="consent_already_withdrawn",
            )
        if on < consent.given_on or on > today():
            raise RuleViolation(
                _("A withdrawal date lies between the date consent was given (%(given)s) and today.")
                % {"given": consent.given_on},
                code="consent_withdrawal_date",
            )
        consent.withdrawn_on = on
        return save_as(consent, by)


ERASED = "—"


ERASED_NAME = person_name(ERASED, ERASED)  # an erased person's name, as the app writes it elsewhere


def names_erased(text: str, names: list[str]) -> str:
    """`text` with each of `names` ("first last") that stands as a whole (not inside a longer word or
    name: erasing "Ali Khan" leaves "Ali Khanna") written as an erased person's. Longest first, so that a
    shorter name inside a longer one leaves nothing of it behind."""
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", ERASED_NAME, text)
    return text


def _json_names_erased(text: str, names: list[str]) -> str:
    """The same within every string of a JSON document (the admin log's change message)."""
    def walk(value):
        if isinstance(value, str):
            return names_erased(value, names)
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        return value

    try:
        document = json.loads(text)
    except ValueError:
        return names_erased(text, names)
    return json.dumps(walk(document))


# The records whose name (__str__) holds the person's, each with the path from it to the person: the
# admin's log keeps that name for each change made there (a session's entry names the attendances
# added or changed with it).
_NAMED_AFTER_THE_PERSON = (
    (Participant, "pk"), (ConsentRecord, "participant"), (Trajectory, "participant"),
    (PhaseEntry, "trajectory__participant"), (Screening, "trajectory__participant"),
    (Attendance, "trajectory__participant"), (Referral, "trajectory__participant"),
    (ReferralEvent, "referral__trajectory__participant"),
    (ReferralResult, "referral__trajectory__participant"),
    (Session, "attendances__trajectory__participant"),
)


def _admin_log_forget(participant: Participant, names: list[str]) -> None:
    """Take the person's names out of the admin's log (django.contrib.admin's LogEntry): the entries about
    their records, and those about records of the same kinds that name them in a deletion or a change
    message (a record deleted since can no longer be traced to the person; a namesake's entry loses the
    name too, which errs on the safe side). Few rows: read, rewritten in Python, saved in one UPDATE."""
    about = Q()
    kinds = []
    for model, path in _NAMED_AFTER_THE_PERSON:
        kind = ContentType.objects.get_for_model(model)
        kinds.append(kind)
        ids = model.objects.filter(**{path: participant.pk}).annotate(
            key=Cast("pk", output_field=CharField())).values("key")
        about |= Q(content_type=kind, object_id__in=ids)
    deleted, mentioned = Q(), Q()
    for name in names:
        deleted |= Q(object_repr__contains=name)
        # The message is JSON with non-ASCII letters escaped, as Django writes it.
        mentioned |= Q(change_message__contains=name) | Q(change_message__contains=json.dumps(name)[1:-1])
    elsewhere = Q(content_type__in=kinds) & (Q(action_flag=DELETION) & deleted | mentioned)
    entries = list(LogEntry.objects.filter(about | elsewhere))
    for entry in entries:
        entry.object_repr = names_erased(entry.object_repr, names)
        entry.change_message = _json_names_erased(entry.change_message, names)
    LogEntry.objects.bulk_update(entries, ["object_repr", "change_message"], batch_size=500)


def participant_erase(*, participant: Participant, by: User, on: datetime.date | None = None) -> Participant:
    """Erase a person's personal data (their right to erasure, or the end of retention).

    What anonymous counts need stays: gender, year of birth, postcode (for the province), the ESF
    fields, the trajectories with their phases and outcome. Names, contact data, identifier, day and
    month of birth, business idea, coaching and screening notes go, from the record and its history,
    and the name from wherever another app copied it (the participant_erased signal: the reminders)."""
    on = on or today()
    with transaction.atomic():
        scan_lock(exclusive=True)  # no reminder scan is between reading a name and writing it
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        if participant.erased_on is not None:
            raise RuleViolation(
                _("This participant's personal data was already erased on %(date)s.")
                % {"date": participant.erased_on},
                code="participant_already_erased",
            )
        names = {person_name(first, last)
                 for first, last in participant.history.values_list("first_name", "last_name")}
        names = sorted(names | {person_name(participant.first_name, participant.last_name)} - {""})
        personal = {
            "first_name": ERASED, "last_name": ERASED, "name_key": "", "email": "", "phone": "",
            "business_idea": "", "birth_month": None, "birth_day": None,
            "national_number_hash": "", "national_number_kind": "", "nationality": "",
        }
        for name, value in personal.items():
            setattr(participant, name, value)
        participant.national_number_encrypted = ""
        participant.erased_on = on
        save_as(participant, by)
        trajectory_ids = list(participant.trajectories.values_list("pk", flat=True))
        individual = Session.objects.filter(
            kind=Session.Kind.INDIVIDUAL, attendances__trajectory_id__in=trajectory_ids
        )
        with history_rewrite():
            for row in participant.history.all():
                for name, value in personal.items():
                    setattr(row, name, value)
                row.save()
            for session in individual:
                session.notes = ""
                save_as(session, by)
                for row in session.history.all():
                    row.notes = ""
                    row.save()
            for screening in Screening.objects.filter(trajectory_id__in=trajectory_ids):
                screening.notes = ""
                save_as(screening, by)
                for row in screening.history.all():
                    row.notes = ""
                    row.save()
        _admin_log_forget(participant, names)
        participant_erased.send(
            sender=Participant, participant=participant, trajectory_ids=trajectory_ids,
            names=names,
        )
        return participant


def participant_identifier_masked(*, participant: Participant) -> str:
    """The identifier as anyone who may see the record sees it: only the last two digits."""
    token = participant.national_number_encrypted
    return identifier_mask(identifier_decrypt(token)) if token else ""


def participant_identifier_reveal(*, participant: Participant, request) -> str:
    """Show the full national register / BIS number to a role that needs it; every reveal is logged,
    and so is every refusal. Out of scope answers 404, as if the person did not exist."""
    if not may_reveal_identifier(request.user, participant):
        access_log_record(request=request, action=AccessLog.Action.DENIED, obj=participant,
                          participant_id=participant.pk)
        raise Http404
    access_log_record(request=request, action=AccessLog.Action.REVEAL, obj=participant,
                      participant_id=participant.pk)
    token = participant.national_number_encrypted
    return identifier_decrypt(token) if token else ""


def identifiers_rotate() -> int:
    """Re-encrypt every stored identifier under the newest key (the first of IDENTIFIER_KEYS)."""
    count = 0
    with transaction.atomic():
        for participant in Participant.objects.select_for_update().exclude(national_number_encrypted=""):
            participant.national_number_encrypted = identifier_rotate(participant.national_number_encrypted)
            participant._history_user = None
            participant.save(update_fields=["national_number_encrypted"])
            count += 1
    return count
