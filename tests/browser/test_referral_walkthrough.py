"""A referral from coach to partner and back, in a real browser, as the issue tells it: a Stebo coach
refers a participant to microcredit at microStart (refused first for want of the participant's consent
to share, which the coach then records); microStart's partner specialist finds it in the inbox, sees
the person's name, the question and the business idea but none of the coaching notes, accepts, starts
and completes it with a granted credit; a partner specialist of Zenitor gets 404 on that referral,
for a look and for an answer; and the coach reads the outcome on the participant's timeline.

The walkthrough also takes the README's screenshot of the partner's inbox
(docs/screenshots/referral_inbox.png).
"""

import datetime
from decimal import Decimal

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from playwright.sync_api import Locator, Page, expect

from casemgmt.clock import today
from casemgmt.models import Phase, Programme, User
from partners.models import SpecialisationOffer
from tests.browser.conftest import LANGUAGE, PageLog, demo_staff_create, nl, sign_in, sign_out
from tests.browser.test_coach_walkthrough import (
    action_unfold,
    day,
    label,
    nl_plural,
    path_is,
    timeline_entry,
    trajectory_section,
)
from trajectories.forms.registration import CONSENT_VERSION
from trajectories.models import ConsentRecord, Referral, ReferralResult, Trajectory
from trajectories.services import (
    consent_record,
    participant_register,
    referral_accept,
    referral_send,
    session_log_individual,
    trajectory_advance,
    trajectory_open,
)

D = datetime.date
NAME = "Amal Haddad"
BUSINESS_IDEA = "Een naaiatelier in Gent: herstellingen en kleding op maat"
NOTES = "Vertrouwelijk: schulden bij familie"
QUESTION = "Kan zij een microkrediet krijgen voor twee industriële naaimachines?"
FEEDBACK = "Dossier rond: krediet toegekend voor de machines, de rest via eigen inbreng."
MICROCREDIT = "Microkrediet"  # the specialisation's name in the seed programme
MICROSTART = "microStart"
OFFER = f"{MICROCREDIT} — {MICROSTART}"  # a choice of the referral form: specialisation — organisation


# What the page shows, in the browser's language


def euro(amount: Decimal) -> str:
    """An amount as a referral's result shows it (floatformat "2g"), e.g. "5.000,00"."""
    with translation.override(LANGUAGE):
        return floatformat(amount, "2g")


def referral_event(section: Locator) -> Locator:
    """The referral to microcredit at microStart on the trajectory's timeline."""
    return timeline_entry(section, nl("Referral to %(specialisation)s at %(organisation)s")
                          % {"specialisation": MICROCREDIT, "organisation": MICROSTART})


def referral_facts(page: Page) -> Locator:
    """The card of the referral page with its status, specialisation, organisation and question."""
    return page.get_by_role("region", name=nl("The referral"), exact=True)


def answer(page: Page, title_msgid: str, submit_msgid: str) -> Locator:
    """Unfold the partner's answer `title_msgid` on the referral page and return its fold; the caller
    fills what it needs and `answer_send` presses `submit_msgid`."""
    answers = page.get_by_role("region", name=nl("Your answer"), exact=True)
    fold = action_unfold(answers, title_msgid)
    expect(fold.get_by_role("button", name=nl(submit_msgid), exact=True)).to_be_visible()
    return fold


def answer_send(fold: Locator, submit_msgid: str) -> None:
    with fold.page.expect_navigation():
        fold.get_by_role("button", name=nl(submit_msgid), exact=True).click()


# The person


def guided_with_a_coaching_note(coach: User, programme: Programme) -> Trajectory:
    """A person the coach registered, in guidance (phase 4) since 1 March 2017, with an individual
    session whose coaching note is confidential."""
    participant = participant_register(
        by=coach, first_name="Amal", last_name="Haddad", birth_year=1985, birth_month=7, birth_day=30,
        postcode=9000, nationality="SY", languages=["ar", "fr"], email="amal@example.org",
        phone="0470 12 34 56", business_idea=BUSINESS_IDEA,
    )
    trajectory = trajectory_open(participant=participant, programme=programme, by=coach, coach=coach,
                                 entered_on=D(2017, 1, 10), phase=Phase.DETECTION)
    trajectory_advance(trajectory=trajectory, phase=Phase.GUIDANCE, on=D(2017, 3, 1), by=coach)
    session_log_individual(trajectory=trajectory, by=coach, held_on=D(2017, 3, 15), duration_minutes=60,
                           title="Financieel plan", notes=NOTES)
    return trajectory


