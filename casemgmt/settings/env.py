"""The one place where settings read the process environment."""

import os

from django.core.exceptions import ImproperlyConfigured


def get(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def require(name: str) -> str:
    """A value production cannot start without."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"The environment variable {name} is required in production and is not set."
        )
    return value


def flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def listing(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def integer(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def address(name: str, default: str = "") -> str:
    """A web address people open (https://host[/prefix]), or empty when unset."""
    value = os.environ.get(name, default).strip()
    if value and not value.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            f"The environment variable {name} must be a web address that starts with https:// (or "
            f"http://), such as https://casemgmt.example.org; it is {value!r}."
        )
    return value
