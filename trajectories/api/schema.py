"""What the OpenAPI schema says of the trajectories API's answers: its refusals (in the API's one error
shape) and the views of a record that differ by audience, told apart by their `audience`."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer

from casemgmt.api.schema import error_responses
from trajectories.api.serializers import PARTICIPANT_SERIALIZERS, TRAJECTORY_SERIALIZERS

# The id in a record's address: a whole number (the route takes anything up to the next slash, so that a
# malformed id gets the API's 404 from the view).
RECORD_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The record's id."))


def refusals(*statuses: int) -> dict[int, OpenApiResponse]:
    """The refusals of an operation: those given, and every operation's 401 and 403."""
    return error_responses(*statuses, 401, 403)


def participant_views(*, many: bool = False) -> PolymorphicProxySerializer:
    return PolymorphicProxySerializer(
        component_name="ParticipantAnyAudience", serializers=PARTICIPANT_SERIALIZERS,
        resource_type_field_name="audience", many=many,
    )


def trajectory_views(*, many: bool = False) -> PolymorphicProxySerializer:
    return PolymorphicProxySerializer(
        component_name="TrajectoryAnyAudience", serializers=TRAJECTORY_SERIALIZERS,
        resource_type_field_name="audience", many=many,
    )
