"""Production: refuses to start without its secrets; `check --deploy` is clean."""

from urllib.parse import urlsplit, urlunsplit

from casemgmt.settings import env
from casemgmt.settings.base import *  # noqa: F403
from casemgmt.settings.base import DATABASES

DEBUG = False
SECRET_KEY = env.require("SECRET_KEY")
ALLOWED_HOSTS = env.require("ALLOWED_HOSTS").split(",")
IDENTIFIER_KEYS = env.require("IDENTIFIER_KEYS").split(",")
IDENTIFIER_HASH_KEY = env.require("IDENTIFIER_HASH_KEY")
env.require("DATABASE_URL")
REDIS_URL = env.require("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL

# With persistent connections (DB_CONN_MAX_AGE), one the database closed is noticed before a request uses it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True


def _redis_database(url: str, number: int) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{number}"))


# What the web processes share besides the database: the API's throttle counts (and anything else
# cached) must be the same whichever process or host answers. Database 1 of the broker's Redis unless
# CACHE_URL says otherwise; a Redis that does not answer fails the request in seconds, never hangs it.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.get("CACHE_URL") or _redis_database(REDIS_URL, 1),
        "KEY_PREFIX": "casemgmt",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    },
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.flag("SECURE_SSL_REDIRECT", True)
# The load balancer probes the health endpoint over plain HTTP, behind the TLS it terminates.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
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
EMAIL_HOST = env.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env.integer("EMAIL_PORT", 25)
EMAIL_HOST_USER = env.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.flag("EMAIL_USE_TLS", False)
if env.get("EMAIL_FILE_PATH"):  # for the file-based backend (a staging or test stack): one file per message
    EMAIL_FILE_PATH = env.get("EMAIL_FILE_PATH")
