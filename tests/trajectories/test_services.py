"""Registering participants, screening, outcomes, ending trajectories and sessions."""

import datetime

import pytest
from django.db import connection
from django.utils import translation

from casemgmt.errors import RuleViolation
from casemgmt.identifiers import identifier_decrypt, identifier_hash
from tests.factories import ParticipantFactory, ProgrammeFactory, UserFactory
from tests.trajectories.factories import row_counts, running_programme, today
from trajectories.models import Participant, Screening, Session, Trajectory
from trajectories.services import (
    participant_register,
    participant_update,
    screening_record,
    session_log_individual,
    session_plan_group,
    session_record_attendance,
    trajectory_advance,
    trajectory_end,
    trajectory_open,
    trajectory_record_outcome,
)

D = datetime.date
NATIONAL_NUMBER = "85.07.30-033.28"
BIS_NUMBER = "98 47 28 997 65"
REACHED_ON = D(2017, 1, 10)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def register(by, **fields) -> Participant:
    fields.setdefault("first_name", "Amal")
    fields.setdefault("last_name", "Haddad")
    return participant_register(by=by, **fields)


def phases(trajectory: Trajectory) -> list[tuple[int, datetime.date]]:
    return list(trajectory.phase_entries.order_by("phase").values_list("phase", "entered_on"))


def open_in(programme, by, *, phase: int = 1, on: datetime.date = REACHED_ON) -> Trajectory:
    return trajectory_open(participant=ParticipantFactory(), programme=programme, by=by,
                           entered_on=on, phase=phase)


# Registering a participant


def test_registering_a_participant_stores_the_name_and_a_spelling_free_key(coach):
    participant = register(coach, first_name="  Élodie ", last_name="Çelik", postcode=9000)

    participant.refresh_from_db()
    assert (participant.first_name, participant.last_name) == ("Élodie", "Çelik")
    assert participant.name_key == "elodie celik"
    assert participant.postcode == 9000
    assert participant.history.get().history_user == coach


@pytest.mark.parametrize(("first_name", "last_name"), [("", "Haddad"), ("Amal", "  "), ("", "")])
def test_registering_needs_a_first_and_a_last_name(coach, first_name, last_name):
    before = row_counts(Participant)

    with pytest.raises(RuleViolation) as refused:
        register(coach, first_name=first_name, last_name=last_name)

    assert refused.value.code == "name_required"
    assert "first name and last name" in refused.value.messages[0]
    assert row_counts(Participant) == before


def test_a_full_date_of_birth_is_shown_and_gives_the_age(coach):
    participant = register(coach, birth_year=1985, birth_month=7, birth_day=30)

    assert participant.birth_date_display == "30/07/1985"
    assert participant.age_on(D(2017, 7, 29)) == 31
    assert participant.age_on(D(2017, 7, 30)) == 32


def test_a_birth_year_alone_is_accepted_and_counted_from_the_first_of_january(coach):
    participant = register(coach, birth_year=1985)

    participant.refresh_from_db()
    assert (participant.birth_year, participant.birth_month, participant.birth_day) == (1985, None, None)
    assert participant.birth_date_display == "??/??/1985"
    assert participant.age_on(D(2016, 12, 31)) == 31
    assert participant.age_on(D(2017, 1, 1)) == 32


def test_a_birth_year_and_month_are_accepted_and_counted_from_the_first_of_the_month(coach):
    participant = register(coach, birth_year=1985, birth_month=7)

    participant.refresh_from_db()
    assert (participant.birth_year, participant.birth_month, participant.birth_day) == (1985, 7, None)
    assert participant.birth_date_display == "??/07/1985"
    assert participant.age_on(D(2017, 6, 30)) == 31
    assert participant.age_on(D(2017, 7, 1)) == 32


def test_an_unknown_date_of_birth_gives_no_age(coach):
    participant = register(coach)

    assert participant.birth_date_display == "?"
    assert participant.age_on(D(2017, 1, 1)) is None


def test_the_29th_of_february_of_a_leap_year_is_a_date_of_birth(coach):
    participant = register(coach, birth_year=2000, birth_month=2, birth_day=29)

    assert participant.birth_date_display == "29/02/2000"


