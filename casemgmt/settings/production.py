"""Production: refuses to start without its secrets; `check --deploy` is clean."""

from casemgmt.settings import env
from casemgmt.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env.require("SECRET_KEY")
ALLOWED_HOSTS = env.require("ALLOWED_HOSTS").split(",")
IDENTIFIER_KEYS = env.require("IDENTIFIER_KEYS").split(",")
IDENTIFIER_HASH_KEY = env.require("IDENTIFIER_HASH_KEY")
env.require("DATABASE_URL")
CELERY_BROKER_URL = env.require("REDIS_URL")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.flag("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
EMAIL_BACKEND = env.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
