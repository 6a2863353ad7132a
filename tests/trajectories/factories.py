"""Helpers for trajectory tests: a programme that is running today, and row counts to prove a
refused change wrote nothing."""

import datetime

from django.db import models
from django.utils import timezone

from casemgmt.models import Programme
from tests.factories import ProgrammeFactory
from trajectories.models import Attendance, Participant, PhaseEntry, Screening, Session, Trajectory


def today() -> datetime.date:
    return timezone.localdate()


def running_programme(**kwargs) -> Programme:
    """A programme that started two years ago and ends next year, so 'today' and 'tomorrow' lie in it."""
    kwargs.setdefault("starts_on", today() - datetime.timedelta(days=730))
    kwargs.setdefault("ends_on", today() + datetime.timedelta(days=365))
    return ProgrammeFactory(**kwargs)


TRACKED: tuple[type[models.Model], ...] = (
    Participant, Trajectory, PhaseEntry, Screening, Session, Attendance,
)


def row_counts(*tracked: type[models.Model]) -> dict[str, int]:
    """Rows and history rows of each model: a refused change must leave every number as it was."""
    counts = {}
    for model in tracked or TRACKED:
        counts[model._meta.label] = model.objects.count()
        counts[f"{model._meta.label} history"] = model.history.count()
    return counts
