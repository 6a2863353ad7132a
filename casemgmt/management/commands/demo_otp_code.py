"""Print the current two-factor code of a demo user, so the demo of `make run` keeps 2FA on."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from casemgmt.models import User


class Command(BaseCommand):
    help = (
        "Print the current 6-digit code of USERNAME's authenticator (TOTP device). "
        "Development only: refuses unless DEBUG is on."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The user whose code to print, e.g. coordinator.stebo.")

    def handle(self, *args, username: str, **options):
        # Anyone who can run it would pass anyone's second factor: never with production settings.
        if not settings.DEBUG:
            raise CommandError(
                "demo_otp_code only runs with DEBUG on (the development settings of `make run`): "
                "it would hand out second factors."
            )
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}: see `python manage.py demo_logins`.")
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
        if device is None:
            raise CommandError(f"{username} has no confirmed authenticator (TOTP device), so no code.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        now = time.time()
        totp.time = now
        self.stdout.write(f"{totp.token():0{device.digits}d}")
        seconds_left = int(device.step - (now - device.t0) % device.step)
        self.stderr.write(f"Valid for {seconds_left} more seconds; each code signs in once.")
