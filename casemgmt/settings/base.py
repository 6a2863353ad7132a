"""Settings shared by every environment; values that differ come from the environment."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from casemgmt.settings import env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env.get("CASEMGMT_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env.get("SECRET_KEY", "dev-only-not-secret-0f3c9a7e1b2d4c6a8e0f1a3b5c7d9e1f")
DEBUG = False
ALLOWED_HOSTS = env.listing("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")

INSTALLED_APPS = [
    "casemgmt.admin_site.CaseAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "django_htmx",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served from here (no CDN: the CSP allows 'self' only)
    "simple_history",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "casemgmt",
    "partners",
    "trajectories",
    "reminders",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Inside the session middleware, so the session it marks is saved on the way out.
    "casemgmt.sessions.IdleSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Outside the two-factor middleware, so its redirects are not cached either.
    "casemgmt.headers.NoStoreWhenSignedInMiddleware",
    "casemgmt.twofactor.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: it turns a refused sign-in into its lockout response.
    "axes.middleware.AxesMiddleware",
]

# The axes backend refuses a sign-in while its username and address are locked out; the model
# backend then checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the user with their staff membership (one query a page fewer).
    "partners.backends.StaffModelBackend",
    # A user holds the permissions of the group named after their role (trajectories.roles).
    "trajectories.roles.RoleGroupBackend",
]

ROOT_URLCONF = "casemgmt.urls"
WSGI_APPLICATION = "casemgmt.wsgi.application"
AUTH_USER_MODEL = "casemgmt.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "trajectories.context_processors.workspace",
                "reminders.context_processors.reminders",
                "reports.context_processors.reports",
            ],
        },
    },
]

# SQLite file by default (zero set-up); PostgreSQL (or any URL) through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        env.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'casemgmt.sqlite3'}",
        conn_max_age=env.integer("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server, and a statement run DB_PREPARE_THRESHOLD times on one connection is
    # prepared: PostgreSQL plans it once rather than on every page (planning the caseload's query took
    # longer than running it). Behind a pooler in transaction mode (PgBouncer before 1.21), set
    # DB_PREPARE_THRESHOLD to "off".
    _prepare_threshold = env.get("DB_PREPARE_THRESHOLD", "5")
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "server_side_binding": True,
        "prepare_threshold": None if _prepare_threshold == "off" else int(_prepare_threshold),
    })
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The admin's sign-in page is the sign-in page until the workspaces get their own.
# A partner sees a referred person while the referral is open and this many days after it closed.
REFERRAL_PARTNER_ACCESS_DAYS = env.integer("REFERRAL_PARTNER_ACCESS_DAYS", 30)
# Counts from 1 up to this minus one are hidden in reports that leave the organisation.
REPORT_SUPPRESSION_THRESHOLD = env.integer("REPORT_SUPPRESSION_THRESHOLD", 5)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "trajectories:caseload"

# Sign-in throttling: five wrong passwords lock out that username *from that address* for a
# while. Locking by username alone would let anyone lock a colleague out; by address alone, one
# office behind one address would lock itself out. The address is REMOTE_ADDR: behind a proxy the
# WSGI server must set it to the client's address, never a header the client can forge.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# Two-factor sign-in (TOTP, an authenticator app) for the roles that see or change the most.
OTP_TOTP_ISSUER = "casemgmt"

# Sessions end after this many idle minutes: a request pushes the end forward when it was last moved
# more than SESSION_TOUCH_SECONDS ago (casemgmt.sessions), so the end is exact to within that.
SESSION_COOKIE_AGE = env.integer("SESSION_IDLE_MINUTES", 30) * 60
SESSION_TOUCH_SECONDS = 60
SESSION_COOKIE_HTTPONLY = True

# Security headers (production adds HSTS and secure cookies). Only the site's own scripts, styles
# and images (and data: images, for the QR code of the two-factor enrolment) may run or load.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
    },
}

# Dutch is the users' working language; English is shipped beside it.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.get("STATIC_ROOT", str(BASE_DIR / "staticfiles")))

# Identifiers (national register / BIS numbers) are encrypted with the first key and
# decrypted with any of them, so keys can be rotated; matching uses a keyed hash.
IDENTIFIER_KEYS = env.listing(
    "IDENTIFIER_KEYS", "ZGV2LW9ubHktaWRlbnRpZmllci1rZXktbm90LXNlY3JldCE="
)
IDENTIFIER_HASH_KEY = env.get("IDENTIFIER_HASH_KEY", "dev-only-identifier-hash-key")
# Backups are encrypted with the first key and restored with whichever made them (casemgmt.backup_crypto);
# none: backups are written unencrypted (the command says so). Each key: 32 random bytes, URL-safe base64.
BACKUP_KEYS = env.listing("BACKUP_KEYS")

CELERY_BROKER_URL = env.get("REDIS_URL") or env.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"
CELERY_TASK_ALWAYS_EAGER = False
# django-celery-beat's scheduler, run only by the beat holding the lease in Redis (casemgmt.beat): a second
# beat waits as a standby and takes over within BEAT_LEASE_SECONDS of the first one's end.
CELERY_BEAT_SCHEDULER = "casemgmt.beat:LeasedScheduler"
BEAT_LEASE_SECONDS = env.integer("BEAT_LEASE_SECONDS", 60)
BEAT_LEASE_KEY = env.get("BEAT_LEASE_KEY", "casemgmt:beat-lease")
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged when it is done, not when it is taken: a worker killed mid-task (or its
# pool process) leaves the message to be delivered again, one at a time per process. The tasks are
# idempotent, so running one twice is harmless; losing one is not.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis hands an unacknowledged message to another worker after this many seconds: longer than any
# task runs (the scans stop at 15 minutes), short enough that a killed worker's scan comes back soon.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.integer("CELERY_VISIBILITY_TIMEOUT", 3600),
}
# The reminder rules run side by side on this many database connections (reminders.services.reminders_run).
REMINDER_SCAN_CONNECTIONS = env.integer("REMINDER_SCAN_CONNECTIONS", 2)
# Nothing reads task results; the reminders themselves are the record.
CELERY_TASK_IGNORE_RESULT = True
# The worker logs through Django's LOGGING, like the web process.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

EMAIL_BACKEND = env.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.get("DEFAULT_FROM_EMAIL", "casemgmt@localhost")
# The address people reach the site at (https://casemgmt.example.org): reminder mails link to it. Without
# it they say where to look instead.
SITE_URL = env.address("SITE_URL")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The session of the signed-in user (who passed the second factor where their role needs it), or
    # a token obtained with the same rule (casemgmt.api.tokens); no Basic authentication, which would
    # go around the lockout and the second factor. The token first: a caller who sends neither gets 401
    # with `WWW-Authenticate: Token` (the first class names the scheme), not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "casemgmt.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "casemgmt.api.pagination.Pages",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "EXCEPTION_HANDLER": "casemgmt.api.errors.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "token": env.get("API_THROTTLE_TOKEN", "20/minute"),
        "export": env.get("API_THROTTLE_EXPORT", "60/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Tokens for other systems live this long; stored hashed (django-rest-knox).
API_TOKEN_TTL = timedelta(hours=env.integer("API_TOKEN_TTL_HOURS", 24 * 30))
REST_KNOX = {"TOKEN_TTL": API_TOKEN_TTL, "AUTH_HEADER_PREFIX": "Token", "AUTO_REFRESH": False}
SPECTACULAR_SETTINGS = {
    "TITLE": "casemgmt API",
    "DESCRIPTION": "Participants, trajectories, sessions, referrals, reminders and reports of the "
                   "programmes a user works in, scoped exactly as in the workspace.",
    "VERSION": "1.0.0",
    # The schema and its documentation page need a signed-in user.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SERVE_AUTHENTICATION": [
        "rest_framework.authentication.SessionAuthentication",
        "casemgmt.api.authentication.ExpiringTokenAuthentication",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.get("LOG_LEVEL", "INFO")},
    # Failed sign-ins and lockouts are warnings; axes' banner and every good sign-in are not news.
    "loggers": {"axes": {"level": env.get("AXES_LOG_LEVEL", "WARNING")}},
}