@pytest.mark.parametrize(("year", "month", "day"), [(1990, 2, 31), (1990, 2, 29), (1990, 4, 31)])
def test_an_impossible_date_of_birth_is_refused_with_the_date_in_the_message(coach, year, month, day):
    before = row_counts(Participant)

    with pytest.raises(RuleViolation) as refused:
        register(coach, birth_year=year, birth_month=month, birth_day=day)

    assert refused.value.code == "birth_date_impossible"
    assert refused.value.messages[0] == f"{day:02d}/{month:02d}/{year} is not a date in the calendar."
    assert row_counts(Participant) == before


def test_a_day_of_birth_without_a_month_is_refused(coach):
    before = row_counts(Participant)

    with pytest.raises(RuleViolation) as refused:
        register(coach, birth_year=1985, birth_day=30)

    assert refused.value.code == "birth_day_without_month"
    assert "give the month too" in refused.value.messages[0]
    assert row_counts(Participant) == before


def test_a_month_of_birth_without_a_year_is_refused(coach):
    with pytest.raises(RuleViolation) as refused:
        register(coach, birth_month=7)

    assert refused.value.code == "birth_month_without_year"
    assert not Participant.objects.exists()


def _next_month() -> tuple[int, int]:
    this = today()
    return (this.year + 1, 1) if this.month == 12 else (this.year, this.month + 1)


@pytest.mark.parametrize(
    "birth",
    [
        pytest.param(lambda: {"birth_year": today().year + 1}, id="year"),
        pytest.param(lambda: dict(zip(("birth_year", "birth_month"), _next_month(), strict=True)),
                     id="year and month"),
        pytest.param(lambda: {"birth_year": (t := today() + datetime.timedelta(days=1)).year,
                              "birth_month": t.month, "birth_day": t.day}, id="full date"),
    ],
)
def test_a_date_of_birth_in_the_future_is_refused(coach, birth):
    with pytest.raises(RuleViolation) as refused:
        register(coach, **birth())

    assert refused.value.code == "birth_date_future"
    assert not Participant.objects.exists()


def test_correcting_a_date_of_birth_checks_it_again(coach):
    participant = register(coach, birth_year=1985)

    with pytest.raises(RuleViolation) as refused:
        participant_update(participant=participant, by=coach, birth_month=2, birth_day=30)

    assert refused.value.code == "birth_date_impossible"
    participant.refresh_from_db()
    assert (participant.birth_month, participant.birth_day) == (None, None)


# The national register / BIS number: encrypted at rest, matched by hash


