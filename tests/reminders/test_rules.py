"""Every reminder rule: due on its day, not the day before, closed once its cause is gone, and with
each programme's own thresholds (a programme without settings runs on the defaults)."""

import pytest

from casemgmt.models import Phase
from partners.models import StaffMember
from reminders.models import Reminder, ReminderSettings, Rule
from reminders.services import reminder_settings_save
from tests.reminders.world import D, reminders, scan, staff
from trajectories.models import Participant, Session, Trajectory
from trajectories.services import (
    participant_update,
    referral_accept,
    referral_decline,
    referral_withdraw,
    session_log_individual,
    session_plan_group,
    session_record_attendance,
    trajectory_advance,
    trajectory_assign_coach,
    trajectory_end,
    trajectory_record_outcome,
)

pytestmark = pytest.mark.django_db

Status = Reminder.Status
Reason = Reminder.ClosedReason


def configure(world, programme=None, **thresholds) -> ReminderSettings:
    """A coordinator sets the programme's reminder settings (OVV's coordinator, or an admin's for others)."""
    programme = programme or world.ovv
    row = ReminderSettings.objects.filter(programme=programme).first() or ReminderSettings(programme=programme)
    for name, value in thresholds.items():
        setattr(row, name, value)
    by = world.coordinator if programme == world.ovv else staff("admin", world.orgs["stebo"], "coach",
                                                                   is_superuser=True)
    return reminder_settings_save(settings_row=row, by=by)


def contact(world, trajectory: Trajectory, on):
    return session_log_individual(trajectory=trajectory, by=world.coach, held_on=on, duration_minutes=30)


# (a) No contact with an open trajectory for N days (default 21) -> the coach


def test_no_contact_is_not_due_the_day_before_n_days_have_passed(world):
    trajectory = world.trajectory(entered_on=D(2017, 1, 10))
    contact(world, trajectory, D(2017, 2, 1))

    scan(D(2017, 2, 21), Rule.NO_CONTACT)

    assert reminders(Rule.NO_CONTACT) == []


def test_no_contact_reminds_the_coach_21_days_after_the_last_contact(world):
    trajectory = world.trajectory(entered_on=D(2017, 1, 10), last_name="Haddad")
    contact(world, trajectory, D(2017, 1, 20))
    contact(world, trajectory, D(2017, 2, 1))

    scan(D(2017, 2, 22), Rule.NO_CONTACT)

    (reminder,) = reminders(Rule.NO_CONTACT)
    assert reminder.recipient == world.coach
    assert reminder.trajectory == trajectory
    assert (reminder.object_type, reminder.object_id) == ("trajectories.trajectory", str(trajectory.pk))
    assert (reminder.counted_from, reminder.due_on, reminder.status) == (D(2017, 2, 1), D(2017, 2, 22), Status.OPEN)
    assert "Haddad" in reminder.message


def test_no_contact_counts_from_the_day_the_person_was_reached_when_there_was_no_contact(world):
    world.trajectory(entered_on=D(2017, 1, 10))

    scan(D(2017, 1, 30), Rule.NO_CONTACT)
    assert reminders(Rule.NO_CONTACT) == []
    scan(D(2017, 1, 31), Rule.NO_CONTACT)

    (reminder,) = reminders(Rule.NO_CONTACT)
    assert (reminder.counted_from, reminder.due_on) == (D(2017, 1, 10), D(2017, 1, 31))


def test_no_contact_reminder_closes_when_a_contact_is_logged(world):
    trajectory = world.trajectory(entered_on=D(2017, 1, 10))
    scan(D(2017, 2, 1), Rule.NO_CONTACT)

    contact(world, trajectory, D(2017, 2, 2))
    scan(D(2017, 2, 2), Rule.NO_CONTACT)

    (reminder,) = reminders(Rule.NO_CONTACT)
    assert (reminder.status, reminder.closed_reason) == (Status.CLOSED, Reason.CONTACT_LOGGED)
    assert reminder.closed_at is not None


