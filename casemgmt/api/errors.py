"""Every API error has one shape: {"error": {"code": <stable>, "message": <readable>, "fields": {...}}}.

Domain refusals (RuleViolation) keep their own code; validation errors say per field what is wrong.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from casemgmt.errors import RuleViolation

_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ParseError: "parse_error",
    exceptions.ValidationError: "invalid",
}


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(key): [str(item) for item in (value if isinstance(value, list) else [value])]
                for key, value in detail.items()}
    return {}


def _message(detail) -> str:
    if isinstance(detail, list):
        return " ".join(str(item) for item in detail)
    if isinstance(detail, dict):
        parts = []
        for key, value in detail.items():
            items = value if isinstance(value, list) else [value]
            text = " ".join(str(item) for item in items)
            parts.append(text if key == "non_field_errors" else f"{key}: {text}")
        return " ".join(parts)
    return str(detail)


def error_response(code: str, message: str, http_status: int, fields: dict | None = None,
                   **extra) -> Response:
    body = {"code": code, "message": message, "fields": fields or {}, **extra}
    return Response({"error": body}, status=http_status)


def api_exception_handler(exc, context):
    """DRF's handler with one body shape; a RuleViolation is a 400 with the rule's code."""
    if isinstance(exc, RuleViolation):
        field = (getattr(exc, "params", None) or {}).get("field")
        message = " ".join(exc.messages)
        return error_response(exc.code or "rule_violation", message, status.HTTP_400_BAD_REQUEST,
                              {field: exc.messages} if field else {})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    code = next((code for kind, code in _CODES.items() if isinstance(exc, kind)), "error")
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(detail)
        message = _("The request is not valid: %(details)s") % {"details": _message(detail)}
    else:
        fields, message = {}, _message(detail)
    extra = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        extra["retry_after_seconds"] = int(exc.wait)
    response.data = {"error": {"code": code, "message": message, "fields": fields, **extra}}
    return response


def not_found(request, path: str = ""):
    """Any address under /api/ that names no endpoint: a 404 in the API's shape, whatever the method
    (Django's own 404 would be an HTML page)."""
    return JsonResponse({"error": {
        "code": "not_found",
        "message": _("There is no API endpoint at %(path)s. Addresses end with a slash; the endpoints are "
                     "listed at /api/docs/.")
        % {"path": request.path},
        "fields": {}}}, status=404)
