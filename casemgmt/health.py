"""The health probe a load balancer or monitor asks: does the database answer, does Redis, do workers,
does a beat hold the beat lease (casemgmt.beat: the one beat that sends the periodic tasks).

`GET /health/` needs no sign-in and says nothing about people, hosts or configuration: only whether
each service answered and how fast. 200 while the database answers (the app can serve pages, so the
host stays in the pool), 503 when it does not. A Redis or worker that does not answer, or no beat
holding the lease, makes the status "degraded", still 200: pages work, reminders wait, and taking
every web host out of the pool would not bring them back. One query, whatever the data.
"""

import time
from collections.abc import Callable
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from kombu.exceptions import OperationalError as BrokerError

from casemgmt.celery import app

# Long enough for a busy worker on the same network to answer, short enough for a probe's timeout.
WORKER_PING_SECONDS = 1.0
REDIS_SECONDS = 1.0
REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
# A ping waits its whole timeout for answers, holding a web process: a positive answer serves every probe
# of every web process (through the shared cache) this long. No answer is never kept: the next probe asks.
WORKER_ANSWER_SECONDS = 30
WORKER_ANSWER_KEY = "casemgmt.health.workers"


def _timed(check: Callable[[], dict]) -> dict:
    """Run `check`; its outcome, with how long it took. A failure shows its kind only: the message
    of a connection error names hosts and ports."""
    started = time.perf_counter()
    try:
        outcome = {"ok": True, **check()}
    except (DatabaseError, redis.RedisError, BrokerError, OSError) as error:
        outcome = {"ok": False, "error": type(error).__name__}
    outcome["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return outcome


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def _redis_urls() -> list[str]:
    """The Redis servers the app uses: the broker's and the cache's (often one server, two databases)."""
    urls = [settings.CELERY_BROKER_URL]
    cache = settings.CACHES.get("default", {})
    if cache.get("BACKEND") == REDIS_CACHE:
        location = cache["LOCATION"]
        urls += location if isinstance(location, list | tuple) else location.split(",")
    return list(dict.fromkeys(url for url in urls if urlsplit(url).scheme in ("redis", "rediss")))


def _redis(urls: list[str]) -> dict:
    for url in urls:
        with redis.Redis.from_url(url, socket_connect_timeout=REDIS_SECONDS,
                                  socket_timeout=REDIS_SECONDS) as client:
            client.ping()
    return {}


def _beat() -> dict:
    """Whether a beat holds the lease in the broker's Redis (who, or where, is not said)."""
    with redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=REDIS_SECONDS,
                              socket_timeout=REDIS_SECONDS) as client:
        return {"ok": bool(client.exists(settings.BEAT_LEASE_KEY))}


def _workers() -> dict:
    answers = app.control.ping(timeout=WORKER_PING_SECONDS)
    return {"ok": bool(answers), "workers": len(answers)}


def _workers_recently() -> dict:
    """The workers' answer to a ping: the last positive one if under WORKER_ANSWER_SECONDS old."""
    answer = cache.get(WORKER_ANSWER_KEY)
    if answer is None:
        answer = _timed(_workers)
        answer.setdefault("workers", 0)
        if answer["ok"]:
            cache.set(WORKER_ANSWER_KEY, answer, WORKER_ANSWER_SECONDS)
    return answer


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    database = _timed(_database)
    urls = _redis_urls()
    # Without Redis (a development set-up) there is nothing to ping; without the broker, no worker can
    # answer, and asking would wait on the broker's connection retries.
    redis_check = _timed(lambda: _redis(urls)) if urls else {"ok": None, "used": False}
    if urlsplit(settings.CELERY_BROKER_URL).scheme == "memory" or redis_check["ok"] is False:
        worker = {"ok": False, "workers": 0}  # the in-memory broker lives in this process: no worker
    else:
        worker = _workers_recently()
    # The lease lives in the broker's Redis; without one (the file-system broker of make run) the beat
    # inside the one worker needs none.
    if urlsplit(settings.CELERY_BROKER_URL).scheme not in ("redis", "rediss"):
        beat = {"ok": None, "used": False}
    elif redis_check["ok"] is False:
        beat = {"ok": False}
    else:
        beat = _timed(_beat)
    if not database["ok"]:
        status = "down"
    elif redis_check["ok"] is False or not worker["ok"] or beat["ok"] is False:
        status = "degraded"
    else:
        status = "ok"
    return JsonResponse(
        {"status": status, "database": database, "redis": redis_check, "worker": worker, "beat": beat},
        status=503 if status == "down" else 200,
    )
