"""Import jobs: an uploaded file waiting to be imported, being imported, or done with its report.

The upload page creates a job and runs it at once (a small file) or hands it to a Celery worker; the
page polls the job for its progress. A job runs once: running a finished job again changes nothing."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casemgmt.errors import RuleViolation
from casemgmt.models import Programme, User
from trajectories.imports.participants import import_arguments_check, participants_import
from trajectories.models import ImportJob

logger = logging.getLogger(__name__)


def import_job_create(
    *,
    content: bytes,
    filename: str,
    programme: Programme,
    by: User,
    coach: User | None = None,
    dry_run: bool = False,
) -> ImportJob:
    """Keep an uploaded file as a job waiting to run. Raises RuleViolation when `by` may not register
    in the programme or `coach` does not coach in it."""
    import_arguments_check(programme=programme, by=by, coach=coach)
    return ImportJob.objects.create(
        programme=programme, by=by, coach=coach, filename=filename[:200], content=content,
        language=translation.get_language() or settings.LANGUAGE_CODE, dry_run=dry_run,
    )


def _progress(job_id: int):
    def report(done: int, total: int) -> None:
        # Outside any transaction, so the page polling the job sees it move.
        ImportJob.objects.filter(pk=job_id).update(processed_rows=done, total_rows=total)
    return report


# The first key of the PostgreSQL advisory locks taken on import jobs (the second is the job's id).
_LOCK_SPACE = 7301


@contextmanager
def _running_alone(job_id: int) -> Iterator[bool]:
    """On PostgreSQL, whether this process is the only one running the job (a message delivered twice
    must not import twice); the lock goes with the connection if the worker dies."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_SPACE, job_id])
        alone = cursor.fetchone()[0]
    try:
        yield alone
    finally:
        if alone:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_SPACE, job_id])


def import_job_run(*, job_id: int) -> ImportJob:
    """Run the import of a waiting job and store its report; the file is dropped afterwards."""
    with _running_alone(job_id) as alone:
        job = ImportJob.objects.select_related("programme", "by", "coach").get(pk=job_id)
        if job.is_finished or not alone:
            return job
        return _run(job)


def _run(job: ImportJob) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            report = participants_import(
                file=bytes(job.content), filename=job.filename, programme=job.programme, by=job.by,
                coach=job.coach, progress=_progress(job.pk), dry_run=job.dry_run,
            )
        except RuleViolation as violation:  # e.g. the uploader no longer registers in the programme
            fields = {"status": ImportJob.Status.FAILED, "error": violation.messages[0]}
        except Exception as error:  # recorded on the job, so the uploader learns it went wrong
            logger.exception("Import job %s failed", job.pk)
            fields = {"status": ImportJob.Status.FAILED, "error": _(
                "The import stopped with an error; nothing was saved. Try again, or ask an administrator "
                "(%(error)s).") % {"error": type(error).__name__}}
        else:
            if report.refused:
                status = ImportJob.Status.REFUSED
            elif job.dry_run:
                status = ImportJob.Status.CHECKED
            else:
                status = ImportJob.Status.IMPORTED
            fields = {
                "status": status, "total_rows": report.rows, "processed_rows": report.rows,
                "imported": report.imported, "refused_rows": len(report.refused_lines),
                "report": report.refused_as_dicts(),
            }
    ImportJob.objects.filter(pk=job.pk).update(content=b"", finished_at=timezone.now(), **fields)
    job.refresh_from_db()
    return job
