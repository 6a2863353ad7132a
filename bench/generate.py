"""Benchmark data: participants, trajectories, phases, sessions with attendances and referrals, in SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casemgmt_bench .venv/bin/python bench/generate.py \
        [--participants 100000] [--sessions 1000000] [--referrals 200000]

The database's name must contain "bench": the generator creates it when it is missing, migrates it, loads
the OVV seed programme and fills it with INSERT ... SELECT generate_series, past the audit trail (which a
benchmark does not need). The rows are seeded, so the same sizes give the same rows, and remembered in the
table bench_generation: a later run with the same sizes reuses them, other sizes refill the case tables.

What it writes (P participants, S sessions, R referrals):
- one OVV trajectory per participant; about 10% ended. Every participant entered phase 1, about 50%
  phase 2, 25% phase 3 and 17% phase 4, dated within the programme (2016-11-01 to 2018-10-31); postcodes
  spread over Belgium (1000 and 2070 among them, 3% unknown); every 7th person lacks the education
  (an incomplete ESF record);
- P / 250 coaches at Stebo (own caseloads, not shared): `bench.coach0` coaches twice the average, about
  500 trajectories at 100,000 participants, the "largest caseload" the pages are measured for; a partner
  specialist at each organisation offering a specialisation, and a coordinator;
- S sessions: 98% individual contacts (one attendance each, 90% attended), about 9.8 per trajectory a week
  or more apart; 2% info and theme sessions spread over the programme, ten attendances each;
- R referrals spread over the trajectories (at most one open per specialisation): 10% sent, 5%
  accepted, 10% in progress, the rest completed, declined, stopped or withdrawn with a closing date.
- a national register or BIS number for 9 people in 10 (valid, encrypted and hashed as the app stores
  them: a list of people decrypts each to show it masked), half of them BIS numbers, with the birth date
  they hold. Encrypted under the settings' IDENTIFIER_KEYS: bench/run.py's and the development default
  are the same key, so rows this script writes alone (test settings) open in `make bench` too; their
  keyed hashes (IDENTIFIER_HASH_KEY, which no benchmark searches by) differ;
Not written: consents, screenings, referral steps and results, history rows.
"""

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402

from bench.database import bench_database_check, database_ensure  # noqa: E402
from bench.imports import number_for  # noqa: E402
from casemgmt.identifiers import identifier_encrypt, identifier_hash, national_number_clean  # noqa: E402
from casemgmt.models import Programme, User  # noqa: E402
from partners.models import Organisation, SpecialisationOffer, StaffMember  # noqa: E402
from partners.services import programme_seed_file, programme_seed_load  # noqa: E402

SEED = 0.2016
# Where the synthetic participants live: a postcode per place, repeated by weight (Antwerpen, where
# most OVV participants lived, most often). Every region is there; 1000 and 2070 are.
POSTCODES = (
    [1000] * 6 + [1030, 1070, 1080, 1210] * 2        # Brussel
    + [1300, 1348, 4000, 5000, 6000, 7000]          # outside Flanders
    + [1500, 1800, 1930, 3000, 3010]                # Vlaams-Brabant
    + [2000] * 8 + [2018, 2060, 2100, 2140] * 3 + [2070] * 3 + [2300, 2800, 2900]  # Antwerpen
    + [9000] * 4 + [9100, 9200, 9300, 9400]         # Oost-Vlaanderen
    + [8000, 8400, 8500, 8800]                      # West-Vlaanderen
    + [3500, 3600, 3700]                            # Limburg
)
PARTICIPANTS_PER_COACH = 250
GROUP_SHARE = 50  # one session in 50 is an info or theme session
GROUP_SIZE = 10
COACH_ORGANISATION = "stebo"
PASSWORD = "bench-coach-0-password"  # bench.coach0's, for the API token; nothing else signs in
# What a generation writes beyond its sizes and seed: a database of an older version is filled again.
# 2: identifiers.
VERSION = 2
WITHOUT_IDENTIFIER = 10  # every 10th person has no national register or BIS number yet
CASE_TABLES = (
    "trajectories_participant", "trajectories_trajectory", "trajectories_phaseentry",
    "trajectories_session", "trajectories_attendance", "trajectories_referral",
)


