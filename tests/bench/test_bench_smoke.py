"""The benchmarks must not rot: the generator and every measurement run at a tiny size (no timings are
checked; those live in BENCHMARKS.md)."""

import pytest
from django.test import Client

from bench import funnel, imports, lists, reminders_scan
from bench.generate import Sizes, counts, generate
from casemgmt.identifiers import identifier_decrypt, identifier_hash, national_number_clean
from casemgmt.models import User
from trajectories.models import Participant, PhaseEntry

pytestmark = pytest.mark.postgres

SIZES = Sizes(participants=50, sessions=500, referrals=100)


@pytest.fixture
def generated(postgres, settings):
    settings.ROOT_URLCONF = "bench.bare"
    return generate(SIZES, migrate=False)


def test_generator_writes_the_requested_rows(generated):
    found = counts()
    # 490 individual contacts with one attendance each, 10 group sessions with 10 people each.
    assert (found["participant"], found["trajectory"], found["session"], found["referral"],
            found["attendance"]) == (50, 50, 500, 100, 590)
    assert PhaseEntry.objects.filter(phase=1).count() == 50, "every trajectory entered phase 1"
    numbered = list(Participant.objects.exclude(national_number_encrypted=""))
    assert len(numbered) == 45, "9 people in 10 have a number"
    for person in numbered:  # as a registration would store it
        number = identifier_decrypt(person.national_number_encrypted)
        assert national_number_clean(number) == (number, person.national_number_kind)
        assert person.national_number_hash == identifier_hash(number)
    assert {person.national_number_kind for person in numbered} == {"nn", "bis"}
    assert generate(SIZES, migrate=False).reused, "a second run with the same sizes reuses the rows"


def test_bare_views_return_the_rows_the_app_shows(generated):
    caseload, participants = lists.endpoints(generated.coach, generated.password)

    page = lists.fetch(caseload.path, caseload.headers)
    bare = lists.fetch(caseload.bare_path, {}).json()
    assert [row.pk for row in page.context["rows"]] == [row["id"] for row in bare["results"]]
    assert bare["results"], "the measured coach has a caseload"

    api = lists.fetch(participants.path, participants.headers).json()
    bare = lists.fetch(participants.bare_path, {}).json()
    assert [person["id"] for person in api["results"]] == [person["id"] for person in bare["results"]]
    assert api["count"] == bare["count"] > 0
    assert set(api["results"][0]) == set(bare["results"][0]), "same columns"
    masked = [person["national_number_masked"] for person in api["results"]]
    assert masked == [person["national_number_masked"] for person in bare["results"]]
    assert any(masked) and all(number.startswith("••") for number in masked if number)

    # Without the session the page's twins send to the sign-in page; without the token the API's refuse.
    for endpoint, refused in ((caseload, 302), (participants, 401)):
        bare = lists.fetch(endpoint.bare_path, {}).json()
        signed_in = lists.fetch(endpoint.signed_in_path, endpoint.headers).json()
        assert signed_in == bare, "the bare rows, once signed in"
        # The app's selectors read exactly what the bare SQL reads: every row, column and value.
        assert lists.fetch(endpoint.read_by_app_path, endpoint.headers).json() == bare
        for path in (endpoint.signed_in_path, endpoint.read_by_app_path):
            assert Client(HTTP_HOST=lists.HOST).get(path).status_code == refused

    measured = lists.in_process(participants.path, participants.headers, requests=2)
    assert measured["queries"] > 1 and measured["p95_ms"] >= measured["p50_ms"] > 0


def test_funnel_and_reminder_measurements_run(generated):
    funnel.funnel_verify(generated.programme, verbose=False)  # stops the run when they differ
    times = funnel.funnel_time(generated.programme, runs=1)
    assert len(times.queries) > 0 and times.report > 0 and times.sql > 0

    scan = reminders_scan.scan_time()
    assert scan["reminders"] > 0 and scan["again"] > 0 and scan["settled"] > 0
    assert reminders_scan.inputs_time() > 0


def test_import_file_is_accepted_by_the_import(generated, tmp_path):
    participants = pytest.importorskip("trajectories.imports")

    path = tmp_path / "participants.csv"
    imports.write_rows(path, 20)
    report = participants.participants_import(
        file=path.read_bytes(), filename=path.name, programme=generated.programme,
        by=User.objects.get(username=imports.COORDINATOR), dry_run=True,
    )
    assert (report.refused, report.valid) == ([], 20)
