"""The report pages: the funnel, output financing, money, double funding and the ESF indicators of a
programme, with their CSV and XLSX downloads.

A page starts from the programmes the user may see reports of (reports.policies); any other code
answers 404, as if it did not exist. On screen coordinators, auditors and admins see exact counts; a
download leaves the organisation, so it is always suppressed, and every download is logged, as is
every view of a page that names people. The pages only ask the report functions; each runs a fixed
number of queries whatever the number of participants."""

import datetime
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from casemgmt.access import access_log_record
from casemgmt.clock import today
from casemgmt.models import AccessLog, Phase, Programme, ReportingPeriod, User
from reports import exports
from reports.charts import funnel_charts
from reports.double_funding import double_funding_report
from reports.esf import esf_report
from reports.financing import output_financing_report
from reports.forms import DOWNLOAD_FORMATS, AsOfForm, EsfForm, FunnelForm, ReportForm
from reports.funnel import PHASES, funnel_report
from reports.money import payments_report, tsk_split
from reports.policies import Channel, may_open_reports, report_programmes_for, sees_exact_counts
from reports.suppression import suppression_threshold
from trajectories.policies import participants_visible_to

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# More incomplete records than this are left for the next look, once these are completed.
ESF_LIST_LIMIT = 500


def _report_titles() -> list[tuple[str, str]]:
    """The reports of a programme, in the order the pages link to each other: (url name, title)."""
    return [
        ("reports:funnel", _("Funnel")),
        ("reports:financing", _("Output financing")),
        ("reports:money", _("Total eligible cost and payments")),
        ("reports:double_funding", _("Double funding")),
        ("reports:esf", _("ESF indicators")),
    ]


def _programme_or_404(request: HttpRequest, code: str, object_type: str) -> Programme:
    """The programme with `code` among those whose reports the user may see; any other code is a 404,
    the same answer as "does not exist", and a denied attempt in the access log."""
    programme = None
    if may_open_reports(request.user):
        programme = report_programmes_for(request.user).filter(code__iexact=code).first()
    if programme is None:
        access_log_record(request=request, action=AccessLog.Action.DENIED, object_type=object_type,
                          object_id=code[:64])
        raise Http404
    return programme


def _periods(programme: Programme) -> list[ReportingPeriod]:
    return list(ReportingPeriod.objects.filter(programme=programme).order_by("number"))


def _screen_threshold(user: User) -> int | None:
    """None (exact counts) for whoever may see them on screen; else the threshold."""
    return None if sees_exact_counts(user, Channel.SCREEN) else suppression_threshold()


def _with_default(query, **defaults) -> dict:
    """The query string with defaults for a page opened without one, so the form shows what it reports."""
    data = query.copy()
    if not any(data.get(name) for name in ("as_of", "period", "from", "to")):
        for name, value in defaults.items():
            data[name] = value
    return data


def _download_links(params: dict) -> list[dict]:
    return [{"label": label, "url": "?" + urlencode({**params, "format": key})}
            for key, label in DOWNLOAD_FORMATS]


def _download(request: HttpRequest, *, programme: Programme, kind: str, stamp: str, form: str,
              tables: list[exports.Table]) -> HttpResponse:
    """The tables as a file, logged as a report that left the organisation."""
    if form == "csv":
        # With a byte-order mark, so spreadsheet programs read the accents as UTF-8.
        content: bytes = ("\ufeff" + exports.tables_csv(tables)).encode("utf-8")
    else:
        content = exports.tables_xlsx(tables)
    response = HttpResponse(content, content_type=CONTENT_TYPES[form])
    filename = f"{programme.code}-{kind}-{stamp}.{form}"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    access_log_record(request=request, action=AccessLog.Action.REPORT, obj=programme,
                      object_type=f"reports.{kind.replace('-', '_')}")
    return response


def _render(request: HttpRequest, template: str, programme: Programme, current: str, context: dict,
            *, status: int = 200) -> HttpResponse:
    titles = dict(_report_titles())
    return render(request, template, {
        "title": f"{titles[current]} · {programme.code}",
        "heading": titles[current],
        "nav": "reports",
        "programme": programme,
        "reports": [{"url_name": name, "title": title, "current": name == current}
                    for name, title in titles.items()],
        "threshold": suppression_threshold(),
        **context,
    }, status=status)


def _invalid(request: HttpRequest, template: str, programme: Programme, current: str, form: ReportForm,
             **context) -> HttpResponse:
    """The page with the form's messages and no figures: nothing is computed from bad input."""
    return _render(request, template, programme, current, {"form": form, "report": None, **context},
                   status=400)


