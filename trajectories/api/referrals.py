"""API: referrals to specialisations (`/api/v1/referrals/`): the list and one referral, scoped by the
access policy; sending one; and every answer the pages offer, each a POST calling its service.

Who sees what: a partner specialist the referrals to their organisation while open or recently
closed, shown as their referral page shows them; coaches, coordinators, auditors and admins the
referrals of the trajectories they may see, with the ids that lead on; a referrer none. A referral
outside that answers 404, as if it did not exist.

Who does what, as on the pages: the trajectory's coach (or a coordinator of its programme) sends and
withdraws; the receiving organisation's partner specialist accepts, declines, starts, completes
(with the typed result of the kind), stops and follows up a granted credit. Anyone else who sees the
referral gets 403; a step the referral's status or the rules do not allow is a 400 with the rule's
code, and changes nothing. Every list page runs the same number of queries whatever its rows."""

from collections.abc import Callable

import django_filters
from django import forms
from django.db.models import BooleanField, Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from casemgmt.access import access_log_record
from casemgmt.api.schema import error_responses
from casemgmt.models import AccessLog
from trajectories.api.referral_serializers import (
    CompleteRequestSerializer,
    FollowUpRequestSerializer,
    PartnerReferralSerializer,
    ReasonStepRequestSerializer,
    ReferralCreateSerializer,
    ReferralSerializer,
    StepRequestSerializer,
)
from trajectories.models import Referral, ReferralEvent
from trajectories.policies import (
    Role,
    get_visible_or_404,
    referrals_visible_to,
    restrict,
    role_of,
    trajectories_visible_to,
)
from trajectories.selectors.referrals import HIDDEN_FROM_PARTNER
from trajectories.services import (
    referral_accept,
    referral_complete,
    referral_decline,
    referral_follow_up,
    referral_send,
    referral_start,
    referral_stop,
    referral_withdraw,
)
from trajectories.services.referrals import is_partner_of

# Who sends and withdraws referrals (the service checks which trajectories).
REFERRING_ROLES = {Role.COACH, Role.COORDINATOR}

STATUS_CHOICES = [("open", _("open (sent, accepted or in progress)")), *Referral.Status.choices]
# A referral's address takes anything up to the next slash for its id, so that a malformed id ("1.5")
# reaches the view and gets the API's 404 rather than the site's page (the router's default stops at dots).
ANY_ID = "[^/]+"


class IdFilter(django_filters.NumberFilter):
    """A record's id: a whole number the database can hold, else a 400 on the parameter."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=2**63 - 1, **kwargs)


def referrals_for_api(user, *, acted_on: int | None = None) -> QuerySet[Referral]:
    """The referrals `user` may see, with what their serializer shows joined in (the steps in one more
    query), and whether the user may withdraw each. `acted_on`: the one referral the user has just sent or
    answered, shown to them even when their own step took it out of their sight (a step dated long ago
    closes it for the partner); anyone else's referral stays out."""
    if acted_on is None:
        referrals = referrals_visible_to(user)
        steps = restrict(ReferralEvent.objects.all(), user)
    else:
        # From the policy still: the referral the user sees, or one they have just taken a step on.
        took_a_step = Exists(ReferralEvent.objects.filter(referral=OuterRef("pk"), by=user))
        seen = Q(pk__in=referrals_visible_to(user).values("pk"))
        referrals = Referral.objects.filter(seen | Q(took_a_step), pk=acted_on)
        steps = ReferralEvent.objects.filter(referral_id=acted_on)
    if role_of(user) in REFERRING_ROLES:
        changeable = trajectories_visible_to(user, for_change=True).filter(pk=OuterRef("trajectory_id"))
        may_withdraw = Exists(changeable)
    else:
        may_withdraw = Value(False, output_field=BooleanField())
    return (
        referrals
        .select_related("trajectory__participant", "trajectory__coach", "trajectory__programme",
                        "specialisation", "organisation", "result", "referred_by")
        .defer(*(f"trajectory__participant__{name}" for name in HIDDEN_FROM_PARTNER))
        .prefetch_related(Prefetch("events", queryset=steps.select_related("by").order_by("on", "pk")))
        .annotate(may_withdraw=may_withdraw)
    )


class ReferralFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="filter_status",
        help_text=_("One status, or open (sent, accepted or in progress)."),
    )
    organisation = django_filters.CharFilter(field_name="organisation__code",
                                             help_text=_("The code of the partner organisation."))
    specialisation = django_filters.CharFilter(field_name="specialisation__code",
                                               help_text=_("The code of the specialisation."))
    programme = django_filters.CharFilter(field_name="trajectory__programme__code", lookup_expr="iexact",
                                          help_text=_("The code of the programme."))
    trajectory = IdFilter(field_name="trajectory_id", help_text=_("A trajectory's id."))
    sent_from = django_filters.DateFilter(field_name="sent_on", lookup_expr="gte",
                                          help_text=_("Sent on or after this date (YYYY-MM-DD)."))
    sent_to = django_filters.DateFilter(field_name="sent_on", lookup_expr="lte",
                                        help_text=_("Sent on or before this date (YYYY-MM-DD)."))

    class Meta:
        model = Referral
        fields: list[str] = []

    def filter_status(self, queryset: QuerySet[Referral], name: str, value: str) -> QuerySet[Referral]:
        if value == "open":
            return queryset.filter(status__in=Referral.OPEN)
        return queryset.filter(status=value)


