"""ESF common indicators for the participants who entered a programme within a period, and the result
of those who left it (EU regulations 1304/2013 and 2021/1057).

A record needs gender, year of birth, labour-market status at entry and education; one that lacks any
counts only in the grand total (the breakdowns add up to the complete records) and is listed for the
coordinators to complete. Age is taken on the day of entry into the programme (first phase entry),
with an unknown day or month as the 1st / January, as the national register does."""

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, DateField, F, IntegerField, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear
from django.utils.translation import gettext_lazy as _

from casemgmt.models import Programme
from reports.suppression import is_small, suppress_group
from trajectories.models import Participant, PhaseEntry, Trajectory

# Member states of the European Union (ISO 3166-1 alpha-2); a nationality outside it is a third country.
EU_MEMBER_STATES = frozenset(
    ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
     "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"]
)

REQUIRED = (
    ("gender", _("gender")),
    ("birth_year", _("year of birth")),
    ("labour_market_status", _("labour-market status at entry")),
    ("education", _("education (ISCED)")),
)

AGE_BANDS = (
    ("below_25", _("below 25")),
    ("25_54", _("25 to 54")),
    ("above_54", _("above 54")),
)

RESULTS = (
    ("employment", _("in employment, incl. self-employment"),
     (Trajectory.Outcome.SELF_EMPLOYED, Trajectory.Outcome.EMPLOYED, Trajectory.Outcome.PROTECTED)),
    ("self_employed", _("of whom self-employed with an enterprise number"),
     (Trajectory.Outcome.SELF_EMPLOYED,)),
    ("education", _("in education or training"), (Trajectory.Outcome.EDUCATION,)),
    ("job_seeking", _("job-searching"), (Trajectory.Outcome.JOB_SEEKING,)),
    ("other", _("other, or dropped out"), (Trajectory.Outcome.OTHER, Trajectory.Outcome.DROPPED_OUT)),
    ("not_recorded", _("no result recorded"), ("",)),
)


@dataclass
class Line:
    key: str
    label: str
    count: int | None
    suppressed: bool = False


@dataclass
class Breakdown:
    key: str
    label: str
    lines: list[Line]
    adds_up: bool = True  # the lines add up to the complete records (a group for suppression)


@dataclass
class EsfReport:
    programme: Programme
    starts_on: datetime.date
    ends_on: datetime.date
    entered: int | None
    complete: int | None
    incomplete: int | None
    breakdowns: list[Breakdown]
    left: int | None
    results: Breakdown
    incomplete_records: list[dict]
    suppressed_below: int | None = None


def _complete() -> Q:
    return ~Q(gender="") & Q(birth_year__isnull=False) & ~Q(labour_market_status="") & ~Q(education="")


def _entrants(programme: Programme, starts_on: datetime.date, ends_on: datetime.date):
    """The people whose first entry into the programme lies in the period, with `age` on that day.

    Per person, not per trajectory: someone who left and came back counts once, at their first entry."""
    first = Subquery(
        PhaseEntry.objects.filter(trajectory__participant=OuterRef("pk"), trajectory__programme=programme)
        .order_by().values("trajectory__participant").annotate(first=Min("entered_on")).values("first")[:1],
        output_field=DateField(),
    )
    birth_month = Coalesce("birth_month", Value(1))
    birth_day = Coalesce("birth_day", Value(1))
    before_birthday = Q(entry_month__lt=birth_month) | Q(entry_month=birth_month, entry_day__lt=birth_day)
    return (
        Participant.objects.annotate(entered_on=first)
        .filter(entered_on__gte=starts_on, entered_on__lte=ends_on)
        .annotate(entry_year=ExtractYear("entered_on"), entry_month=ExtractMonth("entered_on"),
                  entry_day=ExtractDay("entered_on"))
        .annotate(age=Case(
            When(before_birthday, then=F("entry_year") - F("birth_year") - 1),
            default=F("entry_year") - F("birth_year"),
            output_field=IntegerField(),
        ))
    )


def _leavers(programme: Programme, starts_on: datetime.date, ends_on: datetime.date):
    """The people whose trajectory in the programme ended in the period, with the `result` of the last."""
    last = (
        Trajectory.objects.filter(participant=OuterRef("pk"), programme=programme,
                                  ended_on__gte=starts_on, ended_on__lte=ends_on)
        .order_by("-ended_on", "-pk").values("outcome")[:1]
    )
    return Participant.objects.annotate(result=Subquery(last)).filter(result__isnull=False)


