"""Django settings of the Celery worker processes the integration tests start
(DJANGO_SETTINGS_MODULE=tests.reminders.workers; see tests/reminders/test_integration.py).

The test settings with what a real worker in a test needs and the test settings fix: mail written to
files the test reads (EMAIL_FILE_PATH), the test's own queue as the default queue (so the mail tasks a
scan sends stay on that test's queue), and a quick check for unacknowledged messages to hand out
again (a killed worker's task comes back after CELERY_VISIBILITY_TIMEOUT, not after 10 s more).
The broker (CELERY_BROKER_URL) and the database (DATABASE_URL) come from the environment as usual.
"""

import os

from casemgmt.settings.test import *  # noqa: F403
from casemgmt.settings.test import CELERY_BROKER_TRANSPORT_OPTIONS

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]

CELERY_TASK_DEFAULT_QUEUE = os.environ["CELERY_TASK_DEFAULT_QUEUE"]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