@dataclasses.dataclass(frozen=True)
class Sizes:
    participants: int = 100_000
    sessions: int = 1_000_000
    referrals: int = 200_000

    @classmethod
    def scaled(cls, participants: int, sessions: int | None = None, referrals: int | None = None) -> "Sizes":
        """`participants`, with 10 sessions and 2 referrals each unless told otherwise."""
        return cls(participants, 10 * participants if sessions is None else sessions,
                   2 * participants if referrals is None else referrals)


@dataclasses.dataclass(frozen=True)
class Generated:
    """What a benchmark needs to know of the rows: the programme, and the coach with the largest caseload."""

    sizes: Sizes
    programme: Programme
    coach: User
    password: str
    reused: bool
    seconds: float


def _users(count: int, prefix: str, email: str) -> list[User]:
    """The users `prefix`0 .. `prefix`{count-1}, created when missing (past the audited manager)."""
    names = [f"{prefix}{n}" for n in range(count)]
    found = {user.username: user for user in models.QuerySet(User).filter(username__in=names)}
    missing = [User(username=name, email=email.format(name=name), password="!") for name in names
               if name not in found]
    for user in models.QuerySet(User).bulk_create(missing):
        found[user.username] = user
    return [found[name] for name in names]


def _staff(users: list[User], organisation: Organisation, role: str) -> None:
    have = set(models.QuerySet(StaffMember).filter(user__in=users).values_list("user_id", flat=True))
    models.QuerySet(StaffMember).bulk_create(
        [StaffMember(user=user, organisation=organisation, role=role)
         for user in users if user.pk not in have]
    )


