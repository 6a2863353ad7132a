"""What a report page may be asked (a date, a reporting period or a span of dates, and a download
format), checked before anything is computed: a bad value is a message on its field, never a guess."""

import datetime

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from casemgmt.models import ReportingPeriod
from trajectories.forms.actions import DateInput, WorkspaceForm

DOWNLOAD_FORMATS = (("csv", "CSV"), ("xlsx", "XLSX"))
NOT_A_DATE = _("This is not a date: give it as YYYY-MM-DD, e.g. 2017-10-31.")


def _date_field(label, help_text) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, input_formats=["%Y-%m-%d"], widget=DateInput,
        help_text=help_text, error_messages={"invalid": NOT_A_DATE},
    )


def period_label(period: ReportingPeriod) -> str:
    return _("%(number)d (%(start)s to %(end)s)") % {
        "number": period.number,
        "start": date_format(period.starts_on, "SHORT_DATE_FORMAT"),
        "end": date_format(period.ends_on, "SHORT_DATE_FORMAT"),
    }


class ReportForm(WorkspaceForm):
    """The download format is asked for by the page's download links; the form never renders it."""

    format = forms.ChoiceField(
        label=_("Download format"), required=False, choices=[("", "")] + list(DOWNLOAD_FORMATS),
        error_messages={"invalid_choice": _("“%(value)s” is not a download format: choose csv or xlsx.")},
    )


class AsOfForm(ReportForm):
    as_of = _date_field(_("Report date"), _("YYYY-MM-DD; the figures as they stood at the end of that day."))

    def report_date(self, default: datetime.date) -> datetime.date:
        return self.cleaned_data.get("as_of") or default


class PeriodChoiceMixin:
    """A choice of the programme's reporting periods (read once by the view, so validating runs no query)."""

    def add_period_field(self, periods: list[ReportingPeriod], *, help_text) -> None:
        self.periods = {period.number: period for period in periods}
        self.fields["period"] = forms.TypedChoiceField(
            label=_("Reporting period"), required=False, coerce=int, empty_value=None,
            choices=[("", _("(choose a period)")),
                     *((period.number, period_label(period)) for period in periods)],
            help_text=help_text,
            error_messages={"invalid_choice": _(
                "This programme has no reporting period “%(value)s”: choose one of the list.")},
        )

    def chosen_period(self) -> ReportingPeriod | None:
        number = self.cleaned_data.get("period")
        return None if number is None else self.periods[number]


class FunnelForm(PeriodChoiceMixin, AsOfForm):
    """A date (the counts up to it) or a reporting period (the counts within it), not both."""

    def __init__(self, *args, periods: list[ReportingPeriod], **kwargs):
        super().__init__(*args, **kwargs)
        self.add_period_field(periods, help_text=_("Who reached each phase within the period."))

    def clean(self):
        data = super().clean()
        if data.get("as_of") and data.get("period") is not None:
            raise forms.ValidationError(
                _("Give either a report date or a reporting period, not both."), code="date_and_period")
        return data


class EsfForm(PeriodChoiceMixin, ReportForm):
    """A reporting period, or a first and a last day (`from`, `to`)."""

    def __init__(self, *args, periods: list[ReportingPeriod], **kwargs):
        super().__init__(*args, **kwargs)
        self.add_period_field(periods, help_text=_("The participants who entered within the period."))
        self.fields["from"] = _date_field(_("From"), _("First day, YYYY-MM-DD."))
        self.fields["to"] = _date_field(_("To"), _("Last day, YYYY-MM-DD."))

    def clean(self):
        data = super().clean()
        period, first, last = data.get("period"), data.get("from"), data.get("to")
        if self.errors:
            return data
        if period is not None and (first or last):
            raise forms.ValidationError(
                _("Give either a reporting period or a first and last day, not both."),
                code="period_and_span",
            )
        if period is None:
            if first is None and last is None:
                raise forms.ValidationError(
                    _("Choose a reporting period, or give a first and a last day."), code="no_span")
            if first is None:
                self.add_error("from", _("Give the first day too, as YYYY-MM-DD."))
            elif last is None:
                self.add_error("to", _("Give the last day too, as YYYY-MM-DD."))
            elif last < first:
                self.add_error("to", _("The last day (%(to)s) lies before the first day (%(from)s): give "
                                       "a last day on or after the first.")
                               % {"to": last.isoformat(), "from": first.isoformat()})
        return data

    def span(self) -> tuple[datetime.date, datetime.date, ReportingPeriod | None]:
        period = self.chosen_period()
        if period is not None:
            return period.starts_on, period.ends_on, period
        return self.cleaned_data["from"], self.cleaned_data["to"], None
