"""Each programme's reminder settings (or the defaults), turned into the date limits the scans filter on.

The scans compare a date column with a limit that depends on the programme (e.g. a last contact on or
before today - N days). Adding a per-row number of days to a date is not portable between SQLite and
PostgreSQL, so the limits are computed here, once per scan, and the queries group programmes that
share a limit: `(programme IN (1, 3) AND d <= '2017-03-01') OR (programme IN (2) AND d <= ...)`.
There are a handful of programmes, so the filter has a handful of terms whatever the number of rows.
"""

import calendar
import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q

from casemgmt.models import Programme
from reminders.models import ReminderSettings


@dataclass(frozen=True)
class ProgrammeRules:
    programme_id: int
    code: str
    outflow_window_months: int
    settings: ReminderSettings


def programme_rules_load() -> dict[int, ProgrammeRules]:
    """Every programme with its reminder settings, the defaults where it has none: one query."""
    found = {}
    for programme in Programme.objects.select_related("reminder_settings").order_by("pk"):
        try:
            settings = programme.reminder_settings
        except ReminderSettings.DoesNotExist:
            settings = ReminderSettings(programme_id=programme.pk)
        found[programme.pk] = ProgrammeRules(programme.pk, programme.code, programme.outflow_window_months,
                                             settings)
    return found


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (or earlier), on the month's last day where it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


NOTHING = Q(pk__in=[])


def limits_q(limits: Iterable[tuple[int, object, Q]], *, programme: str) -> Q:
    """OR of `programme IN (...) AND condition`, one term per distinct condition key.

    `limits` holds (programme_id, key, condition); programmes with an equal key share a term."""
    groups: dict[object, list[int]] = defaultdict(list)
    conditions: dict[object, Q] = {}
    for programme_id, key, condition in limits:
        groups[key].append(programme_id)
        conditions[key] = condition
    combined = NOTHING
    for key, programme_ids in groups.items():
        combined |= Q(**{f"{programme}__in": sorted(programme_ids)}) & conditions[key]
    return combined


def on_or_before(
    rules: dict[int, ProgrammeRules], rule: str, field: str, limit: Callable[[ProgrammeRules], datetime.date],
    *, programme: str,
) -> Q:
    """`field <= limit(programme)` for every programme where `rule` is on."""
    return limits_q(
        ((pk, day, Q(**{f"{field}__lte": day}))
         for pk, r in rules.items() if r.settings.enabled(rule) for day in [limit(r)]),
        programme=programme,
    )


def after(
    rules: dict[int, ProgrammeRules], rule: str, field: str, limit: Callable[[ProgrammeRules], datetime.date],
    *, programme: str,
) -> Q:
    """`field > limit(programme)` for every programme where `rule` is on: no longer due."""
    return limits_q(
        ((pk, day, Q(**{f"{field}__gt": day}))
         for pk, r in rules.items() if r.settings.enabled(rule) for day in [limit(r)]),
        programme=programme,
    )


def switched_off(rules: dict[int, ProgrammeRules], rule: str) -> list[int]:
    return sorted(pk for pk, r in rules.items() if not r.settings.enabled(rule))


def switched_on(rules: dict[int, ProgrammeRules], rule: str) -> list[int]:
    return sorted(pk for pk, r in rules.items() if r.settings.enabled(rule))
