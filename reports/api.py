"""The reports API, under `/api/v1/programmes/<code>/reports/`:

- `funnel/?as_of=YYYY-MM-DD` (or `?period=N`): the same JSON as `manage.py report funnel`;
- `financing/?as_of=`: outflow and output financing per reporting period and for the programme;
- `money/?as_of=`: the total eligible cost split by FTE, and the payments received;
- `esf/?period=N` (or `?from=&to=`): the ESF common indicators of the entrants and leavers in a span;
- `double-funding/`: the records that may be funded twice.

A coordinator of the programme gets exact counts; anyone else who may read it (auditors, admins, staff
of its partner organisations) gets counts of 1 to 4 hidden, and no list of records (reports.policies).
The double-funding report points at people's records: only coordinators of the programme, auditors and
admins read it. A programme outside the user's reach answers 404, as if it did not exist. Every call is
logged, and each user may make only so many an hour (the "export" throttle)."""

import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from casemgmt.access import access_log_record
from casemgmt.api.schema import error_responses
from casemgmt.clock import today
from casemgmt.models import AccessLog, Programme, ReportingPeriod, User
from reports import documents
from reports.api_schema import (
    DoubleFundingDocumentSerializer,
    EsfDocumentSerializer,
    FinancingDocumentSerializer,
    FunnelDocumentSerializer,
    MoneyDocumentSerializer,
)
from reports.double_funding import double_funding_report
from reports.esf import esf_report
from reports.financing import output_financing_report
from reports.funnel import funnel_report
from reports.money import payments_report, tsk_split
from reports.policies import Channel, api_report_programmes_for, report_programmes_for, sees_exact_counts
from reports.suppression import financing_hidden

# Lists that point at records stop here: no endpoint returns an unbounded list.
ESF_LIST_LIMIT = 500
DOUBLE_FUNDING_LIST_LIMIT = 500

DATE_ERRORS = {"invalid": _("Give the date as YYYY-MM-DD, e.g. 2017-10-31.")}


def _date_field(help_text) -> serializers.DateField:
    return serializers.DateField(required=False, input_formats=["iso-8601"], error_messages=DATE_ERRORS,
                                 help_text=help_text)


class AsOfQuery(serializers.Serializer):
    as_of = _date_field(_("Report date (default: today)."))


class FunnelQuery(AsOfQuery):
    period = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs):
        if "as_of" in attrs and "period" in attrs:
            raise serializers.ValidationError(_("Give either as_of or period, not both."))
        return attrs


def _validate_span(self, attrs):
    given = [name for name in ("from", "to") if name in attrs]
    if "period" in attrs and given:
        raise serializers.ValidationError(_("Give either period, or from and to, not both."))
    if len(given) == 1:
        raise serializers.ValidationError(_("Give both from and to (YYYY-MM-DD)."))
    if given and attrs["to"] < attrs["from"]:
        raise serializers.ValidationError({"to": [_("The span ends before it starts: give a date on or "
                                                    "after from.")]})
    return attrs


# "from" is a Python keyword, so the class is built with it as a name.
EsfQuery = type("EsfQuery", (serializers.Serializer,), {
    "__module__": __name__,
    "__doc__": "The span of the ESF report: a reporting period, or from and to.",
    "period": serializers.IntegerField(required=False, min_value=1),
    "from": _date_field(_("First day of the span (YYYY-MM-DD).")),
    "to": _date_field(_("Last day of the span (YYYY-MM-DD).")),
    "validate": _validate_span,
})


def _period_of(programme: Programme, number: int) -> ReportingPeriod:
    period = ReportingPeriod.objects.filter(programme=programme, number=number).first()
    if period is None:
        raise ValidationError({"period": [_("%(programme)s has no reporting period %(number)d.") % {
            "programme": programme.code, "number": number}]})
    return period


AS_OF = OpenApiParameter("as_of", OpenApiTypes.DATE, description="Report date (default: today).")