@login_required
@require_GET
def report_index(request: HttpRequest) -> HttpResponse:
    if not may_open_reports(request.user):
        raise Http404
    programmes = list(report_programmes_for(request.user).order_by("code"))
    return render(request, "reports/index.html", {
        "title": _("Reports"), "nav": "reports", "programmes": programmes, "reports": _report_titles(),
    })


def _funnel_rows(report) -> list[dict]:
    """The table's rows; on the total row each target says what the regions' targets add up to
    where that differs from the stated total."""
    rows = []
    for row in [*report.rows, report.total]:
        cells = []
        for phase in PHASES:
            cell = row.cells[phase]
            summed = (row.target_sum or {}).get(phase)
            cells.append({"cell": cell, "target_sum": summed if summed not in (None, cell.target) else None})
        rows.append({"row": row, "cells": cells, "total": row is report.total})
    return rows


@login_required
@require_GET
def funnel(request: HttpRequest, code: str) -> HttpResponse:
    programme = _programme_or_404(request, code, "reports.funnel")
    form = FunnelForm(_with_default(request.GET, as_of=today().isoformat()), periods=_periods(programme))
    context = {"phases": [Phase(phase) for phase in PHASES]}
    if not form.is_valid():
        return _invalid(request, "reports/funnel.html", programme, "reports:funnel", form, **context)
    period = form.chosen_period()
    as_of = None if period else form.report_date(today())
    params = {"period": period.number} if period else {"as_of": as_of.isoformat()}
    if download := form.cleaned_data["format"]:
        report = funnel_report(programme=programme, as_of=as_of, period=period,
                               suppress_below=suppression_threshold())
        stamp = f"period-{period.number}" if period else as_of.isoformat()
        return _download(request, programme=programme, kind="funnel", stamp=stamp, form=download,
                         tables=exports.funnel_tables(report))
    report = funnel_report(programme=programme, as_of=as_of, period=period,
                           suppress_below=_screen_threshold(request.user))
    return _render(request, "reports/funnel.html", programme, "reports:funnel", {
        **context, "form": form, "report": report, "rows": _funnel_rows(report),
        "charts": funnel_charts(report), "downloads": _download_links(params),
    })


def _as_of_form(request: HttpRequest) -> AsOfForm:
    return AsOfForm(_with_default(request.GET, as_of=today().isoformat()))


@login_required
@require_GET
def financing(request: HttpRequest, code: str) -> HttpResponse:
    programme = _programme_or_404(request, code, "reports.financing")
    form = _as_of_form(request)
    if not form.is_valid():
        return _invalid(request, "reports/financing.html", programme, "reports:financing", form)
    as_of = form.report_date(today())
    report = output_financing_report(programme=programme, as_of=as_of)
    if download := form.cleaned_data["format"]:
        # The figures are exact; the tables hide the small counts as they are written.
        tables = exports.financing_tables(report, suppress_below=suppression_threshold())
        return _download(request, programme=programme, kind="financing", stamp=as_of.isoformat(),
                         form=download, tables=tables)
    return _render(request, "reports/financing.html", programme, "reports:financing", {
        "form": form, "report": report, "as_of": as_of,
        "downloads": _download_links({"as_of": as_of.isoformat()}),
    })


@login_required
@require_GET
def money(request: HttpRequest, code: str) -> HttpResponse:
    programme = _programme_or_404(request, code, "reports.money")
    form = _as_of_form(request)
    if not form.is_valid():
        return _invalid(request, "reports/money.html", programme, "reports:money", form)
    as_of = form.report_date(today())
    split = tsk_split(programme=programme)
    payments = payments_report(programme=programme, as_of=as_of)
    if download := form.cleaned_data["format"]:
        # Money and FTEs count no people: there is nothing to suppress.
        return _download(request, programme=programme, kind="money", stamp=as_of.isoformat(),
                         form=download, tables=exports.money_tables(split, payments))
    return _render(request, "reports/money.html", programme, "reports:money", {
        "form": form, "report": split, "split": split, "payments": payments, "as_of": as_of,
        "partners": [{"share": partner, "years": [partner.fte_by_year.get(year, Decimal("0"))
                                                  for year in split.years]}
                     for partner in split.partners],
        "fte_totals": [split.fte_total_by_year[year] for year in split.years],
        "downloads": _download_links({"as_of": as_of.isoformat()}),
    })


