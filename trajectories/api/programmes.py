"""API: the programmes a user works in, with their reporting periods (`/api/v1/programmes/`).

A user works in the programmes in which their organisation has a role; auditors and admins in all.
Any other programme answers 404, as if it did not exist. Two queries for the rows of a page, however
many periods and roles they have."""

from django.db.models import Prefetch, QuerySet
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound

from casemgmt.models import Programme, ReportingPeriod, User
from partners.models import ProgrammeRole
from trajectories.policies import READ_ALL, role_of, staff_of


def programmes_worked_in(user: User) -> QuerySet[Programme]:
    """The programmes `user` works in: those their organisation has a role in (any role); all of them
    for auditors and admins; none for anyone without a place in an organisation."""
    if role_of(user) in READ_ALL:
        return Programme.objects.all()
    staff = staff_of(user)
    if staff is None:
        return Programme.objects.none()
    roles = ProgrammeRole.objects.filter(organisation_id=staff.organisation_id)
    return Programme.objects.filter(pk__in=roles.values("programme_id"))


class ReportingPeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportingPeriod
        fields = ["number", "starts_on", "ends_on"]


class ProgrammeSerializer(serializers.ModelSerializer):
    reporting_periods = ReportingPeriodSerializer(many=True, read_only=True)
    organisation_roles = serializers.SerializerMethodField(
        help_text=_("What the user's organisation does in this programme (empty for auditors and admins)."),
    )

    class Meta:
        model = Programme
        fields = ["code", "name", "starts_on", "ends_on", "reporting_periods", "organisation_roles"]

    def get_organisation_roles(self, programme: Programme) -> list[str]:
        return [role.role for role in getattr(programme, "own_roles", [])]


class ProgrammeViewSetMixin:
    serializer_class = ProgrammeSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Programme]:
        user = self.request.user
        staff = staff_of(user)
        own_roles = ProgrammeRole.objects.filter(
            organisation_id=staff.organisation_id if staff else None
        ).order_by("role")
        return (
            programmes_worked_in(user)
            .prefetch_related(
                Prefetch("reporting_periods", queryset=ReportingPeriod.objects.order_by("number")),
                Prefetch("organisation_roles", queryset=own_roles, to_attr="own_roles"),
            )
            .order_by("code")
        )


@extend_schema_view(get=extend_schema(
    operation_id="programmes_list", summary="The programmes the user works in, with their reporting periods",
))
class ProgrammeList(ProgrammeViewSetMixin, generics.ListAPIView):
    pass


@extend_schema_view(get=extend_schema(
    operation_id="programmes_retrieve", summary="One programme the user works in, by its code",
))
class ProgrammeDetail(ProgrammeViewSetMixin, generics.RetrieveAPIView):
    def get_object(self) -> Programme:
        programme = self.get_queryset().filter(code__iexact=self.kwargs["code"]).first()
        if programme is None:
            raise NotFound()
        return programme


urlpatterns = [
    path("programmes/", ProgrammeList.as_view(), name="api_programme_list"),
    path("programmes/<slug:code>/", ProgrammeDetail.as_view(), name="api_programme_detail"),
]
