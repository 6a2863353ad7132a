"""The text of each kind of reminder, written once when the reminder is created.

Reminders are created by a worker, outside any request: the caller renders them in the site's
language (settings.LANGUAGE_CODE, see services.reminders_run), so a scan from a worker and one from
the command read the same."""

import datetime
import functools
from collections.abc import Sequence

from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_noop, ngettext
from django.utils.translation import gettext as _

from casemgmt.models import Phase
from trajectories.models import person_name


def _day(day: datetime.date) -> str:
    return _day_in(day, get_language())


# A scan writes a reminder per cause, 180,000 at once when the feature goes live, but their texts and
# dates are few: each is translated and formatted once per language (2 s less for the first scan).
@functools.lru_cache(maxsize=4096)
def _day_in(day: datetime.date, language: str | None) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


@functools.lru_cache(maxsize=64)
def _text_in(text: str, language: str | None) -> str:
    return _(text)


@functools.lru_cache(maxsize=64)
def _phase_in(phase: int, language: str | None) -> str:
    return str(Phase(phase).label)


NO_CONTACT = gettext_noop("No contact logged with %(name)s since %(date)s (%(days)d days or more).")
PHASE_STALE = gettext_noop(
    "%(name)s has been in phase %(phase)d (%(label)s) since %(date)s: more than %(days)d days."
)
REFERRAL_UNANSWERED = gettext_noop(
    "The referral of %(name)s to %(specialisation)s (%(organisation)s), sent on %(date)s, "
    "waits for an answer: accept or decline it."
)
REFERRAL_ESCALATED = gettext_noop(
    "%(organisation)s has not yet answered the referral of %(name)s to %(specialisation)s, "
    "sent on %(date)s: contact the partner or withdraw it."
)


# The three kinds a scan writes by the ten thousand take the language the scan read once (asking for the
# active language costs as much as writing the text).


def no_contact(*, first_name: str, last_name: str, last_contact: datetime.date, days: int,
               language: str | None) -> str:
    return _text_in(NO_CONTACT, language) % {
        "name": person_name(first_name, last_name), "date": _day_in(last_contact, language), "days": days,
    }


def phase_stale(*, first_name: str, last_name: str, phase: int, entered_on: datetime.date, days: int,
                language: str | None) -> str:
    return _text_in(PHASE_STALE, language) % {
        "name": person_name(first_name, last_name), "phase": phase, "label": _phase_in(phase, language),
        "date": _day_in(entered_on, language), "days": days,
    }


def _referral(text: str, *, first_name: str, last_name: str, specialisation: str, organisation: str,
              sent_on: datetime.date, language: str | None) -> str:
    return _text_in(text, language) % {
        "name": person_name(first_name, last_name), "specialisation": specialisation,
        "organisation": organisation, "date": _day_in(sent_on, language),
    }


def referral_unanswered(**values) -> str:
    return _referral(REFERRAL_UNANSWERED, **values)


def referral_escalated(**values) -> str:
    return _referral(REFERRAL_ESCALATED, **values)


def session_tomorrow(*, kind: str, title: str, held_on: datetime.date, location: str,
                     attendees: Sequence[str]) -> str:
    where = _(" at %(location)s") % {"location": location} if location else ""
    head = _("%(kind)s “%(title)s” tomorrow, %(date)s%(where)s.") % {
        "kind": kind, "title": title, "date": _day(held_on), "where": where,
    }
    if not attendees:
        return head + " " + _("No attendance recorded yet.")
    listing = ngettext("Attendance (%(count)d): %(names)s.", "Attendance (%(count)d): %(names)s.",
                       len(attendees)) % {"count": len(attendees), "names": ", ".join(attendees)}
    return f"{head} {listing}"


def outflow_follow_up(*, first_name: str, last_name: str, ended_on: datetime.date,
                      window_end: datetime.date, months: int) -> str:
    return _("%(months)d months have passed since the guidance of %(name)s ended (%(ended)s): record "
             "whether they started as self-employed (outflow measured on %(date)s).") % {
        "months": months, "name": person_name(first_name, last_name), "ended": _day(ended_on),
        "date": _day(window_end),
    }


def period_end(*, programme: str, number: int, ends_on: datetime.date, incomplete: int) -> str:
    return ngettext(
        "Reporting period %(number)d of %(programme)s ends on %(date)s and %(count)d participant's "
        "ESF record is incomplete (gender, year of birth, education or labour-market status).",
        "Reporting period %(number)d of %(programme)s ends on %(date)s and %(count)d participants' "
        "ESF records are incomplete (gender, year of birth, education or labour-market status).",
        incomplete,
    ) % {"number": number, "programme": programme, "date": _day(ends_on), "count": incomplete}
