"""API: sessions. `GET /sessions/` and `/sessions/{id}/` list what the access policy lets the user see, with
the coaching notes only for the people who coach, and the attendance only of the trajectories the user may
see. The people who run sessions (coaches, coordinators) log an individual contact (`POST
/sessions/individual/`), plan a group session (`POST /sessions/group/`) and record who came to one (`POST
/sessions/{id}/attendance/`), through the same services as the pages."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from casemgmt.access import access_log_record
from casemgmt.models import AccessLog, User
from trajectories.api.audiences import reads_notes, runs_sessions
from trajectories.api.filters import ANY_ID, SessionFilter
from trajectories.api.schema import RECORD_ID, refusals
from trajectories.api.serializers import (
    AttendanceRecordSerializer,
    GroupSessionSerializer,
    IndividualSessionSerializer,
    SessionSerializer,
)
from trajectories.models import Attendance, Session
from trajectories.policies import get_visible_or_404, restrict, sessions_visible_to, trajectories_visible_to
from trajectories.selectors import attendance_candidates, group_sessions_visible_to, programmes_run_by
from trajectories.services import session_log_individual, session_plan_group, session_record_attendance


def sessions_for_api(user: User) -> QuerySet[Session]:
    """The sessions `user` may see, newest first, each with `attending` (how many came) and the attendance
    of the trajectories `user` may see; a fixed number of queries whatever the number of rows."""
    attendances = (
        restrict(Attendance.objects.all(), user)
        .select_related("trajectory__participant")
        .order_by("trajectory__participant__last_name", "trajectory__participant__first_name", "pk")
    )
    return (
        sessions_visible_to(user)
        .select_related("programme", "coach")
        .annotate(attending=Count("attendances", filter=Q(attendances__attended=True)))
        .prefetch_related(Prefetch("attendances", queryset=attendances, to_attr="visible_attendances"))
        .order_by("-held_on", "-pk")
    )


def _sessions_runner_or_403(user: User) -> None:
    if not runs_sessions(user):
        raise PermissionDenied(_("Only coaches and coordinators run sessions."))


@extend_schema_view(
    list=extend_schema(summary="The sessions the user may see",
                       responses={200: SessionSerializer(many=True), **refusals(400)}),
    retrieve=extend_schema(summary="One session", parameters=[RECORD_ID],
                           responses={200: SessionSerializer, **refusals(404)}),
)
class SessionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Session.objects.none()  # the model, for the schema; get_queryset scopes it
    serializer_class = SessionSerializer
    filter_backends = [DjangoFilterBackend]
    lookup_value_regex = ANY_ID
    filterset_class = SessionFilter

    def get_queryset(self) -> QuerySet[Session]:
        return sessions_for_api(self.request.user)

    def get_serializer(self, *args, **kwargs) -> SessionSerializer:
        kwargs.setdefault("with_notes", reads_notes(self.request.user))
        return super().get_serializer(*args, **kwargs)

    def _detail(self, request: Request, pk, *, status_code: int = status.HTTP_200_OK) -> Response:
        session = get_visible_or_404(self.get_queryset(), pk=pk)
        if session.kind == Session.Kind.INDIVIDUAL:
            # A contact with one person: reading it is reading their record.
            for attendance in session.visible_attendances:
                access_log_record(request=request, action=AccessLog.Action.VIEW, obj=session,
                                  participant_id=attendance.trajectory.participant_id)
        return Response(self.get_serializer(session).data, status=status_code)

    def retrieve(self, request: Request, pk=None) -> Response:
        return self._detail(request, pk)

    @extend_schema(summary="Log an individual contact with a participant (coaches, coordinators)",
                   request=IndividualSessionSerializer,
                   responses={201: SessionSerializer, **refusals(400)})
    @action(detail=False, methods=["post"])
    def individual(self, request: Request) -> Response:
        _sessions_runner_or_403(request.user)
        body = IndividualSessionSerializer(
            data=request.data, trajectories=trajectories_visible_to(request.user, for_change=True),
        )
        body.is_valid(raise_exception=True)
        session = session_log_individual(by=request.user, **body.validated_data)
        return self._detail(request, session.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="Plan an info or theme session (coaches, coordinators)",
                   request=GroupSessionSerializer,
                   responses={201: SessionSerializer, **refusals(400)})
    @action(detail=False, methods=["post"])
    def group(self, request: Request) -> Response:
        _sessions_runner_or_403(request.user)
        body = GroupSessionSerializer(data=request.data, programmes=programmes_run_by(request.user))
        body.is_valid(raise_exception=True)
        session = session_plan_group(by=request.user, **body.validated_data)
        return self._detail(request, session.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record who came to a group session; coming moves a phase-1 participant into phase 2",
        parameters=[RECORD_ID],
        request=AttendanceRecordSerializer,
        responses={200: SessionSerializer, **refusals(400, 404)},
    )
    @action(detail=True, methods=["post"])
    def attendance(self, request: Request, pk=None) -> Response:
        if not runs_sessions(request.user):
            raise Http404  # as on the pages: group sessions are the coaches' and coordinators'
        session = get_visible_or_404(group_sessions_visible_to(request.user), pk=pk)
        candidates = {trajectory.pk: trajectory
                      for trajectory in attendance_candidates(session=session, user=request.user)}
        body = AttendanceRecordSerializer(data=request.data, candidates=candidates)
        body.is_valid(raise_exception=True)
        session_record_attendance(session=session, by=request.user, **body.validated_data)
        return self._detail(request, session.pk)


router = SimpleRouter()
router.register("sessions", SessionViewSet, basename="api-session")
urlpatterns = router.urls
