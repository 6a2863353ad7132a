"""Development: the embedded default of `make run`."""

from casemgmt.settings.base import *  # noqa: F403
from casemgmt.settings.base import VAR_DIR

DEBUG = True
VAR_DIR.mkdir(parents=True, exist_ok=True)
