"""Today, in the users' time zone (Europe/Brussels): the date rules compare against."""

import datetime

from django.utils import timezone


def today() -> datetime.date:
    return timezone.localdate()
