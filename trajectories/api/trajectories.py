"""API: trajectories. `GET /trajectories/` and `/trajectories/{id}/` list what the access policy lets the user
see (a referrer the status alone); reading one in detail is logged. The actions of the participant page are
POSTs of their own that call the same services: `advance`, `screening`, `outcome`, `end` and (coordinators
only) `assign-coach`. As on the page, an action on a trajectory the user may not change answers 404, and a
refused rule answers 400 with its code and changes nothing."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from casemgmt.access import access_log_record
from casemgmt.models import AccessLog, User
from trajectories.api.audiences import STATUS, trajectory_audience
from trajectories.api.filters import ANY_ID, TrajectoryFilter
from trajectories.api.schema import RECORD_ID, refusals, trajectory_views
from trajectories.api.serializers import (
    TRAJECTORY_SERIALIZERS,
    AdvanceSerializer,
    AssignCoachSerializer,
    EndSerializer,
    OutcomeSerializer,
    ScreeningRecordSerializer,
    ScreeningSerializer,
    TrajectorySerializer,
)
from trajectories.models import PhaseEntry, Trajectory
from trajectories.policies import Role, get_visible_or_404, restrict, role_of, trajectories_visible_to
from trajectories.selectors import coaches_by_programme
from trajectories.services import (
    screening_record,
    trajectory_advance,
    trajectory_assign_coach,
    trajectory_end,
    trajectory_record_outcome,
)


def trajectories_for_api(user: User, audience: str) -> QuerySet[Trajectory]:
    """The trajectories `user` may see, with their highest phase and dated phases, by participant's name; a
    fixed number of queries whatever the number of rows."""
    phases = restrict(PhaseEntry.objects.order_by("phase"), user)
    rows = trajectories_visible_to(user).with_phase()
    rows = rows.prefetch_related(Prefetch("phase_entries", queryset=phases))
    if audience == STATUS:
        rows = rows.select_related("participant", "programme").only(
            "participant__first_name", "participant__last_name", "programme__code",
        )
    else:
        changeable = restrict(Trajectory.objects.filter(pk=OuterRef("pk")), user, for_change=True)
        rows = rows.annotate(may_change=Exists(changeable)).select_related(
            "participant", "programme", "coach", "referred_by",
        )
    return rows.order_by("participant__last_name", "participant__first_name", "pk")


def _action_schema(summary: str, body: type[serializers.Serializer], answer=TrajectorySerializer,
                   answer_status: int = status.HTTP_200_OK):
    return extend_schema(summary=summary, request=body, parameters=[RECORD_ID],
                         responses={answer_status: answer, **refusals(400, 404)})


@extend_schema_view(
    list=extend_schema(
        summary="The trajectories the user may see",
        description="Coaches, coordinators, auditors and admins see the whole trajectory; referrers the "
                    "status (programme and phases) of the people their organisation referred in.",
        responses={200: trajectory_views(many=True), **refusals(400)},
    ),
    retrieve=extend_schema(summary="One trajectory, as the user may see it (logged)", parameters=[RECORD_ID],
                           responses={200: trajectory_views(), **refusals(404)}),
)
class TrajectoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Trajectory.objects.none()  # the model, for the schema; get_queryset scopes it
    filter_backends = [DjangoFilterBackend]
    lookup_value_regex = ANY_ID
    filterset_class = TrajectoryFilter

    @property
    def audience(self) -> str:
        return trajectory_audience(self.request.user)

    def get_queryset(self) -> QuerySet[Trajectory]:
        return trajectories_for_api(self.request.user, self.audience)

    def get_serializer_class(self):
        return TRAJECTORY_SERIALIZERS[self.audience]

    def _detail(self, request: Request, pk) -> Response:
        trajectory = get_visible_or_404(self.get_queryset(), pk=pk)
        access_log_record(request=request, action=AccessLog.Action.VIEW, obj=trajectory,
                          participant_id=trajectory.participant_id)
        return Response(self.get_serializer(trajectory).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        return self._detail(request, pk)

    # The actions

    def _changeable(self, pk) -> Trajectory:
        changeable = trajectories_visible_to(self.request.user, for_change=True).with_phase()
        return get_visible_or_404(changeable.select_related("participant", "programme"), pk=pk)

    @staticmethod
    def _valid(body: serializers.Serializer) -> dict:
        body.is_valid(raise_exception=True)
        return body.validated_data

    @_action_schema("Move the trajectory forward to a phase", AdvanceSerializer)
    @action(detail=True, methods=["post"])
    def advance(self, request: Request, pk=None) -> Response:
        trajectory = self._changeable(pk)
        data = self._valid(AdvanceSerializer(data=request.data))
        trajectory_advance(trajectory=trajectory, by=request.user, **data)
        return self._detail(request, trajectory.pk)

    @_action_schema("Record the phase-3 screening", ScreeningRecordSerializer, ScreeningSerializer,
                    status.HTTP_201_CREATED)
    @action(detail=True, methods=["post"])
    def screening(self, request: Request, pk=None) -> Response:
        trajectory = self._changeable(pk)
        data = self._valid(ScreeningRecordSerializer(data=request.data))
        screening = screening_record(trajectory=trajectory, by=request.user, **data)
        access_log_record(request=request, action=AccessLog.Action.VIEW, obj=screening,
                          participant_id=trajectory.participant_id)
        return Response(ScreeningSerializer(screening).data, status=status.HTTP_201_CREATED)

    @_action_schema("Record the outcome (also after the trajectory ended)", OutcomeSerializer)
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, pk=None) -> Response:
        trajectory = self._changeable(pk)
        data = self._valid(OutcomeSerializer(data=request.data))
        trajectory_record_outcome(trajectory=trajectory, by=request.user, **data)
        return self._detail(request, trajectory.pk)

    @_action_schema("End the trajectory", EndSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk=None) -> Response:
        trajectory = self._changeable(pk)
        data = self._valid(EndSerializer(data=request.data))
        trajectory_end(trajectory=trajectory, by=request.user, **data)
        return self._detail(request, trajectory.pk)

    @_action_schema("Give the trajectory to another coach (coordinators only)", AssignCoachSerializer)
    @action(detail=True, methods=["post"], url_path="assign-coach")
    def assign_coach(self, request: Request, pk=None) -> Response:
        if role_of(request.user) != Role.COORDINATOR:
            raise Http404  # as on the page: to anyone else this action does not exist
        trajectory = self._changeable(pk)
        coaches = coaches_by_programme([trajectory.programme_id]).get(trajectory.programme_id, [])
        data = self._valid(AssignCoachSerializer(data=request.data,
                                                 coaches={coach.pk: coach for coach in coaches}))
        trajectory_assign_coach(trajectory=trajectory, by=request.user, **data)
        return self._detail(request, trajectory.pk)


router = SimpleRouter()
router.register("trajectories", TrajectoryViewSet, basename="api-trajectory")
urlpatterns = router.urls
