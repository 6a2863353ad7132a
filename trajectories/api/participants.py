"""API: participants. `GET /participants/` and `/participants/{id}/` start from the access policy and show
each audience its view of the person (trajectories.api.audiences); reading one in detail is logged, as on
the participant page. `POST /participants/` registers a person exactly as the registration page does: the
person, their trajectory from phase 1 and their consent, in one transaction, after the same duplicate
check. `PATCH /participants/{id}/` corrects the person's data, for the people who may change their file."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from casemgmt.access import access_log_record
from casemgmt.api.errors import error_response
from casemgmt.clock import today
from casemgmt.models import AccessLog, Phase, User
from casemgmt.postcodes import regions_of_postcodes
from trajectories.api.audiences import FULL, PARTNER, STATUS, participant_audience
from trajectories.api.filters import ANY_ID, ParticipantFilter, UnlessAskedFilterBackend
from trajectories.api.schema import RECORD_ID, participant_views, refusals
from trajectories.api.serializers import (
    PARTICIPANT_SERIALIZERS,
    ParticipantRegistrationSerializer,
    ParticipantUpdateSerializer,
)
from trajectories.forms.registration import CONSENT_VERSION
from trajectories.models import ConsentRecord, Participant
from trajectories.policies import (
    Role,
    get_visible_or_404,
    may_register,
    organisation_of,
    participants_visible_to,
    role_of,
    trajectories_visible_to,
)
from trajectories.selectors import (
    participant_likely_duplicates,
    participants_with_status_visible_to,
    programmes_open_for_registration_by,
)
from trajectories.selectors.referrals import HIDDEN_FROM_PARTNER
from trajectories.services import consent_record, participant_register, participant_update, trajectory_open

PERSON_FIELDS = (
    "first_name", "last_name", "birth_year", "birth_month", "birth_day", "gender", "nationality",
    "residence_status", "languages", "dutch_level", "education", "labour_market_status", "disability",
    "homeless", "postcode", "email", "phone", "business_idea", "national_number",
)


@dataclass(frozen=True, slots=True)
class ProgrammeCode:
    """A trajectory's programme, as its views show it: by code."""

    code: str


@dataclass(frozen=True, slots=True)
class VisibleTrajectory:
    """What the views of a person show of one of their trajectories (TrajectorySummarySerializer), read as
    plain values: a page's worth of Trajectory and Programme instances through a prefetch cost more than
    the query that reads them."""

    id: int
    programme: ProgrammeCode
    phase: int | None
    ended_on: datetime.date | None


def participants_for_api(user: User, audience: str) -> QuerySet[Participant]:
    """The people `user` may see, with what `audience` shows of them, by name; their provinces and
    trajectories come after, by `with_page_details`, for the page alone."""
    if audience == PARTNER:
        people = participants_visible_to(user).defer(*HIDDEN_FROM_PARTNER)
    elif audience == STATUS:
        people = participants_with_status_visible_to(user).only("first_name", "last_name")
    else:
        people = participants_visible_to(user)
    return people.order_by("last_name", "first_name", "pk")


def with_page_details(people: list[Participant], user: User, audience: str) -> list[Participant]:
    """`people` (a page, or one person) with what their view shows beyond their own row: for the full
    view the province their postcode lies in today (`province_code`, `province_name`), placed by
    casemgmt.postcodes.regions_of_postcodes in one query instead of three subqueries per person; for
    the full and the status view `visible_trajectories`: those of theirs `user` may see, open ones
    first, then the latest ended (a partner sees none). At most two queries whatever the number of
    people and trajectories; none for no one."""
    if audience == FULL:
        regions = regions_of_postcodes((person.postcode for person in people), today())
        for person in people:
            region = regions.get(person.postcode)
            person.province_code = region.code if region else None
            person.province_name = region.name if region else None
    if audience == PARTNER:
        return people
    found = {person.pk: [] for person in people}
    if found:
        rows = (
            trajectories_visible_to(user).with_phase().filter(participant_id__in=list(found))
            .order_by(F("ended_on").desc(nulls_first=True), "-pk")
            .values_list("participant_id", "id", "programme__code", "phase", "ended_on")
        )
        for person_id, pk, programme, phase, ended_on in rows:
            found[person_id].append(VisibleTrajectory(pk, ProgrammeCode(programme), phase, ended_on))
    for person in people:
        person.visible_trajectories = found[person.pk]
    return people


