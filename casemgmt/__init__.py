"""casemgmt: the project and the ground every app stands on (programmes, geography, accounts)."""

from casemgmt.celery import app as celery_app

__all__ = ["celery_app"]
