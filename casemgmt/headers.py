"""Response headers the settings cannot set: pages shown to a signed-in user are never cached."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreWhenSignedInMiddleware:
    """Every response to a signed-in user may show personal data, so no browser or proxy keeps it.

    One rule for all of them, rather than a decorator per view: a view that forgets the
    decorator would leave a participant's file in the browser's cache on a shared computer.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Cache-Control: no-cache, no-store, must-revalidate, private, and an Expires in the past.
            add_never_cache_headers(response)
            response.headers.setdefault("Pragma", "no-cache")
        return response