def test_no_contact_comes_back_n_days_after_the_new_contact(world):
    trajectory = world.trajectory(entered_on=D(2017, 1, 10))
    scan(D(2017, 2, 1), Rule.NO_CONTACT)
    contact(world, trajectory, D(2017, 2, 2))

    scan(D(2017, 2, 23), Rule.NO_CONTACT)

    assert [(r.status, r.due_on) for r in reminders(Rule.NO_CONTACT)] == [
        (Status.CLOSED, D(2017, 1, 31)), (Status.OPEN, D(2017, 2, 23))]


def test_no_contact_reminder_closes_when_the_trajectory_ends(world):
    trajectory = world.trajectory(entered_on=D(2017, 1, 10))
    scan(D(2017, 2, 1), Rule.NO_CONTACT)

    trajectory_end(trajectory=trajectory, by=world.coach, ended_on=D(2017, 2, 3))
    scan(D(2017, 2, 3), Rule.NO_CONTACT)

    (reminder,) = reminders(Rule.NO_CONTACT)
    assert (reminder.status, reminder.closed_reason) == (Status.CLOSED, Reason.TRAJECTORY_ENDED)


def test_no_contact_moves_to_the_new_coach_when_the_trajectory_is_reassigned(world):
    trajectory = world.trajectory(entered_on=D(2017, 1, 10))
    scan(D(2017, 2, 1), Rule.NO_CONTACT)
    new_coach = staff("coach.unizo", world.orgs["unizo"], StaffMember.Role.COACH)

    trajectory_assign_coach(trajectory=trajectory, coach=new_coach, by=world.coordinator)
    scan(D(2017, 2, 2), Rule.NO_CONTACT)

    old, new = reminders(Rule.NO_CONTACT)
    assert (old.recipient, old.status, old.closed_reason) == (world.coach, Status.CLOSED, Reason.REASSIGNED)
    assert (new.recipient, new.status) == (new_coach, Status.OPEN)


def test_no_contact_uses_each_programmes_own_threshold(world, other_programme):
    configure(world, no_contact_days=10)
    ovv = world.trajectory(entered_on=D(2017, 1, 10))
    lba = world.trajectory(entered_on=D(2017, 1, 10), programme=other_programme)

    scan(D(2017, 1, 20), Rule.NO_CONTACT)
    assert [r.trajectory for r in reminders(Rule.NO_CONTACT)] == [ovv]

    scan(D(2017, 1, 31), Rule.NO_CONTACT)
    assert [(r.trajectory, r.due_on) for r in reminders(Rule.NO_CONTACT)] == [
        (ovv, D(2017, 1, 20)), (lba, D(2017, 1, 31))]


def test_no_contact_reminder_closes_when_the_threshold_is_raised(world):
    world.trajectory(entered_on=D(2017, 1, 10))
    scan(D(2017, 1, 31), Rule.NO_CONTACT)

    configure(world, no_contact_days=30)
    scan(D(2017, 2, 1), Rule.NO_CONTACT)

    (reminder,) = reminders(Rule.NO_CONTACT)
    assert (reminder.status, reminder.closed_reason) == (Status.CLOSED, Reason.NOT_DUE)


def test_a_rule_switched_off_closes_its_reminders_and_switched_on_opens_them_again(world):
    world.trajectory(entered_on=D(2017, 1, 10))
    scan(D(2017, 1, 31), Rule.NO_CONTACT)

    configure(world, no_contact_enabled=False)
    scan(D(2017, 2, 1), Rule.NO_CONTACT)
    (reminder,) = reminders(Rule.NO_CONTACT)
    assert (reminder.status, reminder.closed_reason) == (Status.CLOSED, Reason.RULE_OFF)

    configure(world, no_contact_enabled=True)
    outcome = scan(D(2017, 2, 2), Rule.NO_CONTACT)
    (reminder,) = reminders(Rule.NO_CONTACT)
    assert (reminder.status, reminder.closed_reason, reminder.closed_at) == (Status.OPEN, "", None)
    assert outcome[Rule.NO_CONTACT] == (0, 1, 0)


