"""Idle sessions: a session ends SESSION_COOKIE_AGE after the last request, to within a minute.

Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) would cost each page three statements
(a transaction and an UPDATE) only to move the end a few seconds on. A session is saved instead when its
end was last moved more than SESSION_TOUCH_SECONDS ago, so someone who stops working is signed out
between SESSION_COOKIE_AGE - SESSION_TOUCH_SECONDS and SESSION_COOKIE_AGE after their last request."""

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

TOUCHED = "_touched"  # when the session's end was last moved (seconds since the epoch)


def session_touched_at_sign_in(sender, request, user, **kwargs) -> None:
    """Signing in starts the idle time (the session is saved with it), so the next minute's requests
    need not save the session again."""
    if getattr(request, "session", None) is not None:
        request.session[TOUCHED] = int(time.time())


class IdleSessionMiddleware:
    """Between the session middleware and the views: marks a live session to be saved (and its cookie
    sent again, with the full idle time) once its end is more than SESSION_TOUCH_SECONDS old."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # A visitor without a session keeps none: only a session with data in it is kept alive.
        if session is None or session.session_key is None or session.is_empty():
            return response
        now = int(time.time())
        if session.modified or now - session.get(TOUCHED, 0) >= settings.SESSION_TOUCH_SECONDS:
            session[TOUCHED] = now
        return response
