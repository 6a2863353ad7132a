"""How the API's one error shape (casemgmt.api.errors) and its token are described in the OpenAPI schema."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ExpiringTokenScheme(KnoxTokenScheme):
    """The token's security scheme in the schema, as for knox's own class."""

    target_class = "casemgmt.api.authentication.ExpiringTokenAuthentication"


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Stable, for programs: e.g. not_found, invalid, throttled, "
                                             "or the code of the domain rule that refused the change."))
    message = serializers.CharField(help_text=_("Readable, in the language of the request."))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("Per field of the request: what is wrong with it."),
    )
    retry_after_seconds = serializers.IntegerField(
        required=False, help_text=_("When throttled: how long to wait before the next request."),
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


_DESCRIPTIONS = {
    400: _("The request is not valid, or a domain rule refused it; nothing was changed."),
    401: _("Not signed in, or the token is wrong or expired."),
    403: _("Not allowed, or the second factor is missing."),
    404: _("Does not exist, or is outside what the user may see."),
    429: _("Too many requests: wait `retry_after_seconds`."),
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The schema's responses for these error statuses, all in the one error shape."""
    return {status: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[status])
            for status in statuses}
