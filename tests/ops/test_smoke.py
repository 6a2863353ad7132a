"""Smoke test of the production stack: `ops/prod` (migrations, static files, gunicorn, a Celery worker and
beat) with the production settings, on a PostgreSQL database and a Redis database of its own, driven over
real HTTP the way a coach works, with a reminder delivered by the real worker, then stopped by SIGTERM.

The test plays the load balancer in front of the stack: it terminates TLS, so it sends
X-Forwarded-Proto: https with every request and keeps the secure cookies, and it probes /health/ over
plain HTTP, which the redirect to HTTPS (on, as in production) leaves alone. Mail goes to files.
Every wait is bounded; whatever happens, the stack is stopped and the database and Redis emptied.
"""

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis
import requests
from celery import Celery
from cryptography.fernet import Fernet

from tests.conftest import service_missing, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120.0  # a fresh database: every migration runs (about 25 s on a quiet machine)
STOP_TIMEOUT = 20.0
TIMEOUT = 30.0
# Redis databases the test may claim: the first empty one is used and emptied at the end.
REDIS_DATABASES = range(5, 15)
CLAIM = "casemgmt-smoke-test"
PASSWORD = secrets.token_urlsafe(16)
# The dates of the scenario lie inside the seed programme (OVV); the scan runs as of SCAN_DAY, when the
# referral sent on SENT_ON has waited longer than the 5 days a partner has to answer.
ENTERED_ON, GUIDANCE_ON, SENT_ON, SCAN_DAY = "2017-02-01", "2017-02-15", "2017-03-01", "2017-03-08"

SETUP = """
import json
import os
from casemgmt.audit import save_as
from casemgmt.models import User
from partners.models import Organisation, StaffMember
from partners.services import programme_seed_file, programme_seed_load

programme_seed_load(data=programme_seed_file("ovv"))
organisations = {org.code: org for org in Organisation.objects.all()}
for username, code, role in (("coach.stebo", "stebo", StaffMember.Role.COACH),
                             ("partner.microstart", "microstart", StaffMember.Role.PARTNER_SPECIALIST)):
    user = User.objects.create_user(username, f"{username}@example.org", os.environ["SMOKE_PASSWORD"])
    save_as(StaffMember(user=user, organisation=organisations[code], role=role), None)
print(json.dumps({"microstart": organisations["microstart"].pk}))
"""



def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def with_path(url: str, path: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=path))


@pytest.fixture
def database_url():
    """A new, empty PostgreSQL database on the server of DATABASE_URL, dropped at the end."""
    url = os.environ.get("DATABASE_URL", "")
    if urlsplit(url).scheme not in ("postgres", "postgresql"):
        service_missing("needs PostgreSQL: set DATABASE_URL=postgres://... to run it")
    name = f"casemgmt_smoke_{os.getpid()}"
    try:
        server = psycopg.connect(with_path(url, "/postgres"), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        service_missing(f"needs PostgreSQL at {urlsplit(url).hostname}: {error}")
    with server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')
        try:
            yield with_path(url, f"/{name}")
        finally:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url():
    """A Redis database of its own on the server of REDIS_URL: the first empty one of REDIS_DATABASES,
    claimed with a key so that two runs at once take two databases; emptied at the end."""
    base = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    for number in REDIS_DATABASES:
        url = with_path(base, f"/{number}")
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        try:
            if client.set(CLAIM, os.getpid(), nx=True, ex=600):
                if client.dbsize() == 1:
                    break
                client.delete(CLAIM)  # someone else's data is there
        except redis.RedisError as error:
            service_missing(f"needs Redis at {urlsplit(base).hostname}: {error}")
        client.close()
    else:
        pytest.fail(f"no empty Redis database among {REDIS_DATABASES} to run the stack on")
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@dataclass
class Stack:
    process: subprocess.Popen
    env: dict[str, str]
    url: str
    prod_dir: Path
    mail_dir: Path

    def log(self) -> str:
        logs = [self.prod_dir.parent / "ops-prod.out", *sorted(self.prod_dir.glob("*.log"))]
        return "\n".join(f"== {path.name}\n{path.read_text(errors='replace')[-3000:]}" for path in logs
                         if path.exists())

    def manage(self, *args: str, **env: str) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**self.env, **env},
                              capture_output=True, text=True, timeout=TIMEOUT)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def health(self) -> dict | None:
        try:
            return requests.get(f"{self.url}/health/", timeout=5).json()
        except (requests.RequestException, ValueError):
            return None

    def mails_to(self, address: str) -> list[str]:
        if not self.mail_dir.exists():
            return []
        texts = [path.read_text(errors="replace") for path in self.mail_dir.iterdir()]
        return [text for text in texts if re.search(rf"^To: {re.escape(address)}$", text, re.M)]