def _register(user: User, data: dict) -> Participant:
    """The person, their trajectory in phase 1 and their consent, saved together or not at all: a refusal
    of any of the three services undoes the others."""
    role = role_of(user)
    with transaction.atomic():
        participant = participant_register(
            by=user, **{name: data[name] for name in PERSON_FIELDS if name in data}
        )
        trajectory_open(
            participant=participant, programme=data["programme"], by=user, entered_on=data["entered_on"],
            phase=Phase.SENSITISATION, coach=user if role == Role.COACH else None,
            referred_by=organisation_of(user) if role == Role.REFERRER else None,
        )
        consent_record(participant=participant, by=user, purpose=ConsentRecord.Purpose.PROGRAMME,
                       given_on=data["entered_on"], version=CONSENT_VERSION)
    return participant


def _possible_duplicates(data: dict) -> Response | None:
    """The page's warning, as a refusal: counted, never shown, as the other record may lie outside the
    user's scope."""
    found = Counter(match.reason for match in participant_likely_duplicates(
        first_name=data["first_name"], last_name=data["last_name"], birth_year=data.get("birth_year"),
        birth_month=data.get("birth_month"), birth_day=data.get("birth_day"),
        national_number=data.get("national_number", ""),
    ))
    if not found:
        return None
    count = sum(found.values())
    message = ngettext(
        "This person may already be registered: %(count)d possible duplicate. Check, then send "
        "confirm_not_duplicate: true to register them anyway.",
        "This person may already be registered: %(count)d possible duplicates. Check, then send "
        "confirm_not_duplicate: true to register them anyway.",
        count,
    ) % {"count": count}
    return error_response(
        "possible_duplicate", message, status.HTTP_400_BAD_REQUEST, {"confirm_not_duplicate": [message]},
        duplicates={"identifier": found["identifier"], "name_and_birth_date": found["name_and_birth_date"]},
    )


@extend_schema_view(
    list=extend_schema(
        summary="The participants the user may see",
        description="Coaches, coordinators, auditors and admins get the file (identifier masked); partner "
                    "specialists what a referral to their organisation needs; referrers the status of the "
                    "people their organisation referred in.",
        responses={200: participant_views(many=True), **refusals(400)},
    ),
    retrieve=extend_schema(summary="One participant, as the user may see them (logged)",
                           parameters=[RECORD_ID], responses={200: participant_views(), **refusals(404)}),
    create=extend_schema(
        summary="Register a participant: the person, their trajectory from phase 1 and their consent",
        request=ParticipantRegistrationSerializer,
        responses={201: participant_views(), **refusals(400)},
    ),
    partial_update=extend_schema(
        summary="Correct a participant's data (their coach, or a coordinator of their programme)",
        parameters=[RECORD_ID],
        request=ParticipantUpdateSerializer,
        responses={200: OpenApiResponse(PARTICIPANT_SERIALIZERS[FULL]), **refusals(400, 404)},
    ),
)
class ParticipantViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Participant.objects.none()  # the model, for the schema; get_queryset scopes it
    filter_backends = [UnlessAskedFilterBackend]
    lookup_value_regex = ANY_ID
    filterset_class = ParticipantFilter

    @property
    def audience(self) -> str:
        return participant_audience(self.request.user)

    def get_queryset(self) -> QuerySet[Participant]:
        return participants_for_api(self.request.user, self.audience)

    def get_serializer_class(self):
        return PARTICIPANT_SERIALIZERS[self.audience]

    def paginate_queryset(self, queryset):
        """The page, its people with their provinces and trajectories: read once the page is known, for it
        alone."""
        page = super().paginate_queryset(queryset)
        return page if page is None else with_page_details(page, self.request.user, self.audience)

    def _detail(self, request: Request, pk, *, status_code: int = status.HTTP_200_OK) -> Response:
        participant = get_visible_or_404(self.get_queryset(), pk=pk)
        with_page_details([participant], request.user, self.audience)
        access_log_record(request=request, action=AccessLog.Action.VIEW, obj=participant,
                          participant_id=participant.pk)
        return Response(self.get_serializer(participant).data, status=status_code)

    def retrieve(self, request: Request, pk=None) -> Response:
        return self._detail(request, pk)

    def create(self, request: Request) -> Response:
        user = request.user
        if not may_register(user):
            raise PermissionDenied(_("Only coaches, coordinators and referrers register participants."))
        body = ParticipantRegistrationSerializer(data=request.data,
                                                 programmes=programmes_open_for_registration_by(user))
        body.is_valid(raise_exception=True)
        data = body.validated_data
        refusal = None if data["confirm_not_duplicate"] else _possible_duplicates(data)
        if refusal is not None:
            return refusal
        participant = _register(user, data)
        return self._detail(request, participant.pk, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk=None) -> Response:
        participant = get_visible_or_404(participants_visible_to(request.user, for_change=True), pk=pk)
        body = ParticipantUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        participant_update(participant=participant, by=request.user, **body.validated_data)
        return self._detail(request, participant.pk)


router = SimpleRouter()
router.register("participants", ParticipantViewSet, basename="api-participant")
urlpatterns = router.urls
