"""Tests: SQLite by default, PostgreSQL when DATABASE_URL is set (as in CI)."""

from casemgmt.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
