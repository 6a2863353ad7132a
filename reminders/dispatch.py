"""Sending reminder tasks to the broker without ever letting a broker outage break the caller.

Reminders live in the database, and the periodic scan finds every reminder not yet e-mailed and
every cause not yet closed: the scan is the outbox. So a task that cannot be sent (Redis down, a
full disk under the file-system broker) is logged and dropped, never raised into the request or
the transaction that wanted it; the next scan does its work.
"""

import logging
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)

# Try once more at once, then give up: a web request must not wait on a broker that is away.
RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def enqueue(task_name: str, *args) -> bool:
    """Send the task named `task_name` with `args` (ids); False, and a logged error, when it fails."""
    from casemgmt.celery import app

    try:
        app.send_task(task_name, args=args, retry=True, retry_policy=RETRY_POLICY)
    except Exception:  # whatever the transport raises: the scan is the fallback, the caller goes on
        logger.exception("Could not send the task %s%r to the broker; the next reminder scan will do "
                         "its work.", task_name, args)
        return False
    return True


def enqueue_on_commit(task_name: str, *args) -> None:
    """Send the task once the current transaction commits (at once outside a transaction); never
    when it rolls back."""
    transaction.on_commit(partial(enqueue, task_name, *args))
