"""Development: the embedded default of `make run`."""

from casemgmt.settings import env
from casemgmt.settings.base import *  # noqa: F403
from casemgmt.settings.base import STATIC_ROOT, VAR_DIR

DEBUG = True
# Where reminder mails link to: `make run` and `make worker` set it to the address `make run` serves;
# runserver's own default otherwise.
SITE_URL = env.address("SITE_URL", "http://127.0.0.1:8000")
VAR_DIR.mkdir(parents=True, exist_ok=True)

# WhiteNoise expects the collected-static folder to exist even where nothing is collected.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Without REDIS_URL (or CELERY_BROKER_URL), Celery uses a broker that needs no server: messages are
# files under var/celery/, shared by the web process, the worker and beat on this machine (`make
# worker`). Not for production, which requires REDIS_URL.
if not (env.get("REDIS_URL") or env.get("CELERY_BROKER_URL")):
    CELERY_BROKER_DIR = VAR_DIR / "celery"
    for folder in ("queue", "control"):
        (CELERY_BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
    }