def test_no_contact_leaves_out_trajectories_without_a_coach_and_ended_ones(world):
    counted = world.trajectory(entered_on=D(2017, 1, 10))
    ended = world.trajectory(entered_on=D(2017, 1, 10))
    trajectory_end(trajectory=ended, by=world.coach, ended_on=D(2017, 1, 11))
    without_coach = world.trajectory(entered_on=D(2017, 1, 10))
    trajectory_assign_coach(trajectory=without_coach, coach=None, by=world.coordinator)

    scan(D(2017, 3, 1), Rule.NO_CONTACT)

    assert [r.trajectory for r in reminders(Rule.NO_CONTACT)] == [counted]


# (b) In the same phase for more than N days (per phase; default 60/45/45/90) -> the coach


def test_phase_stale_is_not_due_after_exactly_the_days_of_the_phase(world):
    world.trajectory(entered_on=D(2017, 1, 10), phase=Phase.INFORMATION)

    scan(D(2017, 2, 24), Rule.PHASE_STALE)  # 45 days: not yet more than 45

    assert reminders(Rule.PHASE_STALE) == []


def test_phase_stale_reminds_the_coach_after_more_than_the_days_of_the_current_phase(world):
    trajectory = world.trajectory(entered_on=D(2017, 1, 10), phase=Phase.INFORMATION)

    scan(D(2017, 2, 25), Rule.PHASE_STALE)

    (reminder,) = reminders(Rule.PHASE_STALE)
    current = trajectory.phase_entries.get(phase=Phase.INFORMATION)
    assert (reminder.recipient, reminder.trajectory, reminder.phase_entry) == (world.coach, trajectory, current)
    assert (reminder.counted_from, reminder.due_on) == (D(2017, 1, 10), D(2017, 2, 25))  # 46 days


def test_phase_stale_reminder_closes_when_the_trajectory_moves_on(world):
    trajectory = world.trajectory(entered_on=D(2017, 1, 10), phase=Phase.INFORMATION)
    scan(D(2017, 2, 25), Rule.PHASE_STALE)

    trajectory_advance(trajectory=trajectory, phase=Phase.DETECTION, on=D(2017, 2, 26), by=world.coach)
    scan(D(2017, 2, 26), Rule.PHASE_STALE)

    (reminder,) = reminders(Rule.PHASE_STALE)
    assert (reminder.status, reminder.closed_reason) == (Status.CLOSED, Reason.PHASE_MOVED)


def test_phase_stale_counts_the_current_phase_only_when_phases_were_entered_together(world):
    # Opening in phase 3 enters phases 1, 2 and 3 on one day: only phase 3 (45 days) counts.
    world.trajectory(entered_on=D(2017, 1, 10), phase=Phase.DETECTION)

    scan(D(2017, 3, 20), Rule.PHASE_STALE)

    (reminder,) = reminders(Rule.PHASE_STALE)
    assert reminder.phase_entry.phase == Phase.DETECTION
    assert reminder.status == Status.OPEN


def test_phase_stale_uses_each_programmes_days_per_phase(world, other_programme):
    configure(world, phase_2_stale_days=30)
    ovv = world.trajectory(entered_on=D(2017, 1, 10), phase=Phase.INFORMATION)
    lba = world.trajectory(entered_on=D(2017, 1, 10), phase=Phase.INFORMATION, programme=other_programme)

    scan(D(2017, 2, 10), Rule.PHASE_STALE)

    assert [(r.trajectory, r.due_on) for r in reminders(Rule.PHASE_STALE)] == [(ovv, D(2017, 2, 10))]
    scan(D(2017, 2, 25), Rule.PHASE_STALE)
    assert [r.trajectory for r in reminders(Rule.PHASE_STALE)] == [ovv, lba]


# (c) A referral not answered within N days (default 5) -> the partner's staff; after 2N -> the coach


@pytest.fixture
def referral(world):
    trajectory = world.guided(entered_on=D(2017, 1, 10), guidance_on=D(2017, 3, 1), last_name="Saleh")
    return world.referral(trajectory, sent_on=D(2017, 3, 2))


