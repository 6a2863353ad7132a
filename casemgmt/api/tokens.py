"""Tokens for other systems: `POST /api/v1/auth/token/` with username and password (and, for the roles
that need a second factor, the current code of their authenticator) gives a token, sent afterwards as
`Authorization: Token <token>`. `DELETE` on the same address revokes the token it is called with.

Tokens are stored hashed and expire (django-rest-knox); wrong passwords count towards the lockout of
the sign-in page (django-axes), as they go through the same authentication backends."""

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import match_token
from drf_spectacular.utils import extend_schema, inline_serializer
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from casemgmt.api.authentication import ExpiringTokenAuthentication
from casemgmt.api.errors import error_response
from casemgmt.twofactor import two_factor_required


class TokenRequest(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    otp_token = serializers.RegexField(
        r"^\d{6,8}$", required=False, allow_blank=True,
        help_text=_("The current code of the authenticator app: required for coordinators, auditors "
                    "and admins."),
        error_messages={"invalid": _("The code has 6 to 8 digits, as the authenticator app shows it.")},
    )


class TokenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        operation_id="auth_token_create", request=TokenRequest,
        responses={
            201: inline_serializer("Token", {"token": serializers.CharField(),
                                             "expiry": serializers.DateTimeField()}),
        },
        summary="Get a token with username and password (and the second factor where the role needs it)",
    )
    def post(self, request: Request) -> Response:
        data = TokenRequest(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request._request, username=data.validated_data["username"],
                            password=data.validated_data["password"])
        if getattr(request._request, "axes_locked_out", False):
            # Answered here, in the API's shape: left set, django-axes' middleware would replace this
            # answer with its own plain-text page.
            request._request.axes_locked_out = False
            return error_response(
                "locked_out",
                str(_("Too many wrong passwords: this account is locked from this address for a while. "
                      "Try again later.")),
                status.HTTP_429_TOO_MANY_REQUESTS,
                retry_after_seconds=int(settings.AXES_COOLOFF_TIME.total_seconds()),
            )
        if user is None or not user.is_active:
            return error_response(
                "invalid_credentials",
                str(_("Wrong username or password (or this account is locked for a while).")),
                status.HTTP_401_UNAUTHORIZED,
            )
        if two_factor_required(user):
            code = data.validated_data.get("otp_token") or ""
            if not code or match_token(user, code) is None:
                return error_response(
                    "second_factor_required",
                    str(_("This account needs a second factor: send otp_token, the current code of its "
                          "authenticator app.")),
                    status.HTTP_401_UNAUTHORIZED, {"otp_token": [str(_("Missing or wrong code."))]},
                )
        AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
        instance, token = AuthToken.objects.create(user=user, expiry=settings.API_TOKEN_TTL)
        return Response({"token": token, "expiry": instance.expiry}, status=status.HTTP_201_CREATED)

    @extend_schema(operation_id="auth_token_destroy", request=None, responses={204: None},
                   summary="Revoke the token this request is made with")
    def delete(self, request: Request) -> Response:
        found = ExpiringTokenAuthentication().authenticate(request)
        if found is None:
            return error_response("not_authenticated", str(_("Send the token to revoke in the "
                                                             "Authorization header.")),
                                  status.HTTP_401_UNAUTHORIZED)
        _user, auth_token = found
        auth_token.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
