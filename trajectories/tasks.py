"""Celery tasks of trajectories: each takes ids, calls one service and is safe to run twice."""

import logging
from functools import partial

from celery import shared_task
from django.db import transaction
from django.utils.translation import gettext as _

from trajectories.imports import import_job_run
from trajectories.models import ImportJob

logger = logging.getLogger(__name__)

# 10,000 rows take well under a minute; these limits only stop a runaway.
IMPORT_LIMITS = {"soft_time_limit": 900, "time_limit": 1200}
# Try once more at once, then give up: the upload page must not wait on a broker that is away.
RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


@shared_task(name="trajectories.import_participants", **IMPORT_LIMITS)
def import_participants(job_id: int) -> str:
    """Run an import job (a finished job is left as it is)."""
    return import_job_run(job_id=job_id).status


def _send(job_id: int) -> None:
    try:
        import_participants.apply_async(args=(job_id,), retry=True, retry_policy=RETRY_POLICY)
    except Exception:  # whatever the transport raises: the job says so, the uploader can try again
        logger.exception("Could not send import job %s to the broker", job_id)
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
            status=ImportJob.Status.FAILED, content=b"",
            error=_("The import could not be started (the task queue is unavailable); nothing was saved. "
                    "Try again later."),
        )


def import_participants_enqueue(job_id: int) -> None:
    """Hand the job to a worker once the current transaction commits."""
    transaction.on_commit(partial(_send, job_id))