class ReportView(APIView):
    """A report of one programme: found among those the user may read (else 404, logged as denied),
    logged when it is given, and throttled."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "export"
    kind = ""  # the report's name in the access log: reports.<kind>

    def programmes(self, user: User) -> QuerySet[Programme]:
        return api_report_programmes_for(user)

    def programme_or_404(self, request: Request, code: str) -> Programme:
        programme = self.programmes(request.user).filter(code__iexact=code).first()
        if programme is None:
            access_log_record(request=request, action=AccessLog.Action.DENIED,
                              object_type=f"reports.{self.kind}", object_id=code[:64])
            raise NotFound()
        return programme

    def query(self, request: Request, query_class: type[serializers.Serializer]) -> dict:
        query = query_class(data=request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data

    def logged(self, request: Request, programme: Programme, document: dict) -> Response:
        access_log_record(request=request, action=AccessLog.Action.REPORT, obj=programme,
                          object_type=f"reports.{self.kind}")
        return Response(document)

    def threshold(self, user: User) -> int | None:
        """None (exact counts) for a coordinator; else the suppression threshold."""
        return None if sees_exact_counts(user, Channel.API) else settings.REPORT_SUPPRESSION_THRESHOLD


class FunnelView(ReportView):
    kind = "funnel"

    @extend_schema(
        operation_id="programme_funnel",
        summary="Participants who reached each phase, per province, against the targets in force",
        parameters=[
            AS_OF,
            OpenApiParameter("period", OpenApiTypes.INT, description="Reporting period number instead."),
        ],
        responses={200: FunnelDocumentSerializer, **error_responses(400, 403, 404, 429)},
    )
    def get(self, request: Request, code: str) -> Response:
        programme = self.programme_or_404(request, code)
        query = self.query(request, FunnelQuery)
        period = _period_of(programme, query["period"]) if "period" in query else None
        as_of: datetime.date | None = None if period else query.get("as_of", today())
        report = funnel_report(programme=programme, as_of=as_of, period=period,
                               suppress_below=self.threshold(request.user))
        return self.logged(request, programme, report.as_json())


# Output financing

def financing_suppressed(document: dict, threshold: int) -> dict:
    """Hide the small counts of the financing document, with a second one where the programme's total
    would reveal a period's; and the rate (with what follows from it) wherever the finished or the
    started of its line are hidden, as finished × rate would give the started away."""
    periods, total = document["periods"], document["programme_total"]
    for line, names in zip([*periods, total], financing_hidden(periods, total, threshold), strict=True):
        for name in names:
            line[name] = None
        if names:
            line["suppressed"] = sorted(names)
    document["suppressed_below"] = threshold
    return document


class FinancingView(ReportView):
    kind = "financing"

    @extend_schema(
        operation_id="programme_financing",
        summary="Outflow to self-employment and the output financing it yields, per reporting period",
        parameters=[AS_OF],
        responses={200: FinancingDocumentSerializer, **error_responses(400, 403, 404, 429)},
    )
    def get(self, request: Request, code: str) -> Response:
        programme = self.programme_or_404(request, code)
        query = self.query(request, AsOfQuery)
        report = output_financing_report(programme=programme, as_of=query.get("as_of", today()))
        document = {**documents.financing_document(report), "suppressed_below": None}
        threshold = self.threshold(request.user)
        if threshold:
            document = financing_suppressed(document, threshold)
        return self.logged(request, programme, document)


class MoneyView(ReportView):
    """Money and FTEs count no people: there is nothing to suppress."""

    kind = "money"

    @extend_schema(
        operation_id="programme_money",
        summary="The total eligible cost split by the partners' FTE, and the payments received",
        parameters=[AS_OF],
        responses={200: MoneyDocumentSerializer, **error_responses(400, 403, 404, 429)},
    )
    def get(self, request: Request, code: str) -> Response:
        programme = self.programme_or_404(request, code)
        query = self.query(request, AsOfQuery)
        split = tsk_split(programme=programme)
        payments = payments_report(programme=programme, as_of=query.get("as_of", today()))
        return self.logged(request, programme, documents.money_document(split, payments))


def _running_period(programme: Programme, on: datetime.date) -> ReportingPeriod | None:
    """The period running on `on`, else the last one begun, else the first (as the ESF page)."""
    periods = ReportingPeriod.objects.filter(programme=programme)
    return (periods.filter(starts_on__lte=on, ends_on__gte=on).first()
            or periods.filter(starts_on__lte=on).order_by("-number").first()
            or periods.order_by("number").first())


class EsfView(ReportView):
    kind = "esf"

    @extend_schema(
        operation_id="programme_esf",
        summary="The ESF common indicators of the participants who entered and left in a span",
        description="The span is a reporting period, or from and to; by default the period running today. "
                    "A coordinator gets exact counts and the records to complete (at most 500).",
        parameters=[
            OpenApiParameter("period", OpenApiTypes.INT, description="Reporting period number."),
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day of the span, with to."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day of the span, with from."),
        ],
        responses={200: EsfDocumentSerializer, **error_responses(400, 403, 404, 429)},
    )
    def get(self, request: Request, code: str) -> Response:
        programme = self.programme_or_404(request, code)
        query = self.query(request, EsfQuery)
        period = _period_of(programme, query["period"]) if "period" in query else None
        if "from" in query:
            starts_on, ends_on = query["from"], query["to"]
        else:
            period = period or _running_period(programme, today())
            starts_on, ends_on = (period.starts_on, period.ends_on) if period else (
                programme.starts_on, programme.ends_on)
        report = esf_report(programme=programme, starts_on=starts_on, ends_on=ends_on,
                            suppress_below=self.threshold(request.user), list_limit=ESF_LIST_LIMIT)
        document = {
            **documents.esf_document(report),
            "period": period.number if period else None,
            "incomplete_records_truncated": len(report.incomplete_records) >= ESF_LIST_LIMIT,
        }
        return self.logged(request, programme, document)


DOUBLE_FUNDING_CHECKS = ("overlapping_enrolments", "cross_programme_attendances", "same_day_sessions",
                         "overcommitted_staff")


class DoubleFundingView(ReportView):
    """Points at records, so it is exact and only for who may see the programme's reports on screen."""

    kind = "double_funding"

    def programmes(self, user: User) -> QuerySet[Programme]:
        return report_programmes_for(user)

    @extend_schema(
        operation_id="programme_double_funding",
        summary="The records that may be funded twice: enrolments, sessions and staff time",
        description="Only coordinators of the programme, auditors and admins. Each list holds at most "
                    "500 rows; `counts` says how many were found.",
        responses={200: DoubleFundingDocumentSerializer, **error_responses(403, 404, 429)},
    )
    def get(self, request: Request, code: str) -> Response:
        programme = self.programme_or_404(request, code)
        document = documents.double_funding_document(double_funding_report(programme=programme))
        document["counts"] = {name: len(document[name]) for name in DOUBLE_FUNDING_CHECKS}
        document["truncated"] = [name for name in DOUBLE_FUNDING_CHECKS
                                 if len(document[name]) > DOUBLE_FUNDING_LIST_LIMIT]
        for name in document["truncated"]:
            document[name] = document[name][:DOUBLE_FUNDING_LIST_LIMIT]
        return self.logged(request, programme, document)