def referred_earlier(coach: User, partner: User, programme: Programme, name: tuple[str, str], *,
                     days_ago: int, accepted: bool) -> Referral:
    """Another person of the coach's, referred to microcredit at microStart `days_ago` days ago (a
    referral is dated up to today, so these dates follow the clock), so the inbox looks real."""
    first_name, last_name = name
    participant = participant_register(by=coach, first_name=first_name, last_name=last_name,
                                       business_idea="Een eigen zaak")
    trajectory = trajectory_open(participant=participant, programme=programme, by=coach, coach=coach,
                                 entered_on=D(2017, 1, 16), phase=Phase.GUIDANCE)
    offer = SpecialisationOffer.objects.select_related("specialisation", "organisation").get(
        programme=programme, specialisation__name=MICROCREDIT, organisation__name=MICROSTART)
    consent_record(participant=participant, by=coach, purpose=ConsentRecord.Purpose.SHARE_WITH_PARTNER,
                   organisation=offer.organisation, given_on=D(2017, 2, 1), version=CONSENT_VERSION)
    sent_on = today() - datetime.timedelta(days=days_ago)
    referral = referral_send(trajectory=trajectory, specialisation=offer.specialisation,
                             organisation=offer.organisation, question="Microkrediet voor de start?",
                             by=coach, on=sent_on)
    if accepted:
        referral = referral_accept(referral=referral, by=partner, on=sent_on + datetime.timedelta(days=2))
    return referral


# The walkthrough


