"""Tests: SQLite by default, PostgreSQL when DATABASE_URL is set (as in CI)."""

from casemgmt.settings import env
from casemgmt.settings.base import *  # noqa: F403
from casemgmt.settings.base import STATIC_ROOT

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# WhiteNoise expects the collected-static folder to exist even where nothing is collected.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Unit tests send tasks to an in-process broker; tests about Redis and a real worker set the broker
# themselves (from REDIS_URL), so a test never leaves tasks behind in a shared Redis.
CELERY_BROKER_URL = env.get("CELERY_BROKER_URL") or "memory://"