@pytest.fixture
def stack(database_url, redis_url, tmp_path):
    port = free_port()
    env = {
        **{key: value for key, value in os.environ.items()
           if not key.startswith(("DJANGO_", "CELERY_", "EMAIL_", "CACHE_"))},
        "DJANGO_SETTINGS_MODULE": "casemgmt.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "true",  # as in production: the test sends X-Forwarded-Proto as the balancer does
        "IDENTIFIER_KEYS": Fernet.generate_key().decode(),
        "IDENTIFIER_HASH_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_URL": redis_url,  # the claimed database holds the cache too
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "WORKER_CONCURRENCY": "1",
        "PROD_DIR": str(tmp_path / "prod"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "CASEMGMT_VAR_DIR": str(tmp_path / "var"),
        "VENV_BIN": str(Path(sys.executable).parent),
    }
    out = (tmp_path / "ops-prod.out").open("wb")
    process = subprocess.Popen([str(ROOT / "ops" / "prod")], cwd=ROOT, env=env, stdout=out,
                               stderr=subprocess.STDOUT)
    out.close()
    stack = Stack(process, env, f"http://127.0.0.1:{port}", tmp_path / "prod", tmp_path / "mail")
    try:
        def up() -> bool:
            return process.poll() is not None or (stack.health() or {}).get("status") == "ok"

        wait_for(up, "the stack to start and report healthy", START_TIMEOUT)
        assert process.poll() is None, f"ops/prod ended with {process.returncode}\n{stack.log()}"
        yield stack
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT + 10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        for pid_file in stack.prod_dir.glob("*.pid"):  # left behind only if ops/prod itself was killed
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text()), signal.SIGKILL)


class Browser:
    """A client behind the TLS-terminating load balancer: the stack sees HTTPS (X-Forwarded-Proto), so
    its cookies are secure-only, and the balancer passes them on over its plain connection to the app."""

    def __init__(self, url: str):
        self.url = url
        self.session = requests.Session()
        self.session.headers.update({"X-Forwarded-Proto": "https", "Accept-Language": "en",
                                     # Django checks the Referer of a form sent over HTTPS
                                     "Referer": f"https://{urlsplit(url).netloc}/"})

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        response = self.session.request(method, self.url + path, timeout=TIMEOUT, allow_redirects=False,
                                        **kwargs)
        for cookie in self.session.cookies:  # what the browser sent over HTTPS, the balancer passes on
            cookie.secure = False
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post_form(self, path: str, data: dict) -> requests.Response:
        return self.request("POST", path, data={"csrfmiddlewaretoken": self.session.cookies["csrftoken"], **data})

    def post_api(self, path: str, body: dict) -> requests.Response:
        return self.request("POST", path, json=body, headers={"X-CSRFToken": self.session.cookies["csrftoken"]})

    def sign_in(self, username: str, password: str) -> None:
        page = self.get("/account/login/")
        assert page.status_code == 200, page.text[:500]
        response = self.post_form("/account/login/", {"username": username, "password": password})
        assert response.status_code == 302 and "/account/login/" not in response.headers["Location"], (
            f"sign-in of {username}: {response.status_code} {response.text[:500]}")