def test_coach_refers_to_microstart_partner_completes_with_a_credit_and_coach_sees_it(
    page: Page, live_server, ovv: Programme, stebo_coach: User, page_log: PageLog, screenshot
):
    # given: a person in Sofie's caseload, in guidance, with a confidential coaching note; a partner
    # specialist at microStart and one at Zenitor
    trajectory = guided_with_a_coaching_note(stebo_coach, ovv)
    participant_url = reverse("trajectories:participant_detail", args=[trajectory.participant_id])
    microstart = demo_staff_create("partner.microstart")
    demo_staff_create("partner.zenitor")
    earlier = [
        referred_earlier(stebo_coach, microstart, ovv, ("Omar", "Khalil"), days_ago=12, accepted=True),
        referred_earlier(stebo_coach, microstart, ovv, ("Yonas", "Tesfay"), days_ago=3, accepted=False),
    ]

    # (1) the coach opens the person's page and refers to microcredit: refused, no consent to share
    sign_in(page, live_server, "coach.stebo")
    page.goto(live_server.url + participant_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    section = trajectory_section(page, ovv)
    expect(timeline_entry(section, "Financieel plan")).to_contain_text(NOTES)  # the coach reads it

    def refer() -> None:
        fold = action_unfold(section, "Refer to a specialisation")
        fold.get_by_label(nl("Specialisation and organisation"), exact=True).select_option(label=OFFER)
        fold.get_by_label(capfirst(nl("the coach's question")), exact=True).fill(QUESTION)
        fold.get_by_role("button", name=nl("Send referral"), exact=True).click()

    refer()
    expect(section.get_by_role("alert")).to_have_text(
        nl("The participant has not agreed to share their data with %(organisation)s: record that consent "
           "first (only a coordinator may refer without it, with a reason).") % {"organisation": MICROSTART}
    )
    expect(referral_event(section)).to_have_count(0)
    assert not Referral.objects.filter(trajectory=trajectory).exists()

    # when: the coach records the consent she gave on 1 March, then refers again
    fold = action_unfold(section, "Record consent to share with a partner")
    fold.get_by_label(nl("Organisation"), exact=True).select_option(label=MICROSTART)
    fold.get_by_label(label("given on"), exact=True).fill("2017-03-01")
    fold.get_by_role("button", name=nl("Record consent"), exact=True).click()
    expect(section.get_by_role("status")).to_have_text(
        nl("%(name)s agreed to share their data with %(organisation)s.")
        % {"name": NAME, "organisation": MICROSTART}
    )
    expect(section.get_by_role("alert")).to_have_count(0)
    refer()

    # then: the timeline shows the referral as sent, with the question
    expect(section.get_by_role("status")).to_have_text(
        nl("Referred to %(specialisation)s at %(organisation)s.")
        % {"specialisation": MICROCREDIT, "organisation": MICROSTART}
    )
    sent = referral_event(section)
    expect(sent).to_contain_text(nl("sent"))
    expect(sent).to_contain_text(QUESTION)
    referral = Referral.objects.exclude(pk__in=[r.pk for r in earlier]).get()
    referral_url = reverse("trajectories:referral_detail", args=[referral.pk])
    page_log.assert_clean()
    sign_out(page)

    # (2) microStart's partner specialist signs in and lands on the inbox, with the referral in it
    sign_in(page, live_server, "partner.microstart")
    expect(page).to_have_url(path_is(live_server, reverse("trajectories:referral_inbox")))
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Referrals"))
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=NAME, exact=True))
    expect(row).to_contain_text(MICROCREDIT)
    expect(row).to_contain_text(nl("sent"))
    expect(page.get_by_role("status")).to_have_text(
        nl_plural("%(counter)s referral", "%(counter)s referrals", 3, counter=3))
    screenshot("referral_inbox")
    page_log.assert_clean()

    # when: she opens it
    row.get_by_role("link", name=NAME, exact=True).click()

    # then: the name, the question and the business idea, and nothing of the coaching notes
    expect(page).to_have_url(path_is(live_server, referral_url))
    person = page.get_by_role("region", name=nl("The participant"), exact=True)
    expect(person).to_contain_text(NAME)
    expect(person).to_contain_text(BUSINESS_IDEA)
    expect(referral_facts(page)).to_contain_text(QUESTION)
    expect(page.get_by_text("Vertrouwelijk")).to_have_count(0)
    assert NOTES not in page.content()
    assert "Financieel plan" not in page.content()  # nor the session the note belongs to

    # when: she accepts, then starts the work
    answer_send(answer(page, "Accept the referral", "Accept"), "Accept")
    expect(page.get_by_role("status")).to_have_text(nl("Referral accepted."))
    expect(referral_facts(page)).to_contain_text(nl("accepted"))
    answer_send(answer(page, "Start the work: in progress", "Start"), "Start")
    expect(page.get_by_role("status")).to_have_text(nl("The referral is in progress."))
    expect(referral_facts(page)).to_contain_text(nl("in progress"))

    # and completes it with her feedback and the credit granted
    fold = answer(page, "Complete with the result", "Complete")
    fold.get_by_label(capfirst(nl("the partner's feedback")), exact=True).fill(FEEDBACK)
    fold.get_by_label(capfirst(nl("amount requested (EUR)")), exact=True).fill("6000")
    fold.get_by_label(capfirst(nl("credit decision")), exact=True).select_option(label=nl("granted"))
    fold.get_by_label(capfirst(nl("amount granted (EUR)")), exact=True).fill("5000")
    fold.get_by_label(capfirst(nl("decision date")), exact=True).fill("2017-06-01")
    answer_send(fold, "Complete")

    # then: the referral is completed, with the result on its page
    granted = (nl("Microcredit granted: EUR %(granted)s of EUR %(requested)s on %(date)s")
               % {"granted": euro(Decimal("5000")), "requested": euro(Decimal("6000")),
                  "date": day(D(2017, 6, 1))})
    expect(page.get_by_role("status")).to_have_text(
        nl("Referral completed: the coach sees your feedback and the result.")
    )
    expect(referral_facts(page)).to_contain_text(nl("completed"))
    steps = page.get_by_role("region", name=nl("Steps"), exact=True)
    expect(steps).to_contain_text(FEEDBACK)
    expect(steps).to_contain_text(granted)
    result = ReferralResult.objects.get(referral=referral)
    assert (result.amount_requested, result.amount_granted, result.decided_on) == (
        Decimal("6000.00"), Decimal("5000.00"), D(2017, 6, 1))
    page_log.assert_clean()
    sign_out(page)

    # (3) Zenitor's partner specialist: not in the inbox, 404 for the page and for an answer
    sign_in(page, live_server, "partner.zenitor")
    page.goto(live_server.url + reverse("trajectories:referral_inbox") + "?status=all")
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Referrals"))
    expect(page.get_by_role("status")).to_have_text(
        nl_plural("%(counter)s referral", "%(counter)s referrals", 0, counter=0))
    expect(page.get_by_role("link", name=NAME)).to_have_count(0)
    # A granted credit's follow-up is the one answer microStart still has: Zenitor may not give it.
    token = page.locator(f"form[action='{reverse('logout')}'] input[name=csrfmiddlewaretoken]")
    response = page.request.post(
        live_server.url + reverse("trajectories:referral_action", args=[referral.pk, "follow_up"]),
        form={"csrfmiddlewaretoken": token.input_value(), "repayment_follow_up": "Afgelost."},
    )
    assert response.status == 404, f"a POST of another organisation's partner got {response.status}"
    result.refresh_from_db()
    assert result.repayment_follow_up == ""
    response = page.goto(live_server.url + referral_url)
    assert response is not None and response.status == 404
    expect(page.get_by_text("Amal")).to_have_count(0)
    page.go_back()  # the 404 page has no header: back to a workspace page to sign out
    sign_out(page)

    # (4) the coach finds the outcome on the person's timeline
    sign_in(page, live_server, "coach.stebo")
    page.get_by_role("link", name=NAME, exact=True).click()
    expect(page).to_have_url(path_is(live_server, participant_url))
    completed = referral_event(trajectory_section(page, ovv))
    expect(completed).to_contain_text(nl("completed"))
    expect(completed).to_contain_text(FEEDBACK)
    expect(completed).to_contain_text(granted)
    page_log.assert_clean()

