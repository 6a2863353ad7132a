"""Benchmark: every reminder scan over N trajectories (100,000 by default): queries and time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casemgmt_bench .venv/bin/python bench/reminders_scan.py

The database's name must contain "bench": the script creates and migrates it and fills it (once) with
bench/generate.py's rows: N participants with a trajectory each (about 10% ended), 10 N sessions and 2 N
referrals. Each rule is measured three times: the first scan (creating every reminder at once, as when
the feature goes live), the same scan again (nothing new: what beat runs every 15 minutes, close pass
included) and the close pass alone (every open reminder of the rule checked against its causes).
`scan_time` does the same for all rules in one run, as the periodic job does, and `inputs_time` reads
what the scans read (each open trajectory's last contact, current phase and open referrals) in one
hand-written query: the baseline.
"""

import argparse
import datetime
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench.generate import Sizes, generate  # noqa: E402
from bench.timing import best_of, measure  # noqa: E402
from casemgmt.batches import atomic_without_jit  # noqa: E402
from reminders.closing import close_resolved  # noqa: E402
from reminders.models import Reminder, Rule  # noqa: E402
from reminders.services import reminders_run  # noqa: E402
from reminders.thresholds import programme_rules_load  # noqa: E402
from trajectories.models import Attendance, Referral, Trajectory  # noqa: E402

D = datetime.date
DAY = datetime.timedelta(days=1)
TODAY = D(2018, 10, 20)  # OVV's last period ends on 31 October: every rule has work

# What every scan reads, once: each open coached trajectory's last attended contact, current phase (and
# since when) and open referrals.
INPUTS_SQL = """
WITH contact AS (
    SELECT a.trajectory_id, max(s.held_on) AS held_on
    FROM trajectories_attendance a JOIN trajectories_session s ON s.id = a.session_id
    WHERE a.attended GROUP BY a.trajectory_id
), current AS (
    SELECT DISTINCT ON (trajectory_id) trajectory_id, phase, entered_on
    FROM trajectories_phaseentry ORDER BY trajectory_id, phase DESC
), referrals AS (
    SELECT trajectory_id, count(*) AS open
    FROM trajectories_referral WHERE status IN ('sent', 'accepted', 'in_progress') GROUP BY trajectory_id
)
SELECT count(*), min(contact.held_on), min(current.entered_on), sum(referrals.open)
FROM trajectories_trajectory t
LEFT JOIN contact ON contact.trajectory_id = t.id
LEFT JOIN current ON current.trajectory_id = t.id
LEFT JOIN referrals ON referrals.trajectory_id = t.id
WHERE t.ended_on IS NULL AND t.coach_id IS NOT NULL
"""


def no_reminders() -> None:
    """Empty the reminders table, as it is when the feature goes live: on PostgreSQL with TRUNCATE, which
    leaves no dead rows of the last run behind for the first scan to step over (DELETE elsewhere, and
    inside a transaction: the smoke test's)."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {connection.ops.quote_name(Reminder._meta.db_table)}")
    else:
        Reminder.objects.all().delete()


def rules_measure(today: datetime.date = TODAY, *, verbose: bool = True) -> list[tuple]:
    """Per rule, from no reminders: (rule, reminders made, then statements and seconds of the first scan,
    of the same scan again and of the close pass alone)."""
    no_reminders()
    rules = programme_rules_load()
    now = datetime.datetime.now(datetime.UTC)
    rows = []
    for rule in Rule.values:
        def scan(rule=rule):
            return reminders_run(today=today, rules=[rule])

        def close(rule=rule):
            with atomic_without_jit():  # as reminders_run closes
                return close_resolved(rule, today=today, rules=rules, now=now)

        first_queries, first_time = measure(scan)
        made = Reminder.objects.filter(rule=rule).count()
        again_queries, again_time = measure(scan)
        close_queries, close_time = measure(close)
        rows.append((rule, made, first_queries, first_time, again_queries, again_time, close_queries,
                     close_time))
        if verbose:
            print(f"{rule:<20}{made:>10}{first_queries:>9}{first_time:>9.2f}{again_queries:>9}"
                  f"{again_time:>9.2f}{close_queries:>9}{close_time:>9.2f}")
    return rows


def scan_time(today: datetime.date = TODAY) -> dict:
    """Every rule in one run, as the periodic job runs them: first from no reminders, then again at once,
    then again once the reminders table is vacuumed and analysed, as autovacuum does within a minute or
    so of the first scan's inserts (the state beat's next run, 15 minutes on, finds)."""
    no_reminders()
    first_queries, first_time = measure(lambda: reminders_run(today=today))
    made = Reminder.objects.count()
    again_queries, again_time = measure(lambda: reminders_run(today=today))
    table = connection.ops.quote_name(Reminder._meta.db_table)
    with connection.cursor() as cursor:
        # VACUUM runs outside a transaction only (the smoke test runs inside one): ANALYZE alone there.
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        cursor.execute(f"VACUUM ANALYZE {table}" if vacuum else f"ANALYZE {table}")
    settled_queries, settled_time = measure(lambda: reminders_run(today=today))
    return {"reminders": made, "first_queries": first_queries, "first": first_time,
            "again_queries": again_queries, "again": again_time,
            "settled_queries": settled_queries, "settled": settled_time}


def inputs_time() -> float:
    """INPUTS_SQL, one warm-up then the best of three."""
    def run():
        with connection.cursor() as cursor:
            cursor.execute(INPUTS_SQL)
            cursor.fetchall()

    return best_of(run, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trajectories", type=int, default=100_000)
    args = parser.parse_args()
    count = args.trajectories
    generated = generate(Sizes.scaled(count))
    if not generated.reused:
        print(f"filled in {generated.seconds:.0f} s")
    trajectories = Trajectory.objects.all()
    print(f"{connection.vendor}, {trajectories.filter(ended_on__isnull=True).count()} open trajectories, "
          f"{trajectories.exclude(ended_on=None).count()} ended, {Attendance.objects.count()} contacts, "
          f"{Referral.objects.count()} referrals; scans as of {TODAY}")
    print(f"{'rule':<20}{'reminders':>10}{'queries':>9}{'first s':>9}{'queries':>9}{'again s':>9}"
          f"{'queries':>9}{'close s':>9}")
    rules_measure()
    print(f"reading the scans' inputs in one query: {inputs_time():.2f} s")


if __name__ == "__main__":
    main()
