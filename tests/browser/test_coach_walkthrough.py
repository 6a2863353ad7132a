"""A coach's working day in a real browser, as the issue tells it: sign in, register a participant
(a field error first, then a likely duplicate), record an info session's attendance, advance through
phases 2 to 4 (a date in the future refused), log an individual session and record a self-employed
outcome; and the participant's page answers 404 to a partner and to another coach.

The walkthrough also takes the README's screenshots (docs/screenshots/caseload.png and
participant.png), with a caseload of people made through the services beforehand.
"""

import datetime
import re

from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from playwright.sync_api import Locator, Page, expect

from casemgmt.audit import save_as
from casemgmt.models import Phase, Programme, User
from partners.models import Organisation, StaffMember
from tests.browser.conftest import LANGUAGE, PageLog, demo_staff_create, nl, sign_in, sign_out
from trajectories.demo import DEMO_PASSWORD
from trajectories.forms.registration import CONSENT_VERSION
from trajectories.models import Participant, Trajectory
from trajectories.services import (
    participant_register,
    session_log_individual,
    trajectory_advance,
    trajectory_open,
)

D = datetime.date
ENTERPRISE_NUMBER = "0403.019.261"  # a valid KBO number (its check digits add up)


# What the page shows, in the browser's language


def label(msgid: str) -> str:
    """A field label of the action forms: the model's verbose name with a capital, as the admin shows it."""
    return capfirst(nl(msgid))


def nl_plural(singular: str, plural: str, count: int, **values) -> str:
    with translation.override(LANGUAGE):
        return translation.ngettext(singular, plural, count) % {"count": count, **values}


def day(date: datetime.date) -> str:
    """A date as a template shows `{{ date }}`, e.g. "1 maart 2017"."""
    with translation.override(LANGUAGE):
        return formats.date_format(date)


def short_day(date: datetime.date) -> str:
    """A date as the messages of the participant page show it, e.g. "1-3-2017"."""
    with translation.override(LANGUAGE):
        return formats.date_format(date, "SHORT_DATE_FORMAT")


def phase_name(phase: int) -> str:
    with translation.override(LANGUAGE):
        return str(Phase(phase).label)


def phase_event(phase: int) -> str:
    """A phase on the timeline: "Fase 2: informatie"."""
    return nl("Phase %(phase)s: %(name)s") % {"phase": phase, "name": phase_name(phase)}


def path_is(live_server, path: str) -> re.Pattern[str]:
    return re.compile(re.escape(live_server.url + path) + r"(\?.*)?(#.*)?$")


# Finding things on the participant page


def trajectory_section(page: Page, programme: Programme) -> Locator:
    """The card of the person's trajectory in `programme` (a region named after the programme)."""
    return page.get_by_role("region", name=re.compile(re.escape(programme.name)))


def timeline_entry(section: Locator, text: str) -> Locator:
    timeline = section.get_by_role("list", name=nl("Timeline"), exact=True)
    return timeline.get_by_role("listitem").filter(has_text=text)


def action_unfold(section: Locator, title_msgid: str) -> Locator:
    """The folded action whose summary reads `title_msgid` in Dutch, clicked open unless it is open
    already (a refused action comes back unfolded, with the rule it broke)."""
    title = re.compile(f"^{re.escape(nl(title_msgid))}$")
    fold = section.locator("details").filter(has=section.page.locator("summary").filter(has_text=title))
    if fold.get_attribute("open") is None:
        fold.locator("summary").click()
    expect(fold).to_have_attribute("open", "")
    return fold


def advance(section: Locator, phase: int, on: datetime.date) -> None:
    fold = action_unfold(section, "Advance to a next phase")
    fold.get_by_label(label("Phase"), exact=True).select_option(label=f"{phase} – {phase_name(phase)}")
    fold.get_by_label(label("Entered on"), exact=True).fill(on.isoformat())
    fold.get_by_role("button", name=nl("Advance"), exact=True).click()


# The people


