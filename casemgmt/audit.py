"""Saving domain objects with the acting user on their history row."""

from django.db import models


def save_as(instance: models.Model, by, **save_kwargs) -> models.Model:
    """Validate and save `instance`, recording `by` as the author of the change in its history."""
    instance.full_clean()
    instance._history_user = by
    instance.save(**save_kwargs)
    return instance
