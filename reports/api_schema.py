"""The shapes of the report documents the API returns (reports.documents, FunnelReport.as_json), and of
their query strings, for the OpenAPI schema. Money and rates are strings, so no figure loses a cent in a
float; a count hidden by small-number suppression is null."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


def _money(help_text=None, *, allow_null: bool = False) -> serializers.CharField:
    return serializers.CharField(allow_null=allow_null,
                                 help_text=help_text or _("A decimal as a string, e.g. \"1499998.00\"."))


def _count(help_text=None) -> serializers.IntegerField:
    return serializers.IntegerField(allow_null=True, help_text=help_text or _("Null when suppressed."))


class FunnelCellSerializer(serializers.Serializer):
    count = _count()
    target = serializers.IntegerField(allow_null=True)
    percent_of_target = serializers.FloatField(allow_null=True)
    conversion = serializers.FloatField(allow_null=True)
    suppressed = serializers.BooleanField(required=False)
    target_sum = serializers.IntegerField(required=False, allow_null=True,
                                          help_text=_("Total row: the regional targets added up."))


class FunnelRowSerializer(serializers.Serializer):
    province = serializers.CharField()
    nis_code = serializers.CharField(allow_null=True)
    code = serializers.CharField(allow_null=True)
    kind = serializers.CharField()
    phases = serializers.DictField(child=FunnelCellSerializer(), help_text=_("By phase: \"1\" to \"4\"."))


class FunnelTotalSerializer(serializers.Serializer):
    phases = serializers.DictField(child=FunnelCellSerializer())


class FunnelDocumentSerializer(serializers.Serializer):
    programme = serializers.CharField()
    as_of = serializers.DateField()
    period = serializers.IntegerField(required=False)
    since = serializers.DateField(required=False)
    rows = FunnelRowSerializer(many=True)
    total = FunnelTotalSerializer()
    warnings = serializers.ListField(child=serializers.CharField())
    suppressed_below = serializers.IntegerField(allow_null=True)


class OutflowLineSerializer(serializers.Serializer):
    period = serializers.CharField(help_text=_("The reporting period's number, or \"programme\"."))
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    budget = _money()
    finished = _count(_("Finished guidance in the period; null when suppressed."))
    started = _count(_("Of whom started as self-employed in time; null when suppressed."))
    protected = _count()
    window_open = _count()
    rate = _money(_("Outflow rate in %; null when no one finished, or when suppressed."), allow_null=True)
    factor = _money(_("The share of the output part earned; null when suppressed."), allow_null=True)
    input_part = _money()
    output_part = _money(_("Null when suppressed."), allow_null=True)
    output_max = _money()
    amount = _money(_("Null when suppressed."), allow_null=True)
    suppressed = serializers.ListField(
        child=serializers.CharField(), required=False,
        help_text=_("The figures of this line hidden by small-number suppression."),
    )


class FinancingDocumentSerializer(serializers.Serializer):
    programme = serializers.CharField()
    as_of = serializers.DateField()
    target_rate = _money()
    formula = serializers.CharField()
    window_months = serializers.IntegerField()
    periods = OutflowLineSerializer(many=True)
    programme_total = OutflowLineSerializer()
    suppressed_below = serializers.IntegerField(allow_null=True)


class PartnerShareSerializer(serializers.Serializer):
    organisation = serializers.CharField()
    name = serializers.CharField()
    fte_by_year = serializers.DictField(child=_money())
    fte = _money()
    share = _money()
    stated_share = _money(_("As the source states it; null where it states none."), allow_null=True)
    amount = _money()
    amount_by_stated_share = _money(allow_null=True)


class PeriodPaymentsSerializer(serializers.Serializer):
    period = serializers.IntegerField(allow_null=True)
    advance = _money()
    settlement = _money()
    received_to_date = _money()


class PaymentsSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    periods = PeriodPaymentsSerializer(many=True)
    received = _money()
    outstanding = _money()


class MoneyDocumentSerializer(serializers.Serializer):
    programme = serializers.CharField()
    total_eligible_cost = _money()
    fte_total = _money()
    fte_total_by_year = serializers.DictField(child=_money())
    stated_fte_total = _money(allow_null=True)
    stated_share_total = _money()
    partners = PartnerShareSerializer(many=True)
    amount_total = _money()
    amount_by_stated_share_total = _money()
    warnings = serializers.ListField(child=serializers.CharField())
    payments = PaymentsSerializer()


class EsfLineSerializer(serializers.Serializer):
    count = _count()
    suppressed = serializers.BooleanField(required=False)


class IncompleteRecordSerializer(serializers.Serializer):
    participant_id = serializers.IntegerField()
    entered_on = serializers.DateField()
    missing = serializers.ListField(child=serializers.CharField())


class EsfDocumentSerializer(serializers.Serializer):
    programme = serializers.CharField()
    period = serializers.IntegerField(allow_null=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    entered = _count()
    complete = _count()
    incomplete = _count()
    breakdowns = serializers.DictField(child=serializers.DictField(child=EsfLineSerializer()))
    left = _count()
    results = serializers.DictField(child=EsfLineSerializer())
    suppressed_below = serializers.IntegerField(allow_null=True)
    incomplete_records = IncompleteRecordSerializer(
        many=True, help_text=_("Coordinators only (empty when suppressed): the records to complete."))
    incomplete_records_truncated = serializers.BooleanField(
        help_text=_("More incomplete records than the list holds: complete these first."))


class DoubleFundingDocumentSerializer(serializers.Serializer):
    programme = serializers.CharField()
    overlapping_enrolments = serializers.ListField(child=serializers.DictField())
    cross_programme_attendances = serializers.ListField(child=serializers.DictField())
    same_day_sessions = serializers.ListField(child=serializers.DictField())
    overcommitted_staff = serializers.ListField(child=serializers.DictField())
    counts = serializers.DictField(child=serializers.IntegerField(), help_text=_("Rows found per check."))
    truncated = serializers.ListField(
        child=serializers.CharField(), help_text=_("The checks whose list holds only the first rows."))
