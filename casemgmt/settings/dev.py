"""Development: the embedded default of `make run`."""

from casemgmt.settings.base import *  # noqa: F403
from casemgmt.settings.base import STATIC_ROOT, VAR_DIR

DEBUG = True
VAR_DIR.mkdir(parents=True, exist_ok=True)

# WhiteNoise expects the collected-static folder to exist even where nothing is collected.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
