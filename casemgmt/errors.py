"""The one exception type for broken domain rules, mapped once for the web UI and once for the API."""

from django.core.exceptions import ValidationError


class RuleViolation(ValidationError):
    """A domain rule refused a change. `code` is stable; the message says what and what is expected."""
