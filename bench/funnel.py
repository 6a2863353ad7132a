"""Benchmark: the funnel report over N participants (100,000 by default) against one hand-written query.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casemgmt_bench_funnel .venv/bin/python bench/funnel.py

The database's name must contain "bench": the script creates it when it is missing, migrates it and
fills it with synthetic participants written in SQL, past the audit trail, which a benchmark does not
need; a later run with the same --participants reuses them, another number refills them (--drop removes
the database at the end). Each participant has a postcode spread over Belgium (2070 and 1000 included,
3% unknown) and one OVV trajectory whose phases funnel down: everyone entered phase 1, about half phase
2, a quarter phase 3, a sixth phase 4, dated within the programme.

`funnel_report` is first checked against the query at several dates (the script stops at the first
difference), then both are timed as of --as-of: one warm-up, then the best of --runs.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt.settings.test")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from psycopg import sql  # noqa: E402

from casemgmt.models import Programme, Region, User  # noqa: E402
from partners.services import programme_seed_file, programme_seed_load  # noqa: E402
from reports.funnel import PHASES, UNKNOWN, funnel_report  # noqa: E402
from trajectories.models import Participant, PhaseEntry  # noqa: E402

D = datetime.date
AS_OF = D(2018, 10, 31)  # OVV's last day: every phase entry counts
# Period ends and a date after 2070 moved from Antwerpen to Oost-Vlaanderen (2025-01-01).
CHECK_ON = (D(2017, 4, 30), D(2017, 10, 31), D(2018, 4, 30), D(2025, 6, 30))

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

# The figures straight from the tables. A participant reached phase k by the date when they have an
# entry of phase k or higher by then, so their highest phase by then decides; their region is the
# narrowest postcode range valid on the date (between equally narrow ones the newest, undated last).
FUNNEL_SQL = """
WITH reached AS (
    SELECT t.participant_id, max(e.phase) AS phase
    FROM trajectories_phaseentry e
    JOIN trajectories_trajectory t ON t.id = e.trajectory_id
    WHERE t.programme_id = %(programme)s AND e.entered_on <= %(as_of)s
    GROUP BY t.participant_id
)
SELECT region.region_id,
       count(*) FILTER (WHERE r.phase >= 1),
       count(*) FILTER (WHERE r.phase >= 2),
       count(*) FILTER (WHERE r.phase >= 3),
       count(*) FILTER (WHERE r.phase >= 4)
FROM reached r
JOIN trajectories_participant p ON p.id = r.participant_id
LEFT JOIN LATERAL (
    SELECT pr.region_id
    FROM casemgmt_postcoderange pr
    WHERE p.postcode BETWEEN pr.first AND pr.last
      AND (pr.valid_from IS NULL OR pr.valid_from <= %(as_of)s)
      AND (pr.valid_until IS NULL OR pr.valid_until >= %(as_of)s)
    ORDER BY pr.last - pr.first, pr.valid_from DESC NULLS LAST
    LIMIT 1
) region ON true
GROUP BY region.region_id
"""


def maintenance_connection() -> psycopg.Connection:
    """A connection to the server's "postgres" database, from which ours can be created and dropped."""
    settings = connection.settings_dict
    return psycopg.connect(dbname="postgres", host=settings["HOST"] or None, port=settings["PORT"] or None,
                           user=settings["USER"] or None, password=settings["PASSWORD"] or None,
                           autocommit=True)


def database_ensure() -> None:
    """Create the benchmark database when it does not exist yet (Django cannot connect before)."""
    settings = connection.settings_dict
    with maintenance_connection() as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [settings["NAME"]]).fetchone():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(settings["NAME"])))
            print(f"created database {settings['NAME']}")


def database_drop() -> None:
    settings = connection.settings_dict
    connection.close()
    with maintenance_connection() as admin:
        admin.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(settings["NAME"])))
    print(f"dropped database {settings['NAME']}")


def fill(count: int, programme: Programme) -> None:
    """Participants, trajectories and phase entries in three INSERT ... SELECTs (seeded, so repeatable)."""
    recorder = models.QuerySet(User).get_or_create(username="bench.funnel",
                                                   defaults={"email": "funnel@example.org"})[0]
    start, end = programme.starts_on, programme.ends_on
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE trajectories_participant, trajectories_trajectory, trajectories_phaseentry"
                       " CASCADE")
        cursor.execute("SELECT setseed(0.2016)")
        cursor.execute(
            """
            INSERT INTO trajectories_participant (
                first_name, last_name, name_key, birth_year, gender, nationality, residence_status,
                languages, dutch_level, education, labour_market_status, postcode, email, phone,
                business_idea, national_number_encrypted, national_number_hash, national_number_kind,
                created_at)
            SELECT 'First' || n, 'Last' || n, 'first' || n || ' last' || n, 1970 + n %% 35,
                   CASE WHEN n %% 3 = 0 THEN 'female' ELSE 'male' END, 'SY', 'recognised', '["ar"]',
                   'A2', 'isced_3_4', 'unemployed',
                   CASE WHEN random() < 0.03 THEN NULL
                        ELSE (%(postcodes)s::smallint[])[1 + floor(random() * %(places)s)::int] END,
                   '', '', '', '', '', '', now()
            FROM generate_series(1, %(count)s) AS n
            """,
            {"postcodes": POSTCODES, "places": len(POSTCODES), "count": count},
        )
        cursor.execute(
            """
            INSERT INTO trajectories_trajectory (
                participant_id, programme_id, outcome, enterprise_number, occupation)
            SELECT id, %s, '', '', '' FROM trajectories_participant ORDER BY id
            """,
            [programme.pk],
        )
        # Highest phase: 4 for 17%, 3 for 8%, 2 for 25%, 1 for the other half. Entered phase 1 on a
        # day of the programme, each next phase 1 to 8 weeks later (at the latest on its last day).
        cursor.execute(
            """
            INSERT INTO trajectories_phaseentry (trajectory_id, phase, entered_on, recorded_by_id,
                                                 recorded_at)
            SELECT t.id, k, LEAST(t.started + (k - 1) * t.gap, %(end)s), %(recorder)s, now()
            FROM (
                SELECT id, u,
                       %(start)s::date + floor(random() * (%(end)s::date - %(start)s::date + 1))::int
                           AS started,
                       7 + floor(random() * 50)::int AS gap
                FROM (SELECT id, random() AS u FROM trajectories_trajectory ORDER BY id) drawn
            ) t
            CROSS JOIN LATERAL generate_series(
                1, CASE WHEN t.u < 0.17 THEN 4 WHEN t.u < 0.25 THEN 3 WHEN t.u < 0.50 THEN 2 ELSE 1 END
            ) AS k
            """,
            {"start": start, "end": end, "recorder": recorder.pk},
        )
    with connection.cursor() as cursor:  # outside the transaction: VACUUM cannot run inside one
        cursor.execute("VACUUM ANALYZE trajectories_participant, trajectories_trajectory, "
                       "trajectories_phaseentry")