REFERRAL_RULES = (Rule.REFERRAL_UNANSWERED, Rule.REFERRAL_ESCALATED)


def test_unanswered_referral_is_not_due_the_day_before(world, referral):
    scan(D(2017, 3, 6), *REFERRAL_RULES)

    assert reminders(Rule.REFERRAL_UNANSWERED) == [] and reminders(Rule.REFERRAL_ESCALATED) == []


def test_unanswered_referral_reminds_every_partner_specialist_of_the_organisation(world, referral):
    colleague = staff("partner2.microstart", world.orgs["microstart"], StaffMember.Role.PARTNER_SPECIALIST)
    staff("partner.zenitor", world.orgs["zenitor"], StaffMember.Role.PARTNER_SPECIALIST)
    staff("coach.microstart", world.orgs["microstart"], StaffMember.Role.COACH)

    scan(D(2017, 3, 7), *REFERRAL_RULES)

    found = reminders(Rule.REFERRAL_UNANSWERED)
    assert {r.recipient for r in found} == {world.partner, colleague}
    assert {(r.referral, r.due_on) for r in found} == {(referral, D(2017, 3, 7))}
    assert all("Saleh" in r.message for r in found)
    assert reminders(Rule.REFERRAL_ESCALATED) == []  # the coach only after twice the time


def test_unanswered_referral_goes_to_the_coach_after_twice_the_days(world, referral):
    scan(D(2017, 3, 11), *REFERRAL_RULES)
    assert reminders(Rule.REFERRAL_ESCALATED) == []

    scan(D(2017, 3, 12), *REFERRAL_RULES)

    (reminder,) = reminders(Rule.REFERRAL_ESCALATED)
    assert (reminder.recipient, reminder.referral, reminder.due_on) == (world.coach, referral, D(2017, 3, 12))


def test_unanswered_referral_reminders_close_when_the_partner_answers(world, referral):
    scan(D(2017, 3, 12), *REFERRAL_RULES)

    referral_accept(referral=referral, by=world.partner, on=D(2017, 3, 13))
    scan(D(2017, 3, 13), *REFERRAL_RULES)

    closed = reminders(Rule.REFERRAL_UNANSWERED) + reminders(Rule.REFERRAL_ESCALATED)
    assert len(closed) == 2
    assert {(r.status, r.closed_reason) for r in closed} == {(Status.CLOSED, Reason.REFERRAL_ANSWERED)}


def test_unanswered_referral_reminder_closes_when_declined_or_withdrawn(world, referral):
    other = world.referral(world.guided(entered_on=D(2017, 1, 10), guidance_on=D(2017, 3, 1)),
                           sent_on=D(2017, 3, 2))
    scan(D(2017, 3, 7), *REFERRAL_RULES)

    referral_decline(referral=referral, by=world.partner, reason="No capacity", on=D(2017, 3, 8))
    referral_withdraw(referral=other, by=world.coach, reason="Went elsewhere", on=D(2017, 3, 8))
    scan(D(2017, 3, 8), *REFERRAL_RULES)

    assert {(r.referral, r.closed_reason) for r in reminders(Rule.REFERRAL_UNANSWERED)} == {
        (referral, Reason.REFERRAL_ANSWERED), (other, Reason.REFERRAL_WITHDRAWN)}


def test_unanswered_referral_uses_the_programmes_days(world, referral):
    configure(world, referral_answer_days=2)

    scan(D(2017, 3, 4), *REFERRAL_RULES)
    assert [r.due_on for r in reminders(Rule.REFERRAL_UNANSWERED)] == [D(2017, 3, 4)]
    assert reminders(Rule.REFERRAL_ESCALATED) == []
    scan(D(2017, 3, 6), *REFERRAL_RULES)
    assert [r.due_on for r in reminders(Rule.REFERRAL_ESCALATED)] == [D(2017, 3, 6)]


# (d) A group session tomorrow -> its coach, with the attendance list


def plan(world, *, held_on, programme=None, title="Infosessie Gent", **fields) -> Session:
    return session_plan_group(programme=programme or world.ovv, by=world.coach, kind=Session.Kind.INFO,
                              held_on=held_on, duration_minutes=90, title=title, **fields)