def _names(user: User, participant_ids: set[int]) -> dict[int, str]:
    """The names of the people a list points at, among those the user may see (one query)."""
    if not participant_ids:
        return {}
    rows = participants_visible_to(user).filter(pk__in=participant_ids).values_list(
        "pk", "first_name", "last_name")
    return {pk: f"{first} {last}" for pk, first, last in rows}


def _users(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return {user.pk: str(user.get_full_name() or user.get_username())
            for user in User.objects.filter(pk__in=user_ids).only("username", "first_name", "last_name")}


@login_required
@require_GET
def double_funding(request: HttpRequest, code: str) -> HttpResponse:
    programme = _programme_or_404(request, code, "reports.double_funding")
    report = double_funding_report(programme=programme)
    people = {row["participant_id"] for row in report.overlapping_enrolments}
    people |= {row["trajectory__participant_id"] for row in report.cross_programme_attendances}
    people |= {row["trajectory__participant_id"] for row in report.same_day_sessions}
    names = _names(request.user, people)
    coaches = _users({row["session__coach_id"] for row in report.same_day_sessions})
    for row in report.overlapping_enrolments:
        row["name"] = names.get(row["participant_id"])
    for row in [*report.cross_programme_attendances, *report.same_day_sessions]:
        row["name"] = names.get(row["trajectory__participant_id"])
    for row in report.same_day_sessions:
        row["coach"] = coaches.get(row["session__coach_id"], "")
    for row in report.overcommitted_staff:
        full = f"{row['staff__user__first_name']} {row['staff__user__last_name']}".strip()
        row["name"] = full or row["staff__user__username"]
    access_log_record(request=request, action=AccessLog.Action.VIEW, obj=programme,
                      object_type="reports.double_funding")
    return _render(request, "reports/double_funding.html", programme, "reports:double_funding",
                   {"report": report})


def _default_esf_period(periods: list[ReportingPeriod], on: datetime.date) -> ReportingPeriod | None:
    """The reporting period running on `on`, else the last one begun, else the first."""
    for period in periods:
        if period.starts_on <= on <= period.ends_on:
            return period
    begun = [period for period in periods if period.starts_on <= on]
    if begun:
        return begun[-1]
    return periods[0] if periods else None


@login_required
@require_GET
def esf(request: HttpRequest, code: str) -> HttpResponse:
    programme = _programme_or_404(request, code, "reports.esf")
    periods = _periods(programme)
    default = _default_esf_period(periods, today())
    if default is not None:
        data = _with_default(request.GET, period=str(default.number))
    else:
        data = _with_default(request.GET, **{"from": programme.starts_on.isoformat(),
                                             "to": programme.ends_on.isoformat()})
    form = EsfForm(data, periods=periods)
    if not form.is_valid():
        return _invalid(request, "reports/esf.html", programme, "reports:esf", form)
    starts_on, ends_on, period = form.span()
    if period:
        params = {"period": period.number}
    else:
        params = {"from": starts_on.isoformat(), "to": ends_on.isoformat()}
    if download := form.cleaned_data["format"]:
        report = esf_report(programme=programme, starts_on=starts_on, ends_on=ends_on,
                            suppress_below=suppression_threshold(), list_limit=ESF_LIST_LIMIT)
        stamp = f"period-{period.number}" if period else f"{starts_on.isoformat()}-{ends_on.isoformat()}"
        return _download(request, programme=programme, kind="esf", stamp=stamp, form=download,
                         tables=exports.esf_tables(report))
    report = esf_report(programme=programme, starts_on=starts_on, ends_on=ends_on,
                        suppress_below=_screen_threshold(request.user), list_limit=ESF_LIST_LIMIT)
    access_log_record(request=request, action=AccessLog.Action.VIEW, obj=programme, object_type="reports.esf")
    return _render(request, "reports/esf.html", programme, "reports:esf", {
        "form": form, "report": report, "period": period, "downloads": _download_links(params),
        "list_limit_reached": len(report.incomplete_records) >= ESF_LIST_LIMIT,
    })


urlpatterns = [
    path("", report_index, name="index"),
    path("<slug:code>/funnel/", funnel, name="funnel"),
    path("<slug:code>/financing/", financing, name="financing"),
    path("<slug:code>/money/", money, name="money"),
    path("<slug:code>/double-funding/", double_funding, name="double_funding"),
    path("<slug:code>/esf/", esf, name="esf"),
]