def _stored_row(table: str, where: str, pk: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE {where} = %s", [pk])  # noqa: S608 (table names are ours)
        rows = cursor.fetchall()
    assert rows, f"no row in {table}"
    return rows


def test_the_national_number_is_stored_encrypted_and_never_in_plain_text(coach):
    # when
    participant = register(coach, national_number=NATIONAL_NUMBER)

    # then no column of the row, nor of its history, holds the number in any spelling
    rows = _stored_row(Participant._meta.db_table, "id", participant.pk)
    rows += _stored_row(Participant.history.model._meta.db_table, "id", participant.pk)
    stored = " | ".join(str(value) for row in rows for value in row)
    for spelling in ("85073003328", NATIONAL_NUMBER, "850730", "03328"):
        assert spelling not in stored
    # and the number can be read back with the key and matched by its hash
    participant.refresh_from_db()
    assert identifier_decrypt(participant.national_number_encrypted) == "85073003328"
    assert participant.national_number_hash == identifier_hash("85073003328")
    assert participant.national_number_kind == Participant.IdentifierKind.NATIONAL_REGISTER


def test_the_history_keeps_no_copy_of_the_encrypted_number(coach):
    participant = register(coach, national_number=NATIONAL_NUMBER)

    history = participant.history.get()

    assert not hasattr(history, "national_number_encrypted")
    assert history.national_number_hash == identifier_hash("85073003328")


def test_a_bis_number_is_recognised_as_such(coach):
    participant = register(coach, national_number=BIS_NUMBER)

    assert participant.national_number_kind == Participant.IdentifierKind.BIS
    assert identifier_decrypt(participant.national_number_encrypted) == "98472899765"


def test_the_same_number_written_differently_gives_the_same_hash(coach):
    first = register(coach, national_number="85.07.30-033.28")
    second = register(coach, first_name="Amaal", national_number="85073003328")

    assert first.national_number_hash == second.national_number_hash
    assert first.national_number_encrypted != second.national_number_encrypted


def test_an_invalid_national_number_is_refused_with_the_reason(coach):
    before = row_counts(Participant)

    with pytest.raises(RuleViolation) as refused:
        register(coach, national_number="85.07.30-033.29")

    assert refused.value.code == "national_number_invalid"
    assert "check digits do not match" in refused.value.messages[0]
    assert row_counts(Participant) == before


def test_a_corrected_national_number_replaces_the_old_one_and_an_empty_one_clears_it(coach):
    participant = register(coach, national_number=NATIONAL_NUMBER)

    participant = participant_update(participant=participant, by=coach, national_number=BIS_NUMBER)
    assert identifier_decrypt(participant.national_number_encrypted) == "98472899765"
    assert participant.national_number_kind == "bis"

    participant = participant_update(participant=participant, by=coach, national_number="")
    participant.refresh_from_db()
    assert (participant.national_number_encrypted, participant.national_number_hash,
            participant.national_number_kind) == ("", "", "")


# Screening (phase 3)


SCREENING = {
    "residence_permit_ok": True, "basic_management_knowledge": True, "language_sufficient": True,
    "financially_feasible": True, "potential": Screening.Potential.HIGH,
    "decision": Screening.Decision.GUIDANCE,
}


@pytest.fixture
def detected(ovv, coach) -> Trajectory:
    """A trajectory in phase 3 (detection) since 2017-03-01."""
    return open_in(ovv, coach, phase=3, on=D(2017, 3, 1))


def test_a_screening_is_recorded_with_who_screened(detected, coach):
    screening = screening_record(trajectory=detected, by=coach, screened_on=D(2017, 3, 1), **SCREENING)

    assert screening.trajectory == detected
    assert screening.screened_by == coach
    assert screening.history.get().history_user == coach


def test_screening_happens_in_phase_3_only(ovv, coach):
    informed = open_in(ovv, coach, phase=2, on=D(2017, 3, 1))

    with pytest.raises(RuleViolation) as refused:
        screening_record(trajectory=informed, by=coach, screened_on=D(2017, 3, 2), **SCREENING)

    assert refused.value.code == "screening_before_detection"
    assert not Screening.objects.exists()


@pytest.mark.parametrize("days", [-1, None], ids=["before phase 3", "tomorrow"])
def test_a_screening_lies_between_the_entry_into_phase_3_and_today(detected, coach, days):
    screened_on = D(2017, 2, 28) if days == -1 else today() + datetime.timedelta(days=1)

    with pytest.raises(RuleViolation) as refused:
        screening_record(trajectory=detected, by=coach, screened_on=screened_on, **SCREENING)

    assert refused.value.code == "screening_date"
    assert "2017-03-01" in refused.value.messages[0]
    assert not Screening.objects.exists()


@pytest.mark.parametrize("unmet", ["residence_permit_ok", "language_sufficient", "financially_feasible"])
def test_guidance_needs_every_precondition_met(detected, coach, unmet):
    before = row_counts(Screening)

    with pytest.raises(RuleViolation) as refused:
        screening_record(trajectory=detected, by=coach, screened_on=D(2017, 3, 2),
                         **SCREENING | {unmet: False})

    assert refused.value.code == "screening_preconditions_unmet"
    assert row_counts(Screening) == before


def test_a_screening_with_unmet_preconditions_may_point_elsewhere(detected, coach):
    screening = screening_record(
        trajectory=detected, by=coach, screened_on=D(2017, 3, 2),
        **SCREENING | {"financially_feasible": False, "decision": Screening.Decision.WAGE_EMPLOYMENT},
    )

    assert screening.decision == Screening.Decision.WAGE_EMPLOYMENT


def test_missing_management_knowledge_does_not_block_guidance(detected, coach):
    # management knowledge is what guidance teaches; it is noted, not a precondition
    screening = screening_record(trajectory=detected, by=coach, screened_on=D(2017, 3, 2),
                                 **SCREENING | {"basic_management_knowledge": False})

    assert screening.decision == Screening.Decision.GUIDANCE


def test_an_ended_trajectory_gets_no_screening(detected, coach):
    trajectory_end(trajectory=detected, by=coach, ended_on=D(2017, 4, 1))

    with pytest.raises(RuleViolation) as refused:
        screening_record(trajectory=detected, by=coach, screened_on=D(2017, 4, 1), **SCREENING)

    assert refused.value.code == "trajectory_ended"
    assert not Screening.objects.exists()


# Outcome


@pytest.fixture
def guided(ovv, coach) -> Trajectory:
    """A trajectory in phase 4 (guidance) since 2017-05-01."""
    return open_in(ovv, coach, phase=4, on=D(2017, 5, 1))


SELF_EMPLOYED = {
    "outcome": Trajectory.Outcome.SELF_EMPLOYED, "recorded_on": D(2018, 1, 15),
    "enterprise_number": "0403.019.261", "self_employed_since": D(2018, 1, 2),
    "occupation": Trajectory.Occupation.MAIN,
}


def test_self_employment_is_recorded_with_enterprise_number_start_date_and_occupation(guided, coach):
    trajectory_record_outcome(trajectory=guided, by=coach, **SELF_EMPLOYED)

    guided.refresh_from_db()
    assert guided.outcome == Trajectory.Outcome.SELF_EMPLOYED
    assert guided.enterprise_number == "0403019261"
    assert guided.self_employed_since == D(2018, 1, 2)
    assert guided.occupation == Trajectory.Occupation.MAIN
    assert guided.outcome_recorded_on == D(2018, 1, 15)
    assert guided.history.latest().history_user == coach


@pytest.mark.parametrize("missing", ["", "   "])
def test_self_employment_without_an_enterprise_number_is_refused_pointing_at_smart(guided, coach, missing):
    # work through SMart's interim contracts is protected entrepreneurship, not a start of one's own
    before = row_counts(Trajectory)

    with pytest.raises(RuleViolation) as refused:
        trajectory_record_outcome(trajectory=guided, by=coach,
                                  **SELF_EMPLOYED | {"enterprise_number": missing})

    assert refused.value.code == "self_employed_needs_enterprise_number"
    assert "SMart" in refused.value.messages[0]
    assert "enterprise number" in refused.value.messages[0]
    assert row_counts(Trajectory) == before


@pytest.mark.parametrize(
    ("number", "reason"),
    [("0403.019.262", "check digits"), ("0403.019.2", "has 10 digits"),
     ("ABCD.EFG.HIJ", "not a valid enterprise number")],
)
def test_self_employment_with_an_invalid_enterprise_number_is_refused(guided, coach, number, reason):
    before = row_counts(Trajectory)

    with pytest.raises(RuleViolation) as refused:
        trajectory_record_outcome(trajectory=guided, by=coach,
                                  **SELF_EMPLOYED | {"enterprise_number": number})

    assert refused.value.code == "enterprise_number_invalid"
    assert reason in refused.value.messages[0]
    assert row_counts(Trajectory) == before
    guided.refresh_from_db()
    assert guided.outcome == ""


@pytest.mark.parametrize("since", [None, "tomorrow"])
def test_self_employment_needs_a_start_date_not_in_the_future(guided, coach, since):
    if since == "tomorrow":
        since = today() + datetime.timedelta(days=1)

    with pytest.raises(RuleViolation) as refused:
        trajectory_record_outcome(trajectory=guided, by=coach,
                                  **SELF_EMPLOYED | {"self_employed_since": since})

    assert refused.value.code == "self_employed_needs_start_date"
    guided.refresh_from_db()
    assert guided.outcome == ""


@pytest.mark.parametrize("occupation", ["", "weekends"])
def test_self_employment_needs_main_or_secondary_occupation(guided, coach, occupation):
    with pytest.raises(RuleViolation) as refused:
        trajectory_record_outcome(trajectory=guided, by=coach,
                                  **SELF_EMPLOYED | {"occupation": occupation})

    assert refused.value.code == "self_employed_needs_occupation"
    guided.refresh_from_db()
    assert guided.outcome == ""


def test_an_unknown_outcome_is_refused_listing_the_choices(guided, coach):
    with pytest.raises(RuleViolation) as refused:
        trajectory_record_outcome(trajectory=guided, by=coach, outcome="rich", recorded_on=D(2018, 1, 1))

    assert refused.value.code == "outcome_unknown"
    assert "self_employed" in refused.value.messages[0]


def test_an_outcome_cannot_be_recorded_in_the_future(guided, coach):
    with pytest.raises(RuleViolation) as refused:
        trajectory_record_outcome(trajectory=guided, by=coach, outcome=Trajectory.Outcome.EMPLOYED,
                                  recorded_on=today() + datetime.timedelta(days=1))

    assert refused.value.code == "outcome_future"


def test_another_outcome_clears_the_self_employment_details(guided, coach):
    trajectory_record_outcome(trajectory=guided, by=coach, **SELF_EMPLOYED)

    trajectory_record_outcome(trajectory=guided, by=coach, outcome=Trajectory.Outcome.EMPLOYED,
                              recorded_on=D(2018, 3, 1), enterprise_number="0403.019.261",
                              self_employed_since=D(2018, 1, 2), occupation="main")

    guided.refresh_from_db()
    assert guided.outcome == Trajectory.Outcome.EMPLOYED
    assert (guided.enterprise_number, guided.self_employed_since, guided.occupation) == ("", None, "")


def test_an_outcome_may_be_recorded_after_the_trajectory_ended(guided, coach):
    # outflow is measured in the months after guidance
    trajectory_end(trajectory=guided, by=coach, ended_on=D(2017, 10, 1))

    trajectory_record_outcome(trajectory=guided, by=coach, **SELF_EMPLOYED)

    guided.refresh_from_db()
    assert (guided.ended_on, guided.outcome) == (D(2017, 10, 1), Trajectory.Outcome.SELF_EMPLOYED)


# Ending a trajectory


def test_ending_a_trajectory_keeps_its_phases(guided, coach):
    trajectory_end(trajectory=guided, by=coach, ended_on=D(2017, 10, 1))

    guided.refresh_from_db()
    assert guided.ended_on == D(2017, 10, 1)
    assert [phase for phase, _ in phases(guided)] == [1, 2, 3, 4]
    assert not Trajectory.objects.open().exists()


def test_a_trajectory_may_end_on_the_day_of_its_last_phase(guided, coach):
    trajectory_end(trajectory=guided, by=coach, ended_on=D(2017, 5, 1))

    guided.refresh_from_db()
    assert guided.ended_on == D(2017, 5, 1)


def test_an_ended_trajectory_cannot_end_again(guided, coach):
    trajectory_end(trajectory=guided, by=coach, ended_on=D(2017, 10, 1))
    before = row_counts(Trajectory)

    with pytest.raises(RuleViolation) as refused:
        trajectory_end(trajectory=guided, by=coach, ended_on=D(2017, 11, 1))

    assert refused.value.code == "trajectory_ended"
    assert "2017-10-01" in refused.value.messages[0]
    assert row_counts(Trajectory) == before


@pytest.mark.parametrize("when", ["before the last phase", "tomorrow"])
def test_the_end_date_lies_between_the_last_phase_and_today(guided, coach, when):
    ended_on = D(2017, 4, 30) if when == "before the last phase" else today() + datetime.timedelta(days=1)
    before = row_counts(Trajectory)

    with pytest.raises(RuleViolation) as refused:
        trajectory_end(trajectory=guided, by=coach, ended_on=ended_on)

    assert refused.value.code == "trajectory_end_date"
    assert "2017-05-01" in refused.value.messages[0]
    assert row_counts(Trajectory) == before


# Sessions


def test_an_individual_contact_creates_a_session_and_an_attendance(ovv, coach):
    trajectory = open_in(ovv, coach)

    session = session_log_individual(trajectory=trajectory, by=coach, held_on=D(2017, 2, 1),
                                     duration_minutes=60, notes="Idee: kapsalon")

    assert (session.programme, session.kind, session.held_on, session.coach) == (
        ovv, Session.Kind.INDIVIDUAL, D(2017, 2, 1), coach,
    )
    assert [(a.trajectory, a.attended) for a in session.attendances.all()] == [(trajectory, True)]
    assert session.history.get().history_user == coach
    assert phases(trajectory) == [(1, D(2017, 1, 10))]


@pytest.mark.parametrize("held_on", [D(2016, 10, 31), D(2018, 11, 1)])
def test_an_individual_contact_outside_the_programme_dates_is_refused(ovv, coach, held_on):
    trajectory = open_in(ovv, coach)
    before = row_counts()

    with pytest.raises(RuleViolation) as refused:
        session_log_individual(trajectory=trajectory, by=coach, held_on=held_on, duration_minutes=60)

    assert refused.value.code == "session_outside_programme"
    assert "2016-11-01" in refused.value.messages[0] and "2018-10-31" in refused.value.messages[0]
    assert row_counts() == before


def test_an_individual_contact_is_logged_once_it_took_place(coach):
    trajectory = open_in(running_programme(), coach, on=today())

    with pytest.raises(RuleViolation) as refused:
        session_log_individual(trajectory=trajectory, by=coach,
                               held_on=today() + datetime.timedelta(days=1), duration_minutes=60)

    assert refused.value.code == "session_future"
    assert not Session.objects.exists()


@pytest.mark.parametrize("held_on", [D(2016, 10, 31), D(2018, 11, 1)])
def test_a_group_session_outside_the_programme_dates_is_refused(ovv, coach, held_on):
    with pytest.raises(RuleViolation) as refused:
        session_plan_group(programme=ovv, by=coach, kind=Session.Kind.INFO, held_on=held_on,
                           duration_minutes=120, title="Infosessie")

    assert refused.value.code == "session_outside_programme"
    assert not Session.objects.exists()


def test_a_group_session_is_an_info_or_theme_session(ovv, coach):
    with pytest.raises(RuleViolation) as refused:
        session_plan_group(programme=ovv, by=coach, kind=Session.Kind.INDIVIDUAL, held_on=D(2017, 3, 1),
                           duration_minutes=120, title="Infosessie")

    assert refused.value.code == "session_kind"
    assert not Session.objects.exists()


@pytest.fixture
def info_session(ovv, coach) -> Session:
    return session_plan_group(programme=ovv, by=coach, kind=Session.Kind.INFO, held_on=D(2017, 3, 1),
                              duration_minutes=120, title="Ondernemen in België")


@pytest.mark.parametrize("kind", [Session.Kind.INFO, Session.Kind.THEME])
def test_attending_a_group_session_moves_a_sensitised_participant_into_information(ovv, coach, kind):
    # given
    trajectory = open_in(ovv, coach)
    session = session_plan_group(programme=ovv, by=coach, kind=kind, held_on=D(2017, 3, 1),
                                 duration_minutes=120, title="Boekhouding")
    recorder = UserFactory(username="recorder")

    # when
    session_record_attendance(session=session, by=recorder, attended=[trajectory.pk])

    # then phase 2 is entered on the date of the session, by whoever recorded the attendance
    assert phases(trajectory) == [(1, D(2017, 1, 10)), (2, D(2017, 3, 1))]
    assert trajectory.phase_entries.get(phase=2).recorded_by == recorder
    assert [(a.trajectory, a.attended) for a in session.attendances.all()] == [(trajectory, True)]


def test_attending_a_group_session_leaves_later_phases_alone(ovv, coach, info_session):
    informed = open_in(ovv, coach, phase=2, on=D(2017, 2, 1))
    guided = open_in(ovv, coach, phase=4, on=D(2017, 2, 1))

    session_record_attendance(session=info_session, by=coach, attended=[informed.pk, guided.pk])

    assert phases(informed) == [(1, D(2017, 2, 1)), (2, D(2017, 2, 1))]
    assert phases(guided) == [(phase, D(2017, 2, 1)) for phase in (1, 2, 3, 4)]
    assert info_session.attendances.filter(attended=True).count() == 2


def test_an_absent_participant_stays_in_sensitisation(ovv, coach, info_session):
    present, absent = open_in(ovv, coach), open_in(ovv, coach)

    session_record_attendance(session=info_session, by=coach, attended=[present.pk], absent=[absent.pk])

    assert [phase for phase, _ in phases(present)] == [1, 2]
    assert phases(absent) == [(1, D(2017, 1, 10))]
    assert info_session.attendances.get(trajectory=absent).attended is False


def test_an_ended_trajectory_cannot_attend_a_session_after_its_end(ovv, coach, info_session):
    ended = open_in(ovv, coach)
    trajectory_end(trajectory=ended, by=coach, ended_on=D(2017, 2, 1))

    with pytest.raises(RuleViolation) as refused:
        session_record_attendance(session=info_session, by=coach, attended=[ended.pk])

    assert refused.value.code == "session_outside_trajectory"
    assert phases(ended) == [(1, D(2017, 1, 10))]
    assert not info_session.attendances.exists()


def test_participants_of_another_programme_cannot_attend(ovv, coach, info_session):
    # given a participant of the parallel project (career workshops) and one of OVV
    workshops = ProgrammeFactory(code="LBA", name="Loopbaanateliers")
    outsider = open_in(workshops, coach)
    insider = open_in(ovv, coach)
    before = row_counts()

    # when
    with pytest.raises(RuleViolation) as refused:
        session_record_attendance(session=info_session, by=coach, attended=[insider.pk, outsider.pk])

    # then nobody's attendance or phase is written: the session is claimed by OVV only
    assert refused.value.code == "attendance_other_programme"
    assert str(outsider.participant) in refused.value.messages[0]
    assert row_counts() == before
    assert phases(insider) == [(1, D(2017, 1, 10))]


def test_attendance_of_an_unknown_trajectory_is_refused(ovv, coach, info_session):
    with pytest.raises(RuleViolation) as refused:
        session_record_attendance(session=info_session, by=coach, attended=[987654])

    assert refused.value.code == "attendance_unknown_trajectory"
    assert "987654" in refused.value.messages[0]


def test_attendance_is_recorded_once_the_session_took_place(coach):
    programme = running_programme()
    trajectory = open_in(programme, coach, on=today())
    session = session_plan_group(programme=programme, by=coach, kind=Session.Kind.INFO,
                                 held_on=today() + datetime.timedelta(days=7), duration_minutes=90,
                                 title="Infosessie")

    with pytest.raises(RuleViolation) as refused:
        session_record_attendance(session=session, by=coach, attended=[trajectory.pk])

    assert refused.value.code == "attendance_future"
    assert not session.attendances.exists()
    assert phases(trajectory) == [(1, today())]


def test_recording_attendance_again_corrects_it_without_duplicates(ovv, coach, info_session):
    trajectory = open_in(ovv, coach)
    session_record_attendance(session=info_session, by=coach, absent=[trajectory.pk], attended=[])

    session_record_attendance(session=info_session, by=coach, attended=[trajectory.pk])

    assert [(a.trajectory, a.attended) for a in info_session.attendances.all()] == [(trajectory, True)]
    assert [phase for phase, _ in phases(trajectory)] == [1, 2]


def test_a_phase_2_participant_can_still_be_advanced_after_a_session(ovv, coach, info_session):
    trajectory = open_in(ovv, coach)
    session_record_attendance(session=info_session, by=coach, attended=[trajectory.pk])

    trajectory_advance(trajectory=trajectory, phase=3, on=D(2017, 3, 15), by=coach)

    assert phases(trajectory)[-1] == (3, D(2017, 3, 15))


def test_an_individual_contact_before_the_person_was_reached_is_refused(ovv, coach):
    trajectory = open_in(ovv, coach, on=D(2017, 3, 1))
    before = row_counts()

    with pytest.raises(RuleViolation) as refused:
        session_log_individual(trajectory=trajectory, by=coach, held_on=D(2017, 2, 1),
                               duration_minutes=60)

    assert refused.value.code == "session_outside_trajectory"
    assert "2017-03-01" in refused.value.messages[0]
    assert row_counts() == before


def test_a_trajectory_cannot_end_after_its_programme_ended(ovv, coach):
    trajectory = open_in(ovv, coach)

    with pytest.raises(RuleViolation) as refused:
        trajectory_end(trajectory=trajectory, by=coach, ended_on=D(2018, 11, 1))

    assert refused.value.code == "trajectory_end_date"
    assert "2018-10-31" in refused.value.messages[0]
    trajectory.refresh_from_db()
    assert trajectory.ended_on is None