def _breakdowns(counts: dict) -> list[Breakdown]:
    def lines(prefix, choices):
        return [Line(key, str(label), counts[f"{prefix}_{key}"]) for key, label in choices]

    third_country = [("third_country", _("third-country national")), ("eu", _("EU national")),
                     ("unknown", _("nationality not recorded"))]
    flag = [("yes", _("yes")), ("no", _("no")), ("unknown", _("not recorded"))]
    return [
        Breakdown("gender", str(_("gender")), lines("gender", Participant.Gender.choices)),
        Breakdown("age", str(_("age at entry")), lines("age", AGE_BANDS)),
        Breakdown("labour_market_status", str(_("labour-market status at entry")),
                  lines("lms", Participant.LabourMarketStatus.choices)),
        Breakdown("education", str(_("education (ISCED)")), lines("edu", Participant.Education.choices)),
        Breakdown("nationality", str(_("third-country national")), lines("nat", third_country)),
        Breakdown("disability", str(_("has a disability")), lines("dis", flag)),
        Breakdown("homeless", str(_("homeless or excluded from housing")), lines("home", flag)),
    ]


def _entrant_aggregates() -> dict:
    complete = _complete()

    def count(condition: Q) -> Count:
        return Count("pk", filter=complete & condition)

    out = {"entered": Count("pk"), "complete": Count("pk", filter=complete)}
    for key, _label in Participant.Gender.choices:
        out[f"gender_{key}"] = count(Q(gender=key))
    out["age_below_25"] = count(Q(age__lt=25))
    out["age_25_54"] = count(Q(age__gte=25, age__lte=54))
    out["age_above_54"] = count(Q(age__gt=54))
    for key, _label in Participant.LabourMarketStatus.choices:
        out[f"lms_{key}"] = count(Q(labour_market_status=key))
    for key, _label in Participant.Education.choices:
        out[f"edu_{key}"] = count(Q(education=key))
    out["nat_unknown"] = count(Q(nationality=""))
    out["nat_eu"] = count(Q(nationality__in=EU_MEMBER_STATES))
    out["nat_third_country"] = count(~Q(nationality="") & ~Q(nationality__in=EU_MEMBER_STATES))
    for field, prefix in (("disability", "dis"), ("homeless", "home")):
        out[f"{prefix}_yes"] = count(Q(**{field: True}))
        out[f"{prefix}_no"] = count(Q(**{field: False}))
        out[f"{prefix}_unknown"] = count(Q(**{f"{field}__isnull": True}))
    return out


def esf_report(
    *, programme: Programme, starts_on: datetime.date, ends_on: datetime.date, list_limit: int = 500,
    suppress_below: int | None = None,
) -> EsfReport:
    """The indicators for entrants and leavers in [starts_on, ends_on]: three queries in all."""
    counts = _entrants(programme, starts_on, ends_on).aggregate(**_entrant_aggregates())
    result_counts = _leavers(programme, starts_on, ends_on).aggregate(
        left=Count("pk"),
        **{key: Count("pk", filter=Q(result__in=outcomes)) for key, _label, outcomes in RESULTS},
    )
    incomplete = (
        _entrants(programme, starts_on, ends_on).exclude(_complete())
        .order_by("last_name", "first_name", "pk")
        .values("pk", "first_name", "last_name", "entered_on", *(name for name, _label in REQUIRED))
        [:list_limit]
    )
    records = []
    for row in incomplete:
        missing = [str(label) for name, label in REQUIRED if row[name] in ("", None)]
        records.append({"participant_id": row["pk"], "name": f"{row['first_name']} {row['last_name']}",
                        "entered_on": row["entered_on"], "missing": missing})
    report = EsfReport(
        programme=programme, starts_on=starts_on, ends_on=ends_on,
        entered=counts["entered"], complete=counts["complete"],
        incomplete=counts["entered"] - counts["complete"],
        breakdowns=_breakdowns(counts),
        left=result_counts["left"],
        results=Breakdown("results", str(_("result on leaving")), [
            Line(key, str(label), result_counts[key]) for key, label, _outcomes in RESULTS
        ], adds_up=False),
        incomplete_records=records,
    )
    if suppress_below:
        _suppress(report, suppress_below)
    return report


def _suppress(report: EsfReport, threshold: int) -> None:
    """Each breakdown adds up to the complete records; the results (but the 'of whom' line) to the leavers.
    The list of incomplete records names people: it never leaves the organisation."""
    report.suppressed_below = threshold
    report.incomplete_records = []
    groups = [(b.lines, report.complete) for b in report.breakdowns]
    groups.append(([line for line in report.results.lines if line.key != "self_employed"], report.left))
    for lines, total in groups:
        hidden, _total_hidden = suppress_group([line.count for line in lines], total, threshold)
        for index in hidden:
            lines[index].count, lines[index].suppressed = None, True
    for line in report.results.lines:
        if line.key == "self_employed" and is_small(line.count, threshold):
            line.count, line.suppressed = None, True
    # A breakdown shown in full adds up to the complete records, so `complete` is public whatever we
    # do; a small number of incomplete records would then follow from `entered`: hide both.
    if is_small(report.left, threshold):
        report.left = None
    if is_small(report.incomplete, threshold) or is_small(report.complete, threshold):
        report.entered = None
        for name in ("complete", "incomplete"):
            if is_small(getattr(report, name), threshold):
                setattr(report, name, None)
    elif is_small(report.entered, threshold):
        report.entered = report.complete = report.incomplete = None
