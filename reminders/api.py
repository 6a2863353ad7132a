"""API: the signed-in user's own reminders (`/api/v1/reminders/`), open ones unless asked otherwise, and
dismissing one (`POST /api/v1/reminders/<id>/dismiss/`) through the same service as the page.

A reminder is only ever shown to, and dismissed by, its recipient: anyone else's answers 404, as if
it did not exist. Each reminder points at the one thing it is about (a trajectory, a referral, a group
session or a reporting period). A page of the list runs the same queries whatever its rows."""

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from casemgmt.api.schema import error_responses
from reminders.models import Reminder, Rule
from reminders.selectors import reminders_of
from reminders.services import reminder_dismiss
from trajectories.policies import get_visible_or_404

REFERRAL_RULES = {Rule.REFERRAL_UNANSWERED, Rule.REFERRAL_ESCALATED}
STATUS_CHOICES = [*Reminder.Status.choices, ("all", _("all"))]


@extend_schema_field({"type": "string", "enum": Reminder.Status.values}, component_name="ReminderStatus")
class ReminderStatusField(serializers.ChoiceField):
    """A reminder's status, as a component of its own: the schema's enums named after the field alone
    ("status") would collide with the referrals'."""


class ReminderSerializer(serializers.ModelSerializer):
    status = ReminderStatusField(choices=Reminder.Status.choices, read_only=True)
    programme = serializers.CharField(source="programme.code", read_only=True)
    trajectory = serializers.SerializerMethodField(
        help_text=_("The trajectory it is about (no contact, long in one phase, outflow follow-up)."))
    referral = serializers.SerializerMethodField(help_text=_("The referral it is about."))
    session = serializers.SerializerMethodField(help_text=_("The group session it is about."))
    period = serializers.SerializerMethodField(
        help_text=_("The number of the reporting period it is about, in the programme."))

    class Meta:
        model = Reminder
        fields = ["id", "rule", "programme", "due_on", "counted_from", "message", "status", "created_at",
                  "closed_at", "closed_reason", "trajectory", "referral", "session", "period"]

    def get_trajectory(self, reminder: Reminder) -> int | None:
        # A reminder about a referral leads to the referral; its recipient may be the partner, who
        # has no business with the trajectory.
        if reminder.rule in REFERRAL_RULES:
            return None
        return reminder.trajectory_id

    def get_referral(self, reminder: Reminder) -> int | None:
        return reminder.referral_id

    def get_session(self, reminder: Reminder) -> int | None:
        return reminder.session_id

    def get_period(self, reminder: Reminder) -> int | None:
        return reminder.period.number if reminder.period_id else None


class ReminderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="filter_status",
        help_text=_("open (the default), closed, dismissed or all."),
    )
    rule = django_filters.ChoiceFilter(choices=Rule.choices)
    programme = django_filters.CharFilter(field_name="programme__code", lookup_expr="iexact",
                                          help_text=_("The code of the programme."))

    class Meta:
        model = Reminder
        fields: list[str] = []

    def filter_status(self, queryset: QuerySet[Reminder], name: str, value: str) -> QuerySet[Reminder]:
        return queryset if value == "all" else queryset.filter(status=value)

    def filter_queryset(self, queryset: QuerySet[Reminder]) -> QuerySet[Reminder]:
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.open()
        return super().filter_queryset(queryset)


@extend_schema_view(
    list=extend_schema(summary="Your reminders (open ones unless you ask for another status)",
                       responses={200: ReminderSerializer, **error_responses(400)}),
)
class ReminderViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ReminderSerializer
    filterset_class = ReminderFilter
    ordering_fields = ["due_on", "created_at", "id"]
    ordering = ["-due_on", "-id"]
    # Anything up to the next slash, so that a malformed id ("1.5") reaches the view and gets the API's
    # 404 rather than the site's page (the router's default stops at dots).
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Reminder]:
        return reminders_of(self.request.user).select_related("programme", "period")

    @extend_schema(
        request=None, summary="Put one of your open reminders aside",
        description="The scans do not bring it back for the same cause.",
        responses={200: ReminderSerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str) -> Response:
        reminder = get_visible_or_404(self.get_queryset(), pk=pk)
        reminder_dismiss(reminder=reminder, by=request.user)
        reminder = get_visible_or_404(self.get_queryset(), pk=pk)
        return Response(self.get_serializer(reminder).data)


router = SimpleRouter()
router.register("reminders", ReminderViewSet, basename="api-reminder")

urlpatterns = router.urls