def sql_counts(programme: Programme, as_of: datetime.date, codes: dict[int, str]) -> dict:
    """{region code or "unknown": {phase: count}} from FUNNEL_SQL, every region present."""
    with connection.cursor() as cursor:
        cursor.execute(FUNNEL_SQL, {"programme": programme.pk, "as_of": as_of})
        found = {codes[region] if region is not None else UNKNOWN: dict(zip(PHASES, counts, strict=True))
                 for region, *counts in cursor.fetchall()}
    return {code: found.get(code, dict.fromkeys(PHASES, 0)) for code in [*codes.values(), UNKNOWN]}


def check(programme: Programme, as_of: datetime.date, codes: dict[int, str]) -> dict:
    report = funnel_report(programme=programme, as_of=as_of).exact["rows"]
    expected = sql_counts(programme, as_of, codes)
    if report != expected:
        lines = [f"  {code:<20} report {report.get(code)}  sql {expected.get(code)}"
                 for code in expected if report.get(code) != expected.get(code)]
        sys.exit(f"MISMATCH as of {as_of}: funnel_report and the SQL query disagree\n" + "\n".join(lines))
    return report


def best_of(run, runs: int) -> float:
    """One warm-up, then the fastest of `runs` (the least disturbed by anything else on the machine)."""
    run()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return min(times)


def explain(statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
        for (line,) in cursor.fetchall():
            print("   ", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--as-of", type=D.fromisoformat, default=AS_OF, help="date of the timed report")
    parser.add_argument("--runs", type=int, default=5, help="timed runs after the warm-up (best counts)")
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN ANALYZE of the report's main query (always when it takes > 2 s)")
    parser.add_argument("--results", type=Path, help="also append the results line to this file")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args()
    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the benchmark fills it in PostgreSQL's SQL.")
    if "bench" not in name:
        sys.exit(f"Refusing to fill the database {name!r}: its name must contain 'bench'.")
    database_ensure()
    call_command("migrate", verbosity=0)
    programme = programme_seed_load(data=programme_seed_file("ovv"))
    if Participant.objects.count() != args.participants:
        began = time.perf_counter()
        fill(args.participants, programme)
        print(f"filled in {time.perf_counter() - began:.1f} s")
    entries = PhaseEntry.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
    print(f"PostgreSQL {version}, {args.participants:,} participants, {entries:,} phase entries, "
          f"programme {programme.code}")

    codes = dict(Region.objects.values_list("pk", "code"))
    for on in CHECK_ON:
        check(programme, on, codes)
        print(f"as of {on}: funnel_report = SQL")
    counts = check(programme, args.as_of, codes)
    print(f"as of {args.as_of}: funnel_report = SQL")
    print(f"{'region':<20}" + "".join(f"{f'phase {p}':>10}" for p in PHASES))
    for code, by_phase in counts.items():
        print(f"{code:<20}" + "".join(f"{by_phase[p]:>10,}" for p in PHASES))

    with CaptureQueriesContext(connection) as captured:
        funnel_report(programme=programme, as_of=args.as_of)
    print(f"funnel_report runs {len(captured.captured_queries)} queries:")
    for query in captured.captured_queries:
        print(f"    {query['time']:>6} s  {query['sql'][:100]}")
    report_time = best_of(lambda: funnel_report(programme=programme, as_of=args.as_of), args.runs)
    sql_time = best_of(lambda: sql_counts(programme, args.as_of, codes), args.runs)
    ratio = report_time / sql_time
    print(f"best of {args.runs}: funnel_report {report_time:.3f} s, SQL {sql_time:.3f} s, "
          f"ratio report/SQL {ratio:.1f}")
    if args.explain or report_time > 2:
        main_query = max(captured.captured_queries, key=lambda query: float(query["time"]))["sql"]
        print("EXPLAIN ANALYZE of the report's slowest query:")
        explain(main_query)

    line = (f"| {datetime.date.today()} | PostgreSQL {version} | {args.participants:,} | {entries:,} "
            f"| {args.as_of} | {len(captured.captured_queries)} | {report_time:.3f} s | {sql_time:.3f} s "
            f"| {ratio:.1f} |")
    print("results line (bench/README.md):")
    print(line)
    if args.results:
        with args.results.open("a", encoding="utf-8") as results:
            results.write(line + "\n")
    if args.drop:
        database_drop()


if __name__ == "__main__":
    main()
