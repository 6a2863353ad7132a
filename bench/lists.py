"""The two list endpoints and their bare baselines (bench/bare.py): what to request, and their latency and
statements per request measured in-process with Django's test client."""

import dataclasses
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.timing import percentile
from casemgmt.models import User

HOST = "127.0.0.1"


@dataclasses.dataclass(frozen=True)
class Endpoint:
    name: str
    path: str  # with its query string
    bare_path: str
    signed_in_path: str  # the bare view behind the app's authentication, sent `headers` too
    read_by_app_path: str  # the rows read by the app's selectors, answered as the bare view does; `headers`
    headers: dict[str, str]  # what a client sends to be let in (a session cookie or a token)


def token_for(user: User, password: str) -> str:
    """A token from POST /api/v1/auth/token/, as another system gets one."""
    response = Client(HTTP_HOST=HOST).post(reverse("api_token"), {"username": user.username,
                                                                    "password": password},
                                           content_type="application/json")
    if response.status_code != 201:
        raise RuntimeError(f"no token for {user.username}: {response.status_code} {response.content[:200]}")
    return response.json()["token"]


def session_cookie_for(user: User) -> str:
    """A signed-in session (stored in the database, so gunicorn's workers know it too)."""
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client.cookies["sessionid"].value


def endpoints(user: User, password: str, *, page: int = 1) -> list[Endpoint]:
    """The caseload page (signed in) and the participant list API (with a token) of `user`, a coach."""
    return [
        Endpoint("caseload page", f"{reverse('trajectories:caseload')}?page={page}",
                 f"{reverse('bare_caseload')}?coach={user.pk}&page={page}",
                 f"{reverse('bare_caseload_signed_in')}?coach={user.pk}&page={page}",
                 f"{reverse('bare_caseload_read_by_app')}?page={page}",
                 {"Cookie": f"sessionid={session_cookie_for(user)}"}),
        Endpoint("participant list API", f"{reverse('api-participant-list')}?page={page}",
                 f"{reverse('bare_participants')}?coach={user.pk}&page={page}",
                 f"{reverse('bare_participants_signed_in')}?coach={user.pk}&page={page}",
                 f"{reverse('bare_participants_read_by_app')}?page={page}",
                 {"Authorization": f"Token {token_for(user, password)}"}),
    ]


def _client(headers: dict[str, str]) -> Client:
    extra = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()
             if name.lower() != "cookie"}
    client = Client(HTTP_HOST=HOST, **extra)
    for pair in (headers.get("Cookie") or "").split(";"):
        if "=" in pair:
            name, value = pair.strip().split("=", 1)
            client.cookies[name] = value
    return client


def fetch(path: str, headers: dict[str, str]):
    """One in-process GET; refuses anything but 200."""
    response = _client(headers).get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}, not 200")
    return response


def in_process(path: str, headers: dict[str, str], *, requests: int) -> dict:
    """p50 and p95 (ms) of `requests` GETs one after the other (after three warm-ups), and the statements
    one request sends."""
    client = _client(headers)
    for _ in range(3):
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}, not 200")
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    # Read now: captured_queries is a view of the connection's log, which the next request empties.
    queries = len(captured.captured_queries)
    times = []
    for _ in range(requests):
        began = time.perf_counter()
        client.get(path)
        times.append(time.perf_counter() - began)
    return {"p50_ms": 1000 * percentile(times, 0.5), "p95_ms": 1000 * percentile(times, 0.95),
            "queries": queries}