def test_the_production_stack_serves_a_coach_and_delivers_a_reminder_and_stops_cleanly(stack):
    started = time.monotonic()
    ids = json.loads(stack.manage("shell", "-c", SETUP, SMOKE_PASSWORD=PASSWORD).strip().splitlines()[-1])
    coach = Browser(stack.url)

    # Plain HTTP is sent to HTTPS, except the health probe.
    assert coach.get("/account/login/", headers={"X-Forwarded-Proto": "http"}).status_code == 301
    # Static files come from whitenoise: names carry a hash of the content, and they are compressed.
    page = coach.get("/account/login/").text
    stylesheet = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, f"no hashed stylesheet on the sign-in page:\n{page[:1000]}"
    css = coach.get(stylesheet[1], headers={"Accept-Encoding": "gzip"})
    assert css.status_code == 200 and css.headers.get("Content-Encoding") == "gzip", css.headers
    assert "max-age=315360000" in css.headers.get("Cache-Control", ""), css.headers

    # A coach signs in through the form and registers a person, who enters guidance and agrees to
    # share their data with microStart; the coach refers them there for a microcredit.
    coach.sign_in("coach.stebo", PASSWORD)
    registered = coach.post_api("/api/v1/participants/", {
        "first_name": "Nour", "last_name": "Salem", "birth_year": 1990, "programme": "OVV",
        "entered_on": ENTERED_ON, "consent": True})
    assert registered.status_code == 201, registered.text
    person = registered.json()
    trajectory = person["trajectories"][0]["id"]
    advanced = coach.post_api(f"/api/v1/trajectories/{trajectory}/advance/", {"phase": 4, "on": GUIDANCE_ON})
    assert advanced.status_code == 200, advanced.text
    consent = coach.post_form(f"/trajectories/{trajectory}/consent-to-share/", {
        "organisation": ids["microstart"], "given_on": GUIDANCE_ON})
    assert consent.status_code == 302, consent.text[:2000]
    referred = coach.post_api("/api/v1/referrals/", {
        "trajectory": trajectory, "specialisation": "microcredit", "organisation": "microstart",
        "question": "Kan zij een microkrediet krijgen voor een naaimachine?", "sent_on": SENT_ON})
    assert referred.status_code == 201, referred.text
    assert referred.json()["status"] == "sent"

    # The scan beat sends every 15 minutes, sent now as of a day when microStart has not answered in
    # time: the worker stores the reminders and mails them.
    with Celery(broker=stack.env["REDIS_URL"]) as client:
        client.send_task("reminders.scan_all", kwargs={"today": SCAN_DAY})
    mails = wait_for(lambda: stack.mails_to("partner.microstart@example.org"),
                     "the reminder mail to the partner", TIMEOUT)
    # It says what kind of reminder is new and where to read it, never whom it is about.
    assert len(mails) == 1 and "doorverwijzing niet beantwoord" in mails[0], mails
    assert f"{stack.url}/reminders/" in mails[0] and "Salem" not in mails[0], mails
    reminders = coach.get("/api/v1/reminders/")
    assert reminders.status_code == 200, reminders.text
    assert [row["rule"] for row in reminders.json()["results"]] == ["no_contact"], reminders.text

    health = stack.health()
    assert health["status"] == "ok", health
    assert health["database"]["ok"] and health["redis"]["ok"] and health["worker"]["workers"] >= 1, health
    assert health["beat"]["ok"] is True, health  # the stack's one beat holds the beat lease
    scenario = time.monotonic() - started

    # SIGTERM stops the stack: every process ends, each with status 0.
    pids = {path.stem: int(path.read_text()) for path in stack.prod_dir.glob("*.pid")}
    assert set(pids) == {"web", "worker", "beat"}, pids
    stopping = time.monotonic()
    stack.process.send_signal(signal.SIGTERM)
    try:
        status = stack.process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"ops/prod did not stop within {STOP_TIMEOUT:.0f} s\n{stack.log()}")
    stopped = time.monotonic() - stopping
    assert status == 0, stack.log()
    assert "exit statuses: web=0 worker=0 beat=0" in (stack.prod_dir / "prod.log").read_text(), stack.log()
    assert not [name for name, pid in pids.items() if alive(pid)], stack.log()
    assert stack.health() is None  # nothing listens any more
    print(f"scenario {scenario:.1f} s, stop {stopped:.1f} s")