def staff_create(username: str, first_name: str, last_name: str, organisation_code: str, role: str) -> User:
    """A staff account with the demo password, for someone who is not among the demo users."""
    user = User.objects.create_user(
        username, f"{username}@example.org", DEMO_PASSWORD, first_name=first_name, last_name=last_name,
        is_staff=True,
    )
    save_as(StaffMember(user=user, organisation=Organisation.objects.get(code=organisation_code), role=role),
            None)
    return user


def participant_in_caseload(
    *,
    coach: User,
    programme: Programme,
    name: tuple[str, str],
    born: tuple[int, int, int],
    postcode: int,
    nationality: str,
    phases: list[datetime.date],
    contacts: list[tuple[datetime.date, str]] = (),
) -> Trajectory:
    """A person the coach registered earlier: reached on phases[0], each next phase on the next date,
    with individual contacts (date, title) of 45 minutes."""
    first_name, last_name = name
    participant = participant_register(
        by=coach, first_name=first_name, last_name=last_name, birth_year=born[0], birth_month=born[1],
        birth_day=born[2], postcode=postcode, nationality=nationality,
    )
    trajectory = trajectory_open(participant=participant, programme=programme, by=coach, coach=coach,
                                 entered_on=phases[0])
    for phase, on in enumerate(phases[1:], start=Phase.INFORMATION):
        trajectory_advance(trajectory=trajectory, phase=phase, on=on, by=coach)
    for held_on, title in contacts:
        session_log_individual(trajectory=trajectory, by=coach, held_on=held_on, duration_minutes=45, title=title)
    return trajectory


def caseload_fill(coach: User, programme: Programme) -> None:
    """Eight people in the coach's caseload, in every phase and province, so the table looks real."""
    people = [
        (("Ahmad", "Rahimi"), (1988, 6, 2), 2000, "AF", [D(2016, 12, 5), D(2017, 1, 11)],
         [(D(2017, 2, 14), "Kennismaking")]),
        (("Yonas", "Tesfay"), (1992, 9, 23), 9000, "ER", [D(2017, 1, 20)], []),
        (("Rania", "Haddad"), (1985, 1, 30), 8000, "SY", [D(2016, 11, 21), D(2016, 12, 7), D(2017, 2, 1)],
         [(D(2017, 2, 20), "Screening voorbereiden"), (D(2017, 4, 24), "Marktonderzoek")]),
        (("Omar", "Khalil"), (1979, 11, 8), 3000, "SY",
         [D(2016, 11, 14), D(2016, 12, 7), D(2017, 1, 16), D(2017, 3, 6)],
         [(D(2017, 3, 20), "Financieel plan"), (D(2017, 5, 29), "Aanvraag microkrediet")]),
        (("Fatima", "Noori"), (1995, 4, 17), 3500, "AF", [D(2017, 4, 3)], []),
        (("Mustafa", "Al-Jaber"), (1983, 7, 12), 2800, "IQ", [D(2017, 1, 9), D(2017, 2, 8)],
         [(D(2017, 5, 3), "Ondernemersidee uitwerken")]),
        (("Samira", "Abdi"), (1990, 12, 1), 9300, "SO", [D(2016, 12, 12), D(2017, 1, 11), D(2017, 4, 10)],
         [(D(2017, 4, 26), "Haalbaarheid")]),
        (("Tesfaye", "Gebremedhin"), (1986, 3, 5), 8500, "ET", [D(2017, 2, 6), D(2017, 3, 1)],
         [(D(2017, 3, 15), "Opvolging infosessie")]),
    ]
    for name, born, postcode, nationality, phases, contacts in people:
        participant_in_caseload(coach=coach, programme=programme, name=name, born=born, postcode=postcode,
                                nationality=nationality, phases=phases, contacts=contacts)


# The walkthrough


