"""The API against its own OpenAPI schema: for every operation the schema lists, schemathesis generates 100
requests (valid ones, invalid ones, and valid ones addressed to the records of a small known world) and
each audience (nobody, and every role signed in with a token) sends all of them through the WSGI
application, inside the test's own transaction.

Checks on every answer: `not_a_server_error` (no 5xx), `response_schema_conformance` and
`content_type_conformance` (the body and content type the schema documents for that status code), and
`error_has_the_api_shape` (a refusal carries the API's one error shape). `status_code_conformance` is left
out: a refusal by scope (404) or by role (403) is the permission matrix's business
(tests/test_permission_matrix.py), and the schema does not list every refusal for every operation.

The operations are read from the schema, so a new endpoint is tested without editing this file. The
requests are generated once per operation and sent by every audience, since generating costs as much as
sending. Each request runs in a savepoint rolled back after it, with the throttles' counters cleared, so
every request meets the same world; generation is derandomized, so a run is reproducible. A failure prints
the request as a curl command (the world is tests.test_permission_matrix.build_world)."""

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, models, transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance
from werkzeug.test import Client

from casemgmt.models import Programme, User
from reminders.models import Reminder
from tests.conftest import rolled_back
from tests.test_permission_matrix import (
    ROLES,
    TWO_FACTOR_ROLES,
    build_world,
    make_reminders,
    plan_group_sessions,
)
from trajectories.models import Participant, Referral, Session, Trajectory

pytestmark = pytest.mark.django_db

EXAMPLES = 100
PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory's
HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


def operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every operation of the API, from the generator that serves /api/schema/ (the same
    schema to every signed-in user). The schema's own address is left out: it is drf-spectacular's view,
    its one answer is the document loaded below, and who may read it is in the permission matrix."""
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return sorted((method.upper(), path) for path, item in paths.items() for method in item
                  if method in HTTP_METHODS and path != SCHEMA_PATH)


SCHEMA_PATH = "/api/schema/"
OPERATIONS = operations()


# The checks


def error_has_the_api_shape(ctx, response, case) -> None:
    """A refusal answers {"error": {"code": <stable>, "message": <readable>, "fields": {...}}}, in JSON."""
    if response.status_code < 400:
        return
    where = f"{response.status_code} to {case.method} {case.formatted_path}"
    content_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    assert content_type == "application/json", f"{where} is not JSON but {content_type!r}"
    body = response.json()
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict) and set(error) >= {"code", "message", "fields"}, f"{where}: {body!r}"
    assert isinstance(error["code"], str) and re.fullmatch(r"[a-z][a-z0-9_]*", error["code"]), f"{where}: {body!r}"
    assert isinstance(error["message"], str) and error["message"].strip(), f"{where}: {body!r}"
    assert isinstance(error["fields"], dict), f"{where}: {body!r}"


CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, error_has_the_api_shape]


# The world and the audiences


@dataclass
class Api:
    app: WSGIHandler
    schema: schemathesis.BaseSchema
    headers: dict[str, dict[str, str]]  # per audience: how it signs its requests
    known: dict[str, list]  # "code": the programmes; per kind of record ("referrals"...): its ids
    examples: dict[tuple[str, str], list] = field(default_factory=dict)


def _current_code(user: User) -> str:
    device = TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():0{device.digits}d}"


def _token(app: WSGIHandler, role: str, user: User) -> str:
    """A token obtained as another system would: POST /api/v1/auth/token/ (with the second factor)."""
    data = {"username": user.username, "password": PASSWORD}
    if role in TWO_FACTOR_ROLES:
        data["otp_token"] = _current_code(user)
    response = Client(app).post("/api/v1/auth/token/", json=data)
    assert response.status_code == 201, (role, response.status_code, response.get_data(as_text=True))
    return response.json["token"]


# The records each kind of address names, by the first part of its path under /api/v1/.
RESOURCES: dict[str, type[models.Model]] = {
    "participants": Participant, "trajectories": Trajectory, "sessions": Session, "referrals": Referral,
    "reminders": Reminder,
}


def _known_ids() -> dict[str, list[int]]:
    """Per kind of record, the ids of the world's records of that kind (ids are not reused across a run on
    PostgreSQL, so they are read from the database, never assumed)."""
    return {name: sorted(model.objects.values_list("pk", flat=True)) for name, model in RESOURCES.items()}


@pytest.fixture(scope="module")
def api(django_db_setup, django_db_blocker) -> Iterator[Api]:
    # Requests go through the WSGI handler, which closes the database connection around each request
    # (as the test client does not): keep it open, so the requests share the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with rolled_back(django_db_blocker):
            world = build_world()
            app = WSGIHandler()
            headers = {role: {} if user is None else {"Authorization": f"Token {_token(app, role, user)}"}
                       for role, user in world.users.items()}
            cache.clear()  # the token requests' throttle
            schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, app, headers=headers["coach"])
            make_reminders(world)
            plan_group_sessions(world)
            known = {"code": sorted(Programme.objects.values_list("code", flat=True)), **_known_ids()}
            yield Api(app, schema, headers, known)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _known_parameters(path: str, known: dict[str, list]) -> dict[str, list] | None:
    """The values of each path parameter that name a record of the world: a programme's code, or the id of
    a record of the kind the path is about (/api/v1/referrals/{id}/accept/: the referrals' ids)."""
    names = re.findall(r"{(\w+)}", path)
    kind = path.removeprefix("/api/v1/").split("/")[0]
    values = {}
    for name in names:
        if name == "code":
            values[name] = known["code"]
        elif name in ("id", "pk") and known.get(kind):
            values[name] = known[kind]
        else:
            return None
    return values or None


def _strategy(operation, known: dict[str, list]):
    """Valid and invalid requests, and valid ones addressed to the world's records (a random id rarely
    names one, and then the answers in scope, with their bodies, would go unchecked)."""
    variants = [operation.as_strategy(generation_mode=mode) for mode in GenerationMode]
    values = _known_parameters(operation.path, known)
    if values:
        addressed = [dict(zip(values, combination, strict=True))
                     for combination in itertools.product(*values.values())]
        variants.append(st.sampled_from(addressed).flatmap(
            lambda parameters: operation.as_strategy(path_parameters=parameters)))
    return st.one_of(variants)


GENERATION = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def examples_of(api: Api, method: str, path: str) -> list:
    """The operation's examples, generated once and sent by every audience (generating is as slow as
    sending, and the same requests make the audiences' answers comparable)."""
    key = (method, path)
    if key not in api.examples:
        operation = api.schema[path][method]
        drawn = []

        @GENERATION
        @given(case=_strategy(operation, api.known))
        def draw(case):
            drawn.append(case)

        draw()
        api.examples[key] = drawn
    return api.examples[key]


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{method} {path}" for method, path in OPERATIONS])
@pytest.mark.parametrize("audience", ROLES)
def test_every_answer_is_no_server_error_and_keeps_to_the_schema(api, audience, method, path):
    headers = api.headers[audience]
    answers = set()

    for case in examples_of(api, method, path):
        cache.clear()  # throttles count per client: every request meets them afresh
        with transaction.atomic():
            answers.add(case.call_and_validate(headers=headers, checks=CHECKS).status_code)
            transaction.set_rollback(True)

    if audience == "admin" and method == "GET":
        # The admin reads everything: some of the requests reached a record, and its body was checked.
        assert 200 in answers, f"no request of GET {path} answered 200 to the admin: {sorted(answers)}"


def test_the_schema_served_lists_every_operation_tested(api):
    paths = api.schema.raw_schema["paths"]
    served = sorted((method.upper(), path) for path, item in paths.items() for method in item
                    if method in HTTP_METHODS and path != SCHEMA_PATH)

    assert served == OPERATIONS
    assert len(OPERATIONS) > 30  # the whole API: tokens, programmes, people, trajectories, sessions, ...