def test_session_tomorrow_is_not_due_two_days_before(world):
    plan(world, held_on=D(2017, 3, 10))

    scan(D(2017, 3, 8), Rule.SESSION_TOMORROW)

    assert reminders(Rule.SESSION_TOMORROW) == []


def test_session_tomorrow_reminds_its_coach_the_day_before_and_says_none_attend_yet(world):
    session = plan(world, held_on=D(2017, 3, 10), location="Stebo, Gent")
    world.trajectory(entered_on=D(2017, 1, 10), last_name="Unrelated")

    scan(D(2017, 3, 9), Rule.SESSION_TOMORROW)

    (reminder,) = reminders(Rule.SESSION_TOMORROW)
    assert (reminder.recipient, reminder.session, reminder.due_on) == (world.coach, session, D(2017, 3, 9))
    assert "Infosessie Gent" in reminder.message and "Stebo, Gent" in reminder.message
    assert "Unrelated" not in reminder.message


def test_a_reminder_goes_with_the_row_it_is_about(world):
    """The keys a scan writes carry no database constraint (reminders.models): Django's CASCADE is what
    deletes a reminder with its row, and leaves the others alone."""
    gone = plan(world, held_on=D(2017, 3, 10))
    kept = plan(world, held_on=D(2017, 3, 10), title="Infosessie Antwerpen")
    scan(D(2017, 3, 9), Rule.SESSION_TOMORROW)
    assert {r.session for r in reminders(Rule.SESSION_TOMORROW)} == {gone, kept}

    gone.delete()

    assert [r.session for r in reminders(Rule.SESSION_TOMORROW)] == [kept]
    assert not Reminder.objects.filter(session_id=gone.pk).exists()


def test_session_tomorrow_lists_who_is_recorded_as_attending(world):
    session = plan(world, held_on=D(2017, 3, 10))
    coming = world.trajectory(entered_on=D(2017, 1, 10), first_name="Amal", last_name="Haddad")
    absent = world.trajectory(entered_on=D(2017, 1, 10), first_name="Omar", last_name="Absent")
    session_record_attendance(session=session, by=world.coach, attended=[coming.pk], absent=[absent.pk])

    scan(D(2017, 3, 9), Rule.SESSION_TOMORROW)

    (reminder,) = reminders(Rule.SESSION_TOMORROW)
    assert "Amal Haddad" in reminder.message
    assert "Absent" not in reminder.message


def test_session_tomorrow_reminder_closes_once_the_session_took_place(world):
    plan(world, held_on=D(2017, 3, 10))
    scan(D(2017, 3, 9), Rule.SESSION_TOMORROW)

    scan(D(2017, 3, 10), Rule.SESSION_TOMORROW)
    assert reminders(Rule.SESSION_TOMORROW)[0].status == Status.OPEN  # still useful on the day
    scan(D(2017, 3, 11), Rule.SESSION_TOMORROW)

    (reminder,) = reminders(Rule.SESSION_TOMORROW)
    assert (reminder.status, reminder.closed_reason) == (Status.CLOSED, Reason.SESSION_PASSED)


def test_session_tomorrow_is_left_out_where_the_programme_switched_it_off(world, other_programme):
    configure(world, session_tomorrow_enabled=False)
    plan(world, held_on=D(2017, 3, 10), title="OVV session")
    lba = plan(world, held_on=D(2017, 3, 10), title="LBA session", programme=other_programme)

    scan(D(2017, 3, 9), Rule.SESSION_TOMORROW)

    assert [r.session for r in reminders(Rule.SESSION_TOMORROW)] == [lba]


def test_individual_contacts_get_no_session_reminder(world):
    contact(world, world.trajectory(entered_on=D(2017, 1, 10)), D(2017, 3, 10))

    scan(D(2017, 3, 9), Rule.SESSION_TOMORROW)

    assert reminders(Rule.SESSION_TOMORROW) == []


# (e) Outflow follow-up: at the end of the outflow window after guidance ended -> the coach


