"""Two-factor sign-in: who needs it, the middleware that holds them at its page, and that page.

The second factor is a TOTP authenticator app (django-otp). A user who needs it and has no
confirmed device enrols on the same page: scan the QR code (or type the key), enter a code.
Like `urls`, this module is project wiring and reads the staff role from `partners`.
"""

import base64
import math
from collections.abc import Callable

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_otp import devices_for_user, user_has_device, verify_token
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from casemgmt.models import User
from partners.models import StaffMember, staff_membership

# Superusers need a second factor too; see two_factor_required.
TWO_FACTOR_ROLES = frozenset({StaffMember.Role.AUDITOR, StaffMember.Role.COORDINATOR})
ENROLMENT_DEVICE_NAME = "authenticator app"


def two_factor_required(user: User) -> bool:
    """Superusers, auditors and coordinators see or change the most, so a password is not enough."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    staff = staff_membership(user)
    return staff is not None and staff.role in TWO_FACTOR_ROLES


class RequireTwoFactorMiddleware:
    """Sends a signed-in user who needs a second factor and has not given one to the two-factor page.

    Needs django-otp's OTPMiddleware before it (for `user.is_verified()`).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not _open_without_second_factor(request.path)
            and not user.is_verified()
            and two_factor_required(user)
        ):
            if request.path.startswith("/api/"):
                # A program cannot follow a redirect to a form: say what is missing, in the API's shape.
                return JsonResponse({"error": {
                    "code": "second_factor_required",
                    "message": _("This account needs a second factor: pass it on the two-factor page, "
                                 "or use a token obtained with otp_token."),
                    "fields": {},
                }}, status=403)
            return redirect_to_login(request.get_full_path(), reverse("two_factor"))
        return self.get_response(request)


def _open_without_second_factor(path: str) -> bool:
    # The way out (sign out), the way through (the two-factor page) and what those pages load; and
    # the health probe, which shows nobody's data.
    if path.startswith(settings.STATIC_URL):
        return True
    return path in {reverse("two_factor"), reverse("logout"), reverse("admin:logout"),
                    reverse("set_language"), reverse("health")}


class CodeForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        help_text=gettext_lazy("The 6 digits the app shows now."),
        max_length=16,
        widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True,
        }),
    )

    def clean_token(self) -> str:
        # Spaces and dashes as apps group the digits; letters for backup codes (django-otp static).
        token = "".join(self.cleaned_data["token"].replace("-", " ").split())
        if not token.isascii() or not token.isalnum():
            raise forms.ValidationError(
                _("Enter the code as the app shows it: digits only, for example 123456.")
            )
        return token


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enter a code from the authenticator app; without a confirmed app, enrol one first."""
    next_url = _next_url(request)
    if request.user.is_verified():
        return redirect(next_url)
    if user_has_device(request.user):
        return _verify(request, next_url)
    return _enrol(request, next_url)


def _verify(request: HttpRequest, next_url: str) -> HttpResponse:
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        devices = list(devices_for_user(request.user))
        wait = _wait_seconds(devices)
        device = None if wait else _device_accepting(request.user, devices, form.cleaned_data["token"])
        if device is not None:
            _second_factor_passed(request, device)
            return redirect(next_url)
        form.add_error("token", _too_many_wrong_codes(wait) if wait else _(
            "That code is not right. Enter the code your authenticator app shows now."
        ))
    return render(request, "twofactor/verify.html", _context(form, next_url))


def _enrol(request: HttpRequest, next_url: str) -> HttpResponse:
    device = totp_device_for_enrolment(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = _wait_seconds([device])
        confirmed = None if wait else totp_device_confirm(device=device, token=form.cleaned_data["token"])
        if confirmed is not None:
            _second_factor_passed(request, confirmed)
            return redirect(next_url)
        form.add_error("token", _too_many_wrong_codes(wait) if wait else _(
            "That code does not match the key. Check that the app shows the account you just "
            "added and that the clock of your phone is right, then enter the code it shows now."
        ))
    return render(request, "twofactor/enrol.html", _context(
        form, next_url, qr_code=_qr_code_data_uri(device.config_url), key=_key_for_typing(device),
    ))


def totp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator, made once: reloading the page keeps the key scanned."""
    with transaction.atomic():
        device = (TOTPDevice.objects.select_for_update()
                  .filter(user=user, confirmed=False).order_by("pk").first())
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=ENROLMENT_DEVICE_NAME, confirmed=False)
    return device


def totp_device_confirm(*, device: TOTPDevice, token: str) -> TOTPDevice | None:
    """Confirm the authenticator when the code matches its key; None (and nothing confirmed) if not."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token(token):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return device


def _device_accepting(user: User, devices: list[Device], token: str) -> Device | None:
    for device in devices:
        accepted = verify_token(user, device.persistent_id, token)
        if accepted is not None:
            return accepted
    return None


def _wait_seconds(devices: list[Device]) -> int:
    """How long wrong codes make the user wait before the next try (0: they may try now).

    django-otp doubles the wait after each wrong code in a row (1 s, 2 s, 4 s, ...), so guessing
    the 6 digits takes longer than any code lives.
    """
    waits = []
    for device in devices:
        allowed, details = device.verify_is_allowed()
        if allowed:
            return 0
        if details and details.get("locked_until"):
            waits.append(math.ceil((details["locked_until"] - timezone.now()).total_seconds()))
    return max(1, min(waits)) if waits else 0


def _too_many_wrong_codes(seconds: int) -> str:
    return ngettext(
        "Too many wrong codes in a row. Wait %(seconds)d second, then enter the code your app shows then.",
        "Too many wrong codes in a row. Wait %(seconds)d seconds, then enter the code your app shows then.",
        seconds,
    ) % {"seconds": seconds}


def _second_factor_passed(request: HttpRequest, device: Device) -> None:
    # A new session key for the stronger sign-in, so a key seen before it is worth nothing after.
    request.session.cycle_key()
    otp_login(request, device)


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("admin:index")


def _qr_code_data_uri(data: str) -> str:
    # Inline as a data: URI (the content security policy allows data: images and nothing remote),
    # so the key never travels in a URL of its own; on white, so it scans in dark mode too.
    svg = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathFillImage).to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _key_for_typing(device: TOTPDevice) -> str:
    key = base64.b32encode(device.bin_key).decode("ascii")
    return " ".join(key[start:start + 4] for start in range(0, len(key), 4))


def _context(form: CodeForm, next_url: str, **extra) -> dict:
    return {
        "form": form, "next": next_url, "title": _("Two-step sign-in"),
        "site_header": admin.site.site_header, "site_title": admin.site.site_title, **extra,
    }