REFERRAL_RESPONSE = PolymorphicProxySerializer(
    component_name="ReferralForAudience",
    serializers={"full": ReferralSerializer, "partner": PartnerReferralSerializer},
    resource_type_field_name="audience",
)


def _step_schema(request, summary: str, *, who: str = "partner"):
    description = {
        "partner": "Only a partner specialist of the receiving organisation.",
        "coach": "Only the trajectory's coach or a coordinator of its programme.",
    }[who]
    return extend_schema(
        request=request, summary=summary, description=description,
        responses={200: REFERRAL_RESPONSE, **error_responses(400, 403, 404)},
    )


@extend_schema_view(
    list=extend_schema(summary="The referrals the user may see",
                       responses={200: REFERRAL_RESPONSE, **error_responses(400)}),
    retrieve=extend_schema(summary="One referral",
                           responses={200: REFERRAL_RESPONSE, **error_responses(404)}),
    create=extend_schema(
        summary="Refer a trajectory in guidance to a specialisation",
        description="Only the trajectory's coach or a coordinator of its programme; the participant must "
                    "have agreed to share their data with the organisation (a coordinator may send without, "
                    "with consent_override_reason).",
        request=ReferralCreateSerializer,
        responses={201: ReferralSerializer, **error_responses(400, 403)},
    ),
)
class ReferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_class = ReferralFilter
    ordering_fields = ["sent_on", "closed_on", "status", "id"]
    ordering = ["-sent_on", "-id"]
    lookup_value_regex = ANY_ID

    def get_queryset(self) -> QuerySet[Referral]:
        return referrals_for_api(self.request.user)

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if role_of(self.request.user) == Role.PARTNER:
            return PartnerReferralSerializer
        return ReferralSerializer

    def _shown(self, pk: int, *, http_status: int = status.HTTP_200_OK) -> Response:
        """The referral the user has just sent or answered, as they see it now."""
        referral = referrals_for_api(self.request.user, acted_on=pk).get()
        return Response(self.get_serializer(referral).data, status=http_status)

    def retrieve(self, request: Request, pk: str) -> Response:
        referral = get_visible_or_404(self.get_queryset(), pk=pk)
        access_log_record(request=request, action=AccessLog.Action.VIEW, obj=referral,
                          participant_id=referral.trajectory.participant_id)
        return Response(self.get_serializer(referral).data)

    def create(self, request: Request) -> Response:
        if role_of(request.user) not in REFERRING_ROLES:
            raise PermissionDenied(_("Only a trajectory's coach or a coordinator of its programme refers to "
                                     "a specialisation."))
        data = ReferralCreateSerializer(
            data=request.data, trajectories=trajectories_visible_to(request.user, for_change=True)
        )
        data.is_valid(raise_exception=True)
        referral = referral_send(by=request.user, **data.arguments())
        return self._shown(referral.pk, http_status=status.HTTP_201_CREATED)

    # The answers

    def _answer(self, request: Request, pk: str, *, who: str, request_class: type[serializers.Serializer],
                service: Callable[..., Referral]) -> Response:
        referral = get_visible_or_404(self.get_queryset(), pk=pk)
        if who == "partner" and not is_partner_of(request.user, referral.organisation_id):
            raise PermissionDenied(_("Only the staff of %(organisation)s answer this referral.")
                                   % {"organisation": referral.organisation})
        if who == "coach" and not referral.may_withdraw:
            raise PermissionDenied(_("Only the trajectory's coach or a coordinator of its programme "
                                     "withdraws a referral."))
        data = request_class(data=request.data)
        data.is_valid(raise_exception=True)
        service(referral=referral, by=request.user, **data.arguments())
        return self._shown(referral.pk)

    @_step_schema(StepRequestSerializer, "Accept the referral (sent → accepted)")
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        return self._answer(request, pk, who="partner", request_class=StepRequestSerializer,
                            service=referral_accept)

    @_step_schema(ReasonStepRequestSerializer, "Decline the referral, with the reason (sent → declined)")
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        return self._answer(request, pk, who="partner", request_class=ReasonStepRequestSerializer,
                            service=referral_decline)

    @_step_schema(StepRequestSerializer, "Start the work (accepted → in progress)")
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str) -> Response:
        return self._answer(request, pk, who="partner", request_class=StepRequestSerializer,
                            service=referral_start)

    @_step_schema(CompleteRequestSerializer, "Complete with feedback and the result of the specialisation's "
                                             "kind (in progress → completed)")
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        return self._answer(request, pk, who="partner", request_class=CompleteRequestSerializer,
                            service=referral_complete)

    @_step_schema(ReasonStepRequestSerializer,
                  "Stop the referral, with the reason (accepted or in progress → stopped)")
    @action(detail=True, methods=["post"])
    def stop(self, request: Request, pk: str) -> Response:
        return self._answer(request, pk, who="partner", request_class=ReasonStepRequestSerializer,
                            service=referral_stop)

    @_step_schema(ReasonStepRequestSerializer, "Withdraw an open referral, with the reason", who="coach")
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        return self._answer(request, pk, who="coach", request_class=ReasonStepRequestSerializer,
                            service=referral_withdraw)

    @_step_schema(FollowUpRequestSerializer, "Keep the repayment follow-up of a granted microcredit")
    @action(detail=True, methods=["post"], url_path="follow-up", url_name="follow-up")
    def follow_up(self, request: Request, pk: str) -> Response:
        return self._answer(request, pk, who="partner", request_class=FollowUpRequestSerializer,
                            service=referral_follow_up)


router = SimpleRouter()
router.register("referrals", ReferralViewSet, basename="api-referral")

urlpatterns = router.urls