@pytest.fixture
def ended(world):
    # OVV's outflow window is 6 months: guidance ended on 30 June, the window ends on 30 December.
    trajectory = world.guided(entered_on=D(2017, 1, 10), guidance_on=D(2017, 3, 1), last_name="Khalil")
    return trajectory_end(trajectory=trajectory, by=world.coach, ended_on=D(2017, 6, 30))


def test_outflow_follow_up_is_not_due_before_the_window_ends(world, ended):
    scan(D(2017, 12, 29), Rule.OUTFLOW_FOLLOW_UP)

    assert reminders(Rule.OUTFLOW_FOLLOW_UP) == []


def test_outflow_follow_up_reminds_the_coach_when_the_window_ends(world, ended):
    scan(D(2017, 12, 30), Rule.OUTFLOW_FOLLOW_UP)

    (reminder,) = reminders(Rule.OUTFLOW_FOLLOW_UP)
    assert (reminder.recipient, reminder.trajectory, reminder.due_on) == (world.coach, ended, D(2017, 12, 30))
    assert "Khalil" in reminder.message


def test_outflow_follow_up_closes_when_the_outcome_is_recorded(world, ended):
    scan(D(2017, 12, 30), Rule.OUTFLOW_FOLLOW_UP)

    trajectory_record_outcome(trajectory=ended, by=world.coach, outcome=Trajectory.Outcome.EMPLOYED,
                              recorded_on=D(2018, 1, 5))
    scan(D(2018, 1, 5), Rule.OUTFLOW_FOLLOW_UP)

    (reminder,) = reminders(Rule.OUTFLOW_FOLLOW_UP)
    assert (reminder.status, reminder.closed_reason) == (Status.CLOSED, Reason.OUTCOME_RECORDED)


def test_outflow_follow_up_is_not_due_when_the_outcome_was_recorded_after_the_window(world, ended):
    trajectory_record_outcome(trajectory=ended, by=world.coach, outcome=Trajectory.Outcome.JOB_SEEKING,
                              recorded_on=D(2018, 1, 2))

    scan(D(2018, 1, 3), Rule.OUTFLOW_FOLLOW_UP)

    assert reminders(Rule.OUTFLOW_FOLLOW_UP) == []


def test_an_outcome_recorded_during_guidance_is_not_the_follow_up(world, ended):
    # What counts is the situation at the end of the window: the coach records it then.
    trajectory_record_outcome(trajectory=ended, by=world.coach, outcome=Trajectory.Outcome.JOB_SEEKING,
                              recorded_on=D(2017, 7, 1))

    scan(D(2017, 12, 30), Rule.OUTFLOW_FOLLOW_UP)

    assert len(reminders(Rule.OUTFLOW_FOLLOW_UP, status=Status.OPEN)) == 1


def test_outflow_follow_up_only_for_trajectories_that_reached_guidance(world):
    trajectory = world.trajectory(entered_on=D(2017, 1, 10), phase=Phase.DETECTION)
    trajectory_end(trajectory=trajectory, by=world.coach, ended_on=D(2017, 6, 30))

    scan(D(2018, 1, 30), Rule.OUTFLOW_FOLLOW_UP)

    assert reminders(Rule.OUTFLOW_FOLLOW_UP) == []


def test_outflow_follow_up_uses_each_programmes_window_and_switch(world, ended, other_programme):
    other_programme.outflow_window_months = 3
    other_programme.save()
    lba = world.guided(entered_on=D(2017, 1, 10), guidance_on=D(2017, 3, 1), programme=other_programme)
    trajectory_end(trajectory=lba, by=world.coach, ended_on=D(2017, 6, 30))

    scan(D(2017, 9, 30), Rule.OUTFLOW_FOLLOW_UP)
    assert [(r.trajectory, r.due_on) for r in reminders(Rule.OUTFLOW_FOLLOW_UP)] == [(lba, D(2017, 9, 30))]

    configure(world, outflow_follow_up_enabled=False)
    scan(D(2017, 12, 30), Rule.OUTFLOW_FOLLOW_UP)
    assert [r.trajectory for r in reminders(Rule.OUTFLOW_FOLLOW_UP)] == [lba]


