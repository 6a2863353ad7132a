"""Writing the access log: every look at personal data, every download, every denied attempt."""

from django.db import models
from django.http import HttpRequest

from casemgmt.models import AccessLog


def _client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: a proxy in front sets it through the WSGI server, never from a spoofable header.
    return request.META.get("REMOTE_ADDR") or None


def access_log_record(
    *,
    request: HttpRequest,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    participant_id: int | None = None,
) -> AccessLog:
    user = request.user if getattr(request.user, "is_authenticated", False) else None
    staff = getattr(user, "staff", None) if user is not None else None
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or str(obj.pk)
    return AccessLog.objects.create(
        user=user,
        username=user.get_username() if user else "",
        organisation=str(staff.organisation) if staff else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        participant_id=participant_id,
        path=request.get_full_path()[:500],
        method=request.method or "",
        ip_address=_client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )
