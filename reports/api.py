"""The reports API: `GET /api/v1/programmes/<code>/reports/funnel/?as_of=YYYY-MM-DD` (or `?period=N`).

Returns the same JSON as `manage.py report funnel`. A coordinator of the programme gets exact counts;
anyone else who may read it (auditors, admins, staff of its partner organisations) gets suppressed
counts. A programme outside the user's reach answers 404, as if it did not exist. Every call is logged."""

import datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casemgmt.access import access_log_record
from casemgmt.clock import today
from casemgmt.models import AccessLog, ReportingPeriod
from reports.funnel import funnel_report
from reports.policies import Channel, api_report_programmes_for, sees_exact_counts


class FunnelQuery(serializers.Serializer):
    as_of = serializers.DateField(
        required=False, input_formats=["iso-8601"],
        error_messages={"invalid": _("Give the date as YYYY-MM-DD, e.g. 2017-10-31.")},
    )
    period = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs):
        if "as_of" in attrs and "period" in attrs:
            raise serializers.ValidationError(_("Give either as_of or period, not both."))
        return attrs


class FunnelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="programme_funnel",
        summary="Participants who reached each phase, per province, against the targets in force",
        parameters=[
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="Report date (default: today)."),
            OpenApiParameter("period", OpenApiTypes.INT, description="Reporting period number instead."),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, code: str) -> Response:
        programme = api_report_programmes_for(request.user).filter(code__iexact=code).first()
        if programme is None:
            access_log_record(request=request, action=AccessLog.Action.DENIED,
                              object_type="reports.funnel", object_id=code[:64])
            raise NotFound()
        query = FunnelQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = None
        if "period" in query.validated_data:
            period = ReportingPeriod.objects.filter(
                programme=programme, number=query.validated_data["period"]
            ).first()
            if period is None:
                raise ValidationError({"period": [_("%(programme)s has no reporting period %(number)d.") % {
                    "programme": programme.code, "number": query.validated_data["period"]}]})
        as_of: datetime.date | None = None if period else query.validated_data.get("as_of", today())
        exact = sees_exact_counts(request.user, Channel.API)
        report = funnel_report(
            programme=programme, as_of=as_of, period=period,
            suppress_below=None if exact else settings.REPORT_SUPPRESSION_THRESHOLD,
        )
        access_log_record(request=request, action=AccessLog.Action.REPORT, obj=programme,
                          object_type="reports.funnel")
        return Response(report.as_json())
