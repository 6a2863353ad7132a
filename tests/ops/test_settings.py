"""The production settings come from the environment: the cache every web process shares sits on Redis,
and a missing secret stops the start; the tests keep their cache in memory."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "SECRET_KEY": "a-secret-only-for-this-test-0123456789abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "casemgmt.example.org",
    "IDENTIFIER_KEYS": "a-key-only-for-this-test",
    "IDENTIFIER_HASH_KEY": "a-hash-key-only-for-this-test",
    "DATABASE_URL": "postgres://casemgmt@db.internal:5432/casemgmt",
    "REDIS_URL": "redis://redis.internal:6379/0",
}
SHOW = ("import json; from django.conf import settings; "
        "print(json.dumps({'cache': settings.CACHES['default'], 'broker': settings.CELERY_BROKER_URL}))")


def production(**environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in (*REQUIRED, "CACHE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="casemgmt.settings.production", **environment)
    return subprocess.run([sys.executable, "-c", SHOW], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


def test_the_cache_is_database_1_of_the_brokers_redis_by_default():
    done = production(**REQUIRED)

    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["broker"] == "redis://redis.internal:6379/0"
    assert shown["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert shown["cache"]["LOCATION"] == "redis://redis.internal:6379/1"


def test_cache_url_puts_the_cache_elsewhere():
    done = production(**REQUIRED, CACHE_URL="redis://cache.internal:6380/3")

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["cache"]["LOCATION"] == "redis://cache.internal:6380/3"


def test_production_refuses_to_start_without_redis():
    done = production(**{**REQUIRED, "REDIS_URL": ""})

    assert done.returncode != 0
    assert "The environment variable REDIS_URL is required in production" in done.stderr


def test_the_tests_keep_a_local_memory_cache():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_site_url_must_be_an_address_people_open():
    refused = production(**REQUIRED, SITE_URL="casemgmt.example.org")
    accepted = production(**REQUIRED, SITE_URL="https://example.org/casemgmt/")

    assert refused.returncode != 0
    assert "SITE_URL must be a web address that starts with https://" in refused.stderr
    assert "'casemgmt.example.org'" in refused.stderr
    assert accepted.returncode == 0, accepted.stderr
