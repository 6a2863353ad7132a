"""The one place where a refused domain rule becomes a message on the page that asked for it."""

from collections.abc import Callable
from typing import TypeVar

from django import forms

from casemgmt.errors import RuleViolation

T = TypeVar("T")


def run_service(form: forms.Form, service: Callable[..., T], /, **kwargs) -> T | None:
    """Call a service; when it refuses, put its message on the form (on the field it names, when the
    form has a field of that name in `RuleViolation.params['field']`, else above the form) and return
    None. Nothing was changed: the service writes inside one transaction."""
    try:
        return service(**kwargs)
    except RuleViolation as violation:
        field = (violation.params or {}).get("field") if hasattr(violation, "params") else None
        for message in violation.messages:
            form.add_error(field if field in form.fields else None, message)
        return None