def test_coach_registers_a_participant_and_follows_them_to_self_employment(
    page: Page, live_server, ovv: Programme, stebo_coach: User, page_log: PageLog, screenshot
):
    # given: the coach's caseload, and a person another organisation registered before
    caseload_fill(stebo_coach, ovv)
    unizo_coach = demo_staff_create("coach.unizo")
    earlier = participant_register(by=unizo_coach, first_name="Zeïnab", last_name="Al-Hàssan",
                                   birth_year=1990, birth_month=3, birth_day=15)
    trajectory_open(participant=earlier, programme=ovv, by=unizo_coach, coach=unizo_coach,
                    entered_on=D(2016, 12, 1))

    # (1) the coach signs in and lands on the caseload
    sign_in(page, live_server, "coach.stebo")
    expect(page).to_have_url(path_is(live_server, reverse("trajectories:caseload")))
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Caseload"))
    expect(page.get_by_role("link", name="Omar Khalil", exact=True)).to_be_visible()

    # (2) registers a participant: the postcode has three digits
    nav = page.get_by_role("navigation", name=nl("Main"), exact=True)
    nav.get_by_role("link", name=nl("Register a participant"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Register a participant"))
    page.get_by_label(nl("first name")).fill("Zeinab")
    page.get_by_label(nl("last name")).fill("Al-Hassan")
    page.get_by_label(nl("day of birth")).fill("15")
    page.get_by_label(nl("month of birth")).fill("3")
    page.get_by_label(nl("year of birth")).fill("1990")
    page.get_by_label(nl("nationality")).fill("SY")
    page.get_by_label(nl("languages")).fill("ar, en")
    postcode = page.get_by_label(nl("postcode"))
    postcode.fill("123")
    page.get_by_label(nl("phone")).fill("0470 12 34 56")
    page.get_by_label(nl("business idea")).fill("Een cateringzaak met Syrische gerechten")
    page.get_by_label(nl("programme")).select_option(label=str(ovv))
    page.get_by_label(nl("date reached")).fill("2017-02-01")
    with translation.override(LANGUAGE):
        consent = translation.gettext(
            "The participant agreed to take part and to be registered for ESF (consent text version %(version)s)."
        ) % {"version": CONSENT_VERSION}
    page.get_by_label(consent).check()
    register = page.get_by_role("button", name=nl("Register"), exact=True)
    register.click()

    # then: the error shows at the postcode field and nothing is saved
    postcode_error = nl("A Belgian postcode has four digits, from 1000 to 9999, e.g. 2000.")
    expect(page.get_by_role("alert").filter(has_text=nl("Nothing was saved: please correct the following"))
           ).to_contain_text(postcode_error)
    expect(postcode).to_have_accessible_description(re.compile(re.escape(postcode_error)))
    expect(postcode).to_have_value("123")
    assert not Participant.objects.filter(first_name="Zeinab").exists()

    # when: the postcode is corrected, the form warns that she may be registered already
    postcode.fill("2060")
    register.click()
    duplicate = nl_plural("This person may already be registered: %(counter)s possible duplicate",
                          "This person may already be registered: %(counter)s possible duplicates", 1, counter=1)
    duplicate_warning = page.get_by_role("alert").filter(has_text=duplicate)
    expect(duplicate_warning).to_be_visible()
    expect(duplicate_warning).to_contain_text(nl_plural(
        "%(counter)s person with the same name and date of birth",
        "%(counter)s people with the same name and date of birth", 1, counter=1,
    ))
    expect(duplicate_warning).not_to_contain_text("Al-Hàssan")  # the other record is not shown
    assert not Participant.objects.filter(first_name="Zeinab").exists()

    # when: the coach checked that she is someone else, and saves
    page.get_by_label(nl("I checked: this is a different person. Register them anyway.")).check()
    register.click()

    # then: her page, with the success message and phase 1 from the date reached
    expect(page.get_by_role("heading", level=1)).to_have_text("Zeinab Al-Hassan")
    participant = Participant.objects.get(first_name="Zeinab", last_name="Al-Hassan")
    participant_url = reverse("trajectories:participant_detail", args=[participant.pk])
    expect(page).to_have_url(path_is(live_server, participant_url))
    expect(page.get_by_role("status").filter(
        has_text=nl("%(name)s is registered and enters phase 1 of %(programme)s.")
        % {"name": "Zeinab Al-Hassan", "programme": ovv.code}
    )).to_be_visible()
    section = trajectory_section(page, ovv)
    expect(timeline_entry(section, phase_event(1))).to_contain_text(day(D(2017, 2, 1)))
    page_log.assert_clean()

    # (3) plans an info session and records who came
    nav.get_by_role("link", name=nl("Group sessions"), exact=True).click()
    page.get_by_role("link", name=nl("Plan a group session"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Plan a group session"))
    page.get_by_label(label("programme"), exact=True).select_option(label=str(ovv))
    page.get_by_label(label("kind"), exact=True).select_option(label=nl("info session"))
    page.get_by_label(label("date"), exact=True).fill("2017-03-01")
    page.get_by_label(label("duration (minutes)"), exact=True).fill("150")
    page.get_by_label(label("title"), exact=True).fill("Ondernemen in België")
    page.get_by_label(label("location"), exact=True).fill("Stebo, Antwerpen")
    page.get_by_role("button", name=nl("Plan session"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{capfirst(nl('info session'))}: Ondernemen in België")
    expect(page.get_by_role("status")).to_contain_text("Ondernemen in België")

    page.get_by_label("Zeinab Al-Hassan", exact=True).check()
    page.get_by_label("Yonas Tesfay", exact=True).check()
    page.get_by_role("button", name=nl("Record attendance"), exact=True).click()
    expect(page.get_by_role("status")).to_have_text(nl_plural(
        "%(count)d participant recorded as attending; %(moved)d moved to phase 2 (information).",
        "%(count)d participants recorded as attending; %(moved)d moved to phase 2 (information).",
        2, moved=2,
    ))
    expect(page.get_by_label("Zeinab Al-Hassan", exact=True)).to_be_checked()
    expect(page.get_by_label("Fatima Noori", exact=True)).not_to_be_checked()
    page_log.assert_clean()

    # then: back through the caseload to her page, she is in phase 2 since the session
    nav.get_by_role("link", name=nl("Caseload"), exact=True).click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Zeinab Al-Hassan", exact=True))
    expect(row).to_contain_text(f"2 · {phase_name(2)}")
    row.get_by_role("link", name="Zeinab Al-Hassan", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zeinab Al-Hassan")
    expect(timeline_entry(section, phase_event(2))).to_contain_text(day(D(2017, 3, 1)))
    expect(timeline_entry(section, "Ondernemen in België")).to_contain_text(day(D(2017, 3, 1)))

    # (4) a phase cannot be entered on a day still to come: the rule says so and nothing changes
    future = timezone.localdate() + datetime.timedelta(days=10)
    advance(section, Phase.DETECTION, future)
    expect(section.get_by_role("alert")).to_have_text(
        nl("A phase cannot be entered on %(date)s: that date lies in the future.") % {"date": future}
    )
    expect(timeline_entry(section, phase_event(3))).to_have_count(0)

    # when: advanced to phase 3, then phase 4, with their real dates
    advance(section, Phase.DETECTION, D(2017, 4, 1))
    expect(section.get_by_role("status")).to_have_text(
        nl("Phase %(phase)d (%(name)s) entered on %(date)s.")
        % {"phase": 3, "name": phase_name(3), "date": short_day(D(2017, 4, 1))}
    )
    expect(timeline_entry(section, phase_event(3))).to_contain_text(day(D(2017, 4, 1)))
    advance(section, Phase.GUIDANCE, D(2017, 5, 1))
    expect(section.get_by_role("status")).to_have_text(
        nl("Phase %(phase)d (%(name)s) entered on %(date)s.")
        % {"phase": 4, "name": phase_name(4), "date": short_day(D(2017, 5, 1))}
    )
    expect(timeline_entry(section, phase_event(4))).to_contain_text(day(D(2017, 5, 1)))
    expect(section.get_by_role("alert")).to_have_count(0)

    # (5) logs an individual session
    fold = action_unfold(section, "Log an individual session")
    fold.get_by_label(label("date"), exact=True).fill("2017-05-10")
    fold.get_by_label(label("duration (minutes)"), exact=True).fill("60")
    fold.get_by_label(label("title"), exact=True).fill("Ondernemingsplan")
    fold.get_by_label(label("coaching notes"), exact=True).fill("Volgende stap: microkrediet aanvragen.")
    fold.get_by_role("button", name=nl("Log session"), exact=True).click()
    expect(section.get_by_role("status")).to_have_text(
        nl("Session of %(date)s logged.") % {"date": short_day(D(2017, 5, 10))}
    )
    session = timeline_entry(section, "Ondernemingsplan")
    expect(session).to_contain_text(day(D(2017, 5, 10)))
    expect(session).to_contain_text(nl("%(minutes)s minutes, with %(who)s") % {"minutes": 60, "who": "Sofie Claes"})
    expect(session).to_contain_text("Volgende stap: microkrediet aanvragen.")

    # (6) records the outcome: self-employed with her own enterprise number
    fold = action_unfold(section, "Record the outcome")
    fold.get_by_label(label("outcome"), exact=True).select_option(label=nl("self-employed"))
    fold.get_by_label(label("enterprise number"), exact=True).fill(ENTERPRISE_NUMBER)
    fold.get_by_label(label("self-employed since"), exact=True).fill("2017-09-01")
    fold.get_by_label(label("main or secondary occupation"), exact=True).select_option(label=nl("main occupation"))
    fold.get_by_label(label("outcome recorded on"), exact=True).fill("2017-09-15")
    fold.get_by_role("button", name=nl("Record outcome"), exact=True).click()
    expect(section.get_by_role("status")).to_have_text(
        nl("Outcome recorded: %(outcome)s.") % {"outcome": nl("self-employed")}
    )
    outcome = timeline_entry(section, f"{nl('Outcome')}: {nl('self-employed')}")
    expect(outcome).to_contain_text(day(D(2017, 9, 1)))
    expect(outcome).to_contain_text(
        nl("enterprise number %(number)s, %(occupation)s, since %(since)s")
        % {"number": ENTERPRISE_NUMBER, "occupation": nl("main occupation"), "since": day(D(2017, 9, 1))}
    )
    page_log.assert_clean()

    # (7) the README's screenshots: her page, and the caseload she is part of now
    page.reload()  # the page as it opens, without the notices of what was just done
    expect(timeline_entry(section, f"{nl('Outcome')}: {nl('self-employed')}")).to_be_visible()
    screenshot("participant", full_page=True)
    page.get_by_role("link", name=nl("Back to the caseload"), exact=True).click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Zeinab Al-Hassan", exact=True))
    expect(row).to_contain_text(f"4 · {phase_name(4)}")
    expect(page.get_by_role("status")).to_contain_text(
        nl_plural("%(counter)s trajectory", "%(counter)s trajectories", 9, counter=9)
    )
    screenshot("caseload")
    page_log.assert_clean()


def test_partner_and_another_coach_get_404_for_the_participant_page(
    page: Page, live_server, ovv: Programme, stebo_coach: User, page_log: PageLog
):
    # given: a participant in Sofie's caseload; a partner specialist and a second Stebo coach
    trajectory = participant_in_caseload(
        coach=stebo_coach, programme=ovv, name=("Zeinab", "Al-Hassan"), born=(1990, 3, 15), postcode=2060,
        nationality="SY", phases=[D(2017, 2, 1), D(2017, 3, 1)], contacts=[(D(2017, 3, 20), "Kennismaking")],
    )
    url = live_server.url + reverse("trajectories:participant_detail", args=[trajectory.participant_id])
    demo_staff_create("partner.microstart")
    staff_create("coach2.stebo", "Wouter", "Lambrechts", "stebo", StaffMember.Role.COACH)

    # her coach opens the page
    sign_in(page, live_server, "coach.stebo")
    response = page.goto(url)
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Zeinab Al-Hassan")
    sign_out(page)

    # when / then: the partner specialist (no referral) gets "not found", and sees nothing of her
    sign_in(page, live_server, "partner.microstart")
    response = page.goto(url)
    assert response is not None and response.status == 404
    expect(page.get_by_text("Zeinab")).to_have_count(0)
    page.go_back()  # the 404 page has no header: back to a workspace page to sign out
    sign_out(page)

    # when / then: so does another coach of Stebo, who does not coach her (Stebo shares no caseload)
    sign_in(page, live_server, "coach2.stebo")
    response = page.goto(url)
    assert response is not None and response.status == 404
    expect(page.get_by_text("Zeinab")).to_have_count(0)
    page_log.assert_clean()
