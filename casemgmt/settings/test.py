"""Tests: SQLite by default, PostgreSQL when DATABASE_URL is set (as in CI)."""

from casemgmt.settings.base import *  # noqa: F403
from casemgmt.settings.base import STATIC_ROOT

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# WhiteNoise expects the collected-static folder to exist even where nothing is collected.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
