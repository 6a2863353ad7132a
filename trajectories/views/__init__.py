"""The workspace pages for coaches, referrers, coordinators and partner specialists (server-rendered, htmx
for partial updates)."""

from collections.abc import Callable

from django.urls import reverse

_SAMPLE_PK = 918273645


def url_for_pk(name: str) -> Callable[[int], str]:
    """The address of the view `name` (a path with one integer id) for any id, reversed once: a list of
    rows links each row with a string join instead of a reverse() per row. Made per request, as the
    script prefix may differ between requests."""
    head, tail = reverse(name, args=[_SAMPLE_PK]).split(str(_SAMPLE_PK))
    return lambda pk: f"{head}{int(pk)}{tail}"
