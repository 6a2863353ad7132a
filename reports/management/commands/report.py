"""Write a report for a programme to standard output or a file, as JSON, CSV or XLSX.

    python manage.py report funnel --programme OVV --as-of 2017-10-31 --format json
    python manage.py report funnel --programme OVV --period 1 --format xlsx --output p1.xlsx
    python manage.py report financing|money|esf|double-funding --programme OVV ...

Counts from 1 to 4 are suppressed unless --exact (a file made here usually leaves the organisation)."""

import datetime
import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from casemgmt.clock import today
from casemgmt.models import Programme, ReportingPeriod
from reports import documents, exports
from reports.double_funding import double_funding_report
from reports.esf import esf_report
from reports.financing import output_financing_report
from reports.funnel import funnel_report
from reports.money import payments_report, tsk_split

KINDS = ("funnel", "financing", "money", "esf", "double-funding")
FORMATS = ("json", "csv", "xlsx")


def _date(text: str | None, option: str) -> datetime.date | None:
    if text is None:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"{option} {text!r} is not a date: give it as YYYY-MM-DD, e.g. 2017-10-31."
        ) from None


class Command(BaseCommand):
    help = "Write a programme report (funnel, financing, money, esf, double-funding) as JSON, CSV or XLSX."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("--programme", required=True, help="Programme code, e.g. OVV.")
        parser.add_argument("--as-of", help="Report date YYYY-MM-DD (default: today).")
        parser.add_argument("--period", type=int, help="Reporting period number instead of a date.")
        parser.add_argument("--from", dest="starts_on", help="ESF: first day YYYY-MM-DD.")
        parser.add_argument("--to", dest="ends_on", help="ESF: last day YYYY-MM-DD.")
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument("--output", help="File to write (required for xlsx unless stdout is redirected).")
        parser.add_argument("--exact", action="store_true",
                            help="Exact counts: only for use inside the organisation.")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE, help="nl or en (labels).")

    def handle(self, *args, **options):
        with translation.override(options["language"]):
            content = self._render(options)
        if options["output"]:
            mode = "wb" if isinstance(content, bytes) else "w"
            with open(options["output"], mode) as handle:
                handle.write(content)
        elif isinstance(content, bytes):
            if sys.stdout.isatty():
                raise CommandError("XLSX is binary: give --output FILE or redirect the output to a file.")
            sys.stdout.buffer.write(content)
        else:
            self.stdout.write(content, ending="" if content.endswith("\n") else "\n")

    def _programme(self, code: str) -> Programme:
        programme = Programme.objects.filter(code__iexact=code).first()
        if programme is None:
            known = ", ".join(Programme.objects.values_list("code", flat=True)) or "none"
            raise CommandError(f"No programme {code!r}; the programmes are: {known}.")
        return programme

    def _period(self, programme: Programme, number: int | None) -> ReportingPeriod | None:
        if number is None:
            return None
        period = ReportingPeriod.objects.filter(programme=programme, number=number).first()
        if period is None:
            numbers = ", ".join(str(n) for n in programme.reporting_periods.values_list("number", flat=True))
            raise CommandError(
                f"{programme.code} has no reporting period {number}; it has: {numbers or 'none'}."
            )
        return period

    def _render(self, options) -> str | bytes:
        kind, form = options["kind"], options["format"]
        programme = self._programme(options["programme"])
        period = self._period(programme, options["period"])
        as_of = _date(options["as_of"], "--as-of")
        if period is not None and as_of is not None:
            raise CommandError("Give either --as-of or --period, not both.")
        as_of = as_of or (period.ends_on if period else today())
        threshold = None if options["exact"] else settings.REPORT_SUPPRESSION_THRESHOLD
        if kind == "double-funding":
            if form != "json" or not options["exact"]:
                raise CommandError("The double-funding report points at people's records: it is written "
                                   "only as JSON, with --exact, for use inside the organisation.")
            return self._json(documents.double_funding_document(double_funding_report(programme=programme)))
        if kind == "funnel":
            report = funnel_report(programme=programme, as_of=None if period else as_of, period=period,
                                   suppress_below=threshold)
            return self._json(report.as_json()) if form == "json" else self._file(
                exports.funnel_tables(report), form)
        if kind == "financing":
            report = output_financing_report(programme=programme, as_of=as_of)
            if form == "json":
                if threshold:
                    raise CommandError("Financing as JSON has exact counts: add --exact, or use csv/xlsx.")
                return self._json(documents.financing_document(report))
            return self._file(exports.financing_tables(report, suppress_below=threshold), form)
        if kind == "money":
            split = tsk_split(programme=programme)
            payments = payments_report(programme=programme, as_of=as_of)
            if form == "json":
                return self._json(documents.money_document(split, payments))
            return self._file(exports.money_tables(split, payments), form)
        starts_on = _date(options["starts_on"], "--from")
        ends_on = _date(options["ends_on"], "--to")
        if period is not None:
            starts_on, ends_on = period.starts_on, period.ends_on
        if starts_on is None or ends_on is None or ends_on < starts_on:
            raise CommandError("The ESF report covers a span: give --period N, or --from and --to "
                               "(YYYY-MM-DD, --to not before --from).")
        report = esf_report(programme=programme, starts_on=starts_on, ends_on=ends_on,
                            suppress_below=threshold)
        if form == "json":
            return self._json(documents.esf_document(report))
        return self._file(exports.esf_tables(report), form)

    def _json(self, data: dict) -> str:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def _file(self, tables, form: str) -> str | bytes:
        return exports.tables_csv(tables) if form == "csv" else exports.tables_xlsx(tables)