# (f) A reporting period ends within N days (default 14) while records in it are incomplete
# -> every coordinator of the programme


def complete(participant: Participant, by) -> Participant:
    return participant_update(participant=participant, by=by, gender="female", birth_year=1990,
                              education=Participant.Education.ISCED_3_4,
                              labour_market_status=Participant.LabourMarketStatus.UNEMPLOYED)


def test_period_end_is_not_due_more_than_14_days_before_the_end(world):
    world.trajectory(entered_on=D(2017, 1, 10), education="")

    scan(D(2017, 10, 16), Rule.PERIOD_END)

    assert reminders(Rule.PERIOD_END) == []


def test_period_end_reminds_every_coordinator_of_the_programme_with_the_count(world):
    # OVV's first period ends on 31 October 2017; Stebo and Ondernemersatelier coordinate OVV.
    world.trajectory(entered_on=D(2017, 1, 10), education="")
    world.trajectory(entered_on=D(2017, 2, 10), labour_market_status="")
    complete(world.trajectory(entered_on=D(2017, 1, 10)).participant, world.coordinator)
    limburg = staff("coordinator.limburg", world.orgs["ondernemersatelier"], StaffMember.Role.COORDINATOR)
    staff("coordinator.unizo", world.orgs["unizo"], StaffMember.Role.COORDINATOR)  # UNIZO does not coordinate

    scan(D(2017, 10, 17), Rule.PERIOD_END)

    found = reminders(Rule.PERIOD_END)
    assert {r.recipient for r in found} == {world.coordinator, limburg}
    assert {(r.period.number, r.due_on, r.counted_from) for r in found} == {(1, D(2017, 10, 17), D(2017, 10, 31))}
    assert all(" 2 " in r.message for r in found)


def test_period_end_reminder_closes_when_the_records_are_complete(world):
    trajectory = world.trajectory(entered_on=D(2017, 1, 10), education="")
    scan(D(2017, 10, 17), Rule.PERIOD_END)

    complete(trajectory.participant, world.coordinator)
    scan(D(2017, 10, 18), Rule.PERIOD_END)

    (reminder,) = reminders(Rule.PERIOD_END)
    assert (reminder.status, reminder.closed_reason) == (Status.CLOSED, Reason.RECORDS_COMPLETE)


def test_period_end_reminder_closes_when_the_period_is_over(world):
    world.trajectory(entered_on=D(2017, 1, 10), education="")
    scan(D(2017, 10, 17), Rule.PERIOD_END)

    scan(D(2017, 11, 1), Rule.PERIOD_END)

    (reminder,) = reminders(Rule.PERIOD_END)
    assert (reminder.status, reminder.closed_reason) == (Status.CLOSED, Reason.PERIOD_ENDED)


def test_period_end_leaves_out_people_outside_the_period(world):
    # Reached after the first period ended: not a record of that period.
    world.trajectory(entered_on=D(2017, 11, 5), education="")
    ended_before = world.trajectory(entered_on=D(2016, 11, 10), education="")
    trajectory_end(trajectory=ended_before, by=world.coach, ended_on=D(2016, 11, 20))

    scan(D(2017, 10, 17), Rule.PERIOD_END)
    assert len(reminders(Rule.PERIOD_END)) == 1  # ended_before lies in period 1

    complete(ended_before.participant, world.coordinator)
    scan(D(2017, 10, 18), Rule.PERIOD_END)
    assert reminders(Rule.PERIOD_END)[0].closed_reason == Reason.RECORDS_COMPLETE


def test_period_end_uses_the_programmes_days(world):
    configure(world, period_end_days=30)
    world.trajectory(entered_on=D(2017, 1, 10), education="")

    scan(D(2017, 9, 30), Rule.PERIOD_END)
    assert reminders(Rule.PERIOD_END) == []
    scan(D(2017, 10, 1), Rule.PERIOD_END)

    assert [r.due_on for r in reminders(Rule.PERIOD_END)] == [D(2017, 10, 1)]
