"""The health probe: what a load balancer and a monitor read from GET /health/, with the database, Redis
and the workers there or not. (The whole stack answering it: tests/ops/test_smoke.py.)"""

import os
import uuid
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.db import OperationalError
from django.test import Client

from tests.conftest import service_missing

pytestmark = pytest.mark.django_db

URL = "/health/"
DEAD_REDIS = "redis://127.0.0.1:6390/0"  # nothing listens there


def test_with_the_database_there_the_probe_answers_200_in_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["database"]["ok"] is True and body["database"]["latency_ms"] >= 0
    # The tests' broker lives in memory, in this process: no worker can answer, and no Redis is used.
    assert body["redis"] == {"ok": None, "used": False}
    assert body["worker"] == {"ok": False, "workers": 0}
    assert body["beat"] == {"ok": None, "used": False}  # no lease without Redis
    assert body["status"] == "degraded"
    assert "no-store" in response["Cache-Control"]


def test_with_the_database_down_the_probe_answers_503_down(client):
    with mock.patch("casemgmt.health.connection.cursor", side_effect=OperationalError("connection refused")):
        response = client.get(URL)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["database"]["ok"] is False and body["database"]["error"] == "OperationalError"
    assert "connection refused" not in response.content.decode()


def test_with_redis_down_the_probe_says_degraded_and_names_no_host(client, settings):
    settings.CELERY_BROKER_URL = DEAD_REDIS

    response = client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["redis"]["ok"] is False and body["redis"]["error"] == "ConnectionError"
    assert body["worker"] == {"ok": False, "workers": 0}  # not asked: without the broker none can answer
    assert body["beat"] == {"ok": False}
    assert "6390" not in response.content.decode() and "127.0.0.1" not in response.content.decode()


def test_a_signed_in_user_without_the_second_factor_gets_the_probe_too(admin_user):
    client = Client()
    client.force_login(admin_user)  # a superuser needs a second factor for every page but this one

    response = client.get(URL)

    assert response.status_code == 200 and response.json()["database"]["ok"] is True


@pytest.mark.redis
def test_the_probe_says_whether_a_beat_holds_the_beat_lease_and_not_which(client, settings):
    url = urlunsplit(urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")._replace(path="/15"))
    redis_client = redis.Redis.from_url(url)
    try:
        redis_client.ping()
    except redis.ConnectionError:
        service_missing(f"needs Redis at {url}")
    settings.CELERY_BROKER_URL = url
    settings.BEAT_LEASE_KEY = key = f"test:beat-lease:{uuid.uuid4().hex}"
    try:
        with mock.patch("casemgmt.health._workers_recently", return_value={"ok": True, "workers": 1}):
            without = client.get(URL).json()
            redis_client.set(key, "beat-host:4242:abcd", px=30_000)
            held = client.get(URL)
    finally:
        redis_client.delete(key)

    assert without["beat"]["ok"] is False and without["status"] == "degraded"
    assert held.json()["beat"]["ok"] is True and held.json()["status"] == "ok"
    assert "beat-host" not in held.content.decode() and "4242" not in held.content.decode()
