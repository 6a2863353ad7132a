"""Celery tasks of reminders: each takes ids (or an ISO date), calls one service and is safe to run twice.

The worker runs them with acks_late (settings: CELERY_TASK_ACKS_LATE): a worker killed mid-task
leaves the message unacknowledged and it is delivered again; the services make the rerun harmless.
"""

import datetime

from celery import shared_task

from reminders.dispatch import enqueue
from reminders.selectors import recipients_awaiting_mail
from reminders.services import reminders_close_resolved, reminders_mail, reminders_run

# A scan over 100,000 trajectories takes seconds; these limits only stop a runaway.
SCAN_LIMITS = {"soft_time_limit": 600, "time_limit": 900}


def _day(iso: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(iso) if iso else None


def _mail_everyone_waiting() -> int:
    """One mail task per person with reminders not yet e-mailed; a send that fails is retried by
    the next scan, since the reminders stay unmarked."""
    recipients = recipients_awaiting_mail()
    for recipient_id in recipients:
        enqueue("reminders.send_reminder_mail", recipient_id)
    return len(recipients)


@shared_task(name="reminders.scan_all", **SCAN_LIMITS)
def scan_all(today: str | None = None) -> dict[str, dict[str, int]]:
    """Every rule's close pass, then its scan, then the e-mails (beat runs this every 15 minutes)."""
    outcomes = reminders_run(today=_day(today))
    _mail_everyone_waiting()
    return {o.rule: {"created": o.created, "reopened": o.reopened, "closed": o.closed} for o in outcomes}


@shared_task(name="reminders.run_rule", **SCAN_LIMITS)
def run_rule(rule: str, today: str | None = None) -> dict[str, int]:
    """One rule's close pass and scan, then the e-mails."""
    (outcome,) = reminders_run(today=_day(today), rules=[rule])
    _mail_everyone_waiting()
    return {"created": outcome.created, "reopened": outcome.reopened, "closed": outcome.closed}


@shared_task(name="reminders.send_reminder_mail")
def send_reminder_mail(recipient_id: int) -> int:
    return reminders_mail(recipient_id=recipient_id)


@shared_task(name="reminders.close_resolved")
def close_resolved(trajectory_ids: list[int]) -> int:
    """Close the reminders about these trajectories whose cause is gone (after a change to them)."""
    return reminders_close_resolved(trajectory_ids=trajectory_ids)