def staff_ensure(participants: int) -> list[User]:
    """The coaches (bench.coach0 first), a partner specialist at each organisation offering a specialisation
    in OVV and a coordinator; returns the coaches."""
    organisation = Organisation.objects.get(code=COACH_ORGANISATION)
    coaches = _users(max(2, participants // PARTICIPANTS_PER_COACH), "bench.coach", "{name}@example.org")
    _staff(coaches, organisation, StaffMember.Role.COACH)
    _staff(_users(1, "bench.coordinator", "{name}@example.org"), organisation, StaffMember.Role.COORDINATOR)
    for code in sorted(set(SpecialisationOffer.objects.values_list("organisation__code", flat=True))):
        partner = Organisation.objects.get(code=code)
        _staff(_users(1, f"bench.partner.{code}.", "{name}@example.org"), partner,
               StaffMember.Role.PARTNER_SPECIALIST)
    coach = coaches[0]
    if not coach.check_password(PASSWORD):
        coach.set_password(PASSWORD)
        models.QuerySet(User).filter(pk=coach.pk).update(password=coach.password)
    return coaches


def _generated(cursor) -> tuple | None:
    cursor.execute("CREATE TABLE IF NOT EXISTS bench_generation (participants integer, sessions integer, "
                   "referrals integer, seed double precision, generated_at timestamptz)")
    cursor.execute("ALTER TABLE bench_generation ADD COLUMN IF NOT EXISTS version integer")
    cursor.execute("SELECT participants, sessions, referrals, seed, version FROM bench_generation")
    return cursor.fetchone()


def fill(sizes: Sizes, programme: Programme, coaches: list[User]) -> None:
    """Every case table emptied, then filled in a handful of INSERT ... SELECTs (seeded, so repeatable).
    Ids are given (1 .. N, identities restarted), so sessions and their attendances are written apart."""
    # One organisation per specialisation (the first offering it), so k < offers means a new one.
    offers = {}
    for specialisation, organisation in (SpecialisationOffer.objects.filter(programme=programme)
                                         .order_by("specialisation__code", "organisation__code")
                                         .values_list("specialisation_id", "organisation_id")):
        offers.setdefault(specialisation, organisation)
    offers = list(offers.items())
    params = {
        "P": sizes.participants, "S": sizes.sessions, "R": sizes.referrals, "seed": SEED,
        "postcodes": POSTCODES, "places": len(POSTCODES), "programme": programme.pk,
        "start": programme.starts_on, "end": programme.ends_on,
        "coaches": [coach.pk for coach in coaches], "C": len(coaches),
        "groups": sizes.sessions // GROUP_SHARE, "group_size": min(GROUP_SIZE, sizes.participants),
        "specialisations": [s for s, _ in offers], "organisations": [o for _, o in offers],
        "offers": len(offers),
    }
    statements = [
        # The reminders too: their keys carry no constraint for CASCADE to follow (reminders.models).
        "TRUNCATE " + ", ".join((*CASE_TABLES, "reminders_reminder")) + " RESTART IDENTITY CASCADE",
        "DROP TABLE IF EXISTS bench_draw",
        "SELECT setseed(%(seed)s)",
        # Each trajectory's draws: its highest phase (u), the day it entered phase 1, the weeks between
        # phases, and whether (and how long after its last phase) it ended.
        """
        CREATE TEMPORARY TABLE bench_draw ON COMMIT DROP AS
        SELECT n, top, started, gap, coach,
               CASE WHEN ends < 0.10 THEN LEAST(started + (top - 1) * gap + 30 + floor(ends * 1200)::int,
                                                %(end)s::date) END AS ended
        FROM (
            SELECT n,
                   CASE WHEN u < 0.17 THEN 4 WHEN u < 0.25 THEN 3 WHEN u < 0.50 THEN 2 ELSE 1 END AS top,
                   %(start)s::date + floor(random() * (%(end)s::date - %(start)s::date + 1))::int AS started,
                   7 + floor(random() * 50)::int AS gap,
                   random() AS ends,
                   -- bench.coach0 takes two shares of (C + 1), the others one each.
                   (%(coaches)s::bigint[])[1 + GREATEST(0, n %% (%(C)s + 1) - 1)] AS coach
            FROM (SELECT n, random() AS u FROM generate_series(1, %(P)s) AS n) drawn
        ) d
        """,
        "ALTER TABLE bench_draw ADD PRIMARY KEY (n)",
        """
        INSERT INTO trajectories_participant (
            id, first_name, last_name, name_key, birth_year, gender, nationality, residence_status,
            languages, dutch_level, education, labour_market_status, postcode, email, phone,
            business_idea, national_number_encrypted, national_number_hash, national_number_kind,
            created_at)
        SELECT n, 'First' || n, 'Last' || n, 'first' || n || ' last' || n, 1970 + n %% 35,
               CASE WHEN n %% 3 = 0 THEN 'female' ELSE 'male' END, 'SY', 'recognised', '["ar"]',
               'A2', CASE WHEN n %% 7 = 0 THEN '' ELSE 'isced_3_4' END, 'unemployed',
               CASE WHEN random() < 0.03 THEN NULL
                    ELSE (%(postcodes)s::smallint[])[1 + floor(random() * %(places)s)::int] END,
               'person' || n || '@example.org', '', '', '', '', '', now()
        FROM generate_series(1, %(P)s) AS n
        """,
        """
        INSERT INTO trajectories_trajectory (id, participant_id, programme_id, coach_id, outcome,
                                             enterprise_number, occupation, ended_on)
        SELECT n, n, %(programme)s, coach, '', '', '', ended FROM bench_draw
        """,
        """
        INSERT INTO trajectories_phaseentry (trajectory_id, phase, entered_on, recorded_by_id, recorded_at)
        SELECT n, k, LEAST(started + (k - 1) * gap, %(end)s::date), coach, now()
        FROM bench_draw CROSS JOIN LATERAL generate_series(1, top) AS k
        """,
        # Individual contacts: session i is trajectory 1 + (i - 1) mod P's (k + 1)th, k = (i - 1) div P,
        # a week or more after the one before, up to the end of the trajectory or the programme.
        """
        INSERT INTO trajectories_session (id, programme_id, kind, title, held_on, duration_minutes,
                                          location, notes, coach_id)
        SELECT i, %(programme)s, 'individual', '',
               LEAST(d.started + 3 + ((i - 1) / %(P)s) * (7 + d.n %% 14), COALESCE(d.ended, %(end)s::date)),
               30 + 15 * (i %% 5), '', '', d.coach
        FROM generate_series(1, %(S)s - %(groups)s) AS i
        JOIN bench_draw d ON d.n = 1 + (i - 1) %% %(P)s
        """,
        """
        INSERT INTO trajectories_attendance (session_id, trajectory_id, attended)
        SELECT i, 1 + (i - 1) %% %(P)s, i %% 10 <> 0 FROM generate_series(1, %(S)s - %(groups)s) AS i
        """,
        # Info and theme sessions, one a day or more over the programme, ten people each.
        """
        INSERT INTO trajectories_session (id, programme_id, kind, title, held_on, duration_minutes,
                                          location, notes, coach_id)
        SELECT %(S)s - %(groups)s + g, %(programme)s, CASE WHEN g %% 2 = 0 THEN 'info' ELSE 'theme' END,
               'Session ' || g, %(start)s::date + g %% (%(end)s::date - %(start)s::date + 1), 120,
               'Room ' || g %% 7, '', (%(coaches)s::bigint[])[1 + g %% %(C)s]
        FROM generate_series(1, %(groups)s) AS g
        """,
        """
        INSERT INTO trajectories_attendance (session_id, trajectory_id, attended)
        SELECT %(S)s - %(groups)s + g, 1 + ((g * %(group_size)s + a) * 7919::bigint) %% %(P)s, a %% 5 <> 0
        FROM generate_series(1, %(groups)s) AS g CROSS JOIN generate_series(1, %(group_size)s) AS a
        ON CONFLICT DO NOTHING
        """,
        # Referral j is about trajectory 1 + (j - 1) mod P, its (k + 1)th, to the (t + k)th offer, so a
        # trajectory's open referrals all go to different specialisations.
        """
        INSERT INTO trajectories_referral (id, trajectory_id, specialisation_id, organisation_id, question,
                                           status, sent_on, closed_on, reason, feedback,
                                           consent_override_reason, referred_by_id)
        SELECT j, t, (%(specialisations)s::bigint[])[1 + (t + k) %% %(offers)s],
               (%(organisations)s::bigint[])[1 + (t + k) %% %(offers)s], 'Question ' || j, status, sent_on,
               CASE WHEN status IN ('sent', 'accepted', 'in_progress') THEN NULL
                    ELSE LEAST(sent_on + 10 + (j %% 60), %(end)s::date) END,
               '', '', '', coach
        FROM (
            SELECT j, t, k, d.coach,
                   LEAST(d.started + 30 + 20 * k + floor(random() * 60)::int, %(end)s::date) AS sent_on,
                   CASE WHEN k >= %(offers)s THEN 'completed'
                        ELSE (ARRAY['sent', 'sent', 'accepted', 'in_progress', 'in_progress', 'completed',
                                    'completed', 'completed', 'completed', 'completed', 'completed',
                                    'declined', 'declined', 'declined', 'stopped', 'stopped', 'stopped',
                                    'withdrawn', 'withdrawn', 'withdrawn'])[1 + floor(random() * 20)::int]
                   END AS status
            FROM generate_series(1, %(R)s) AS j
            CROSS JOIN LATERAL (SELECT 1 + (j - 1) %% %(P)s AS t, (j - 1) / %(P)s AS k) AS place
            JOIN bench_draw d ON d.n = place.t
        ) r
        """,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, params)
        _identifiers_fill(cursor, sizes.participants)
        for table in CASE_TABLES:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"GREATEST(1, (SELECT max(id) FROM {table})))")
        cursor.execute("DELETE FROM bench_generation")
        cursor.execute("INSERT INTO bench_generation VALUES (%(P)s, %(S)s, %(R)s, %(seed)s, now(), "
                       "%(version)s)", {**params, "version": VERSION})


def identifier_of(n: int) -> tuple[str, str, int, int]:
    """Person n's number (compact), its kind as national_number_clean names it, and the birth month and
    day it holds: born in the year the generator gives them (1970 + n % 35), on a day drawn from n, a BIS
    number for every other one; distinct for every n below 418,740. national_number_clean (python-stdnum)
    checks it as a registration would, so the generator cannot write one the app would refuse."""
    month, day = 1 + n % 12, 1 + n % 28
    number, kind = national_number_clean(number_for(1970 + n % 35, month, day, 1 + n % 997, bis=n % 2 == 0))
    return number, kind, month, day


def _identifiers_fill(cursor, participants: int) -> None:
    """The numbers of the people who have one, with their birth month and day (identifier_of), streamed
    with COPY into a scratch table and set in one UPDATE."""
    cursor.execute("CREATE TEMPORARY TABLE bench_identifier (id integer PRIMARY KEY, encrypted text, "
                   "hashed text, kind text, month smallint, day smallint) ON COMMIT DROP")
    with cursor.cursor.copy("COPY bench_identifier FROM STDIN") as copy:
        for n in range(1, participants + 1):
            if n % WITHOUT_IDENTIFIER:
                number, kind, month, day = identifier_of(n)
                copy.write_row((n, identifier_encrypt(number), identifier_hash(number), kind, month, day))
    cursor.execute("""
        UPDATE trajectories_participant p
        SET national_number_encrypted = i.encrypted, national_number_hash = i.hashed,
            national_number_kind = i.kind, birth_month = i.month, birth_day = i.day
        FROM bench_identifier i WHERE i.id = p.id
    """)


def analyze() -> None:
    """Fresh statistics (and, outside a transaction, the visibility map index-only scans rely on)."""
    with connection.cursor() as cursor:
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        cursor.execute(f"{command} " + ", ".join(CASE_TABLES))


def generate(sizes: Sizes, *, migrate: bool = True) -> Generated:
    """The rows of `sizes` in the benchmark database: reused when a run with the same sizes wrote them."""
    bench_database_check()
    if migrate:
        database_ensure()
        call_command("migrate", verbosity=0)
    began = time.perf_counter()
    programme = programme_seed_load(data=programme_seed_file("ovv"))
    coaches = staff_ensure(sizes.participants)
    with connection.cursor() as cursor:
        done = _generated(cursor)
        cursor.execute("SELECT count(*) FROM trajectories_participant")
        present = cursor.fetchone()[0]
    wanted = (sizes.participants, sizes.sessions, sizes.referrals, SEED, VERSION)
    reused = done == wanted and present == sizes.participants
    if not reused:
        fill(sizes, programme, coaches)
        analyze()
    return Generated(sizes, programme, coaches[0], PASSWORD, reused, time.perf_counter() - began)


def counts() -> dict[str, int]:
    """Rows per case table (exact)."""
    with connection.cursor() as cursor:
        found = {}
        for table in CASE_TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")
            found[table.removeprefix("trajectories_")] = cursor.fetchone()[0]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=Sizes.participants)
    parser.add_argument("--sessions", type=int, help="10 per participant unless given")
    parser.add_argument("--referrals", type=int, help="2 per participant unless given")
    args = parser.parse_args()
    generated = generate(Sizes.scaled(args.participants, args.sessions, args.referrals))
    print(f"{'reused' if generated.reused else 'generated'} in {generated.seconds:.1f} s: "
          + ", ".join(f"{count:,} {table}" for table, count in counts().items()))


if __name__ == "__main__":
    main()
