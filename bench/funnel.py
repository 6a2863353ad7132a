"""Benchmark: the funnel report over N participants (100,000 by default) against one hand-written query.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casemgmt_bench_funnel .venv/bin/python bench/funnel.py

The database's name must contain "bench": the script creates it when it is missing, migrates it and
fills it with bench/generate.py's participants (no sessions or referrals: the report does not read them);
a later run with the same --participants reuses them, another number refills them (--drop removes the
database at the end). Each participant has a postcode spread over Belgium (2070 and 1000 included, 3%
unknown) and one OVV trajectory whose phases funnel down: everyone entered phase 1, about half phase 2,
a quarter phase 3, a sixth phase 4, dated within the programme.

`funnel_report` is first checked against the query at several dates (the script stops at the first
difference), then both are timed as of --as-of: one warm-up, then the best of --runs.
"""

import argparse
import dataclasses
import datetime
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.database import database_drop, server_version  # noqa: E402
from bench.generate import Sizes, generate  # noqa: E402
from bench.timing import best_of  # noqa: E402
from casemgmt.models import Programme, Region  # noqa: E402
from reports.funnel import PHASES, UNKNOWN, funnel_report  # noqa: E402
from trajectories.models import PhaseEntry  # noqa: E402

D = datetime.date
AS_OF = D(2018, 10, 31)  # OVV's last day: every phase entry counts
# Period ends and a date after 2070 moved from Antwerpen to Oost-Vlaanderen (2025-01-01).
CHECK_ON = (D(2017, 4, 30), D(2017, 10, 31), D(2018, 4, 30), D(2025, 6, 30))

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


def explain(statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
        for (line,) in cursor.fetchall():
            print("   ", line)


@dataclasses.dataclass(frozen=True)
class FunnelTimes:
    queries: list[dict]  # the report's, as CaptureQueriesContext saw them
    report: float  # seconds, best of the runs
    sql: float


def funnel_verify(programme: Programme, as_of: datetime.date = AS_OF, *, verbose: bool = True) -> dict:
    """Stop unless funnel_report and the SQL query agree at every date of CHECK_ON and on `as_of`;
    returns the counts as of `as_of`."""
    codes = dict(Region.objects.values_list("pk", "code"))
    for on in (*CHECK_ON, as_of):
        counts = check(programme, on, codes)
        if verbose:
            print(f"as of {on}: funnel_report = SQL")
    return counts


def funnel_time(programme: Programme, as_of: datetime.date = AS_OF, *, runs: int = 5) -> FunnelTimes:
    """The report and the SQL query as of `as_of`, each one warm-up and then the best of `runs`."""
    codes = dict(Region.objects.values_list("pk", "code"))
    with CaptureQueriesContext(connection) as captured:
        funnel_report(programme=programme, as_of=as_of)
    report_time = best_of(lambda: funnel_report(programme=programme, as_of=as_of), runs)
    sql_time = best_of(lambda: sql_counts(programme, as_of, codes), runs)
    return FunnelTimes(captured.captured_queries, report_time, sql_time)


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
    generated = generate(Sizes(participants=args.participants, sessions=0, referrals=0))
    if not generated.reused:
        print(f"filled in {generated.seconds:.1f} s")
    programme = generated.programme
    entries = PhaseEntry.objects.count()
    version = server_version()
    print(f"PostgreSQL {version}, {args.participants:,} participants, {entries:,} phase entries, "
          f"programme {programme.code}")

    counts = funnel_verify(programme, args.as_of)
    print(f"{'region':<20}" + "".join(f"{f'phase {p}':>10}" for p in PHASES))
    for code, by_phase in counts.items():
        print(f"{code:<20}" + "".join(f"{by_phase[p]:>10,}" for p in PHASES))

    times = funnel_time(programme, args.as_of, runs=args.runs)
    print(f"funnel_report runs {len(times.queries)} queries:")
    for query in times.queries:
        print(f"    {query['time']:>6} s  {query['sql'][:100]}")
    ratio = times.report / times.sql
    print(f"best of {args.runs}: funnel_report {times.report:.3f} s, SQL {times.sql:.3f} s, "
          f"ratio report/SQL {ratio:.1f}")
    if args.explain or times.report > 2:
        main_query = max(times.queries, key=lambda query: float(query["time"]))["sql"]
        print("EXPLAIN ANALYZE of the report's slowest query:")
        explain(main_query)

    line = (f"| {datetime.date.today()} | PostgreSQL {version} | {args.participants:,} | {entries:,} "
            f"| {args.as_of} | {len(times.queries)} | {times.report:.3f} s | {times.sql:.3f} s "
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
