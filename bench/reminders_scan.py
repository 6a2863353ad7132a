"""Benchmark: every reminder scan over N open trajectories (100,000 by default): queries and time.

    createdb -h 127.0.0.1 -U postgres casemgmt_bench   # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casemgmt_bench .venv/bin/python bench/reminders_scan.py

The database's name must contain "bench": the script migrates it and fills it (once) with synthetic
rows written in bulk, past the audit trail, which a benchmark does not need. Each rule is measured
three times: the first scan (creating every reminder at once, as when the feature goes live), the
same scan again (nothing new: what beat runs every 15 minutes, close pass included) and the close
pass alone (every open reminder of the rule checked against its causes).
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

from django.core.management import call_command  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from casemgmt.models import User  # noqa: E402
from partners.models import Organisation, Specialisation, StaffMember  # noqa: E402
from partners.services import programme_seed_file, programme_seed_load  # noqa: E402
from reminders.closing import close_resolved  # noqa: E402
from reminders.models import Reminder, Rule  # noqa: E402
from reminders.services import reminders_run  # noqa: E402
from reminders.thresholds import programme_rules_load  # noqa: E402
from trajectories.models import (  # noqa: E402
    Attendance,
    Participant,
    PhaseEntry,
    Referral,
    Session,
    Trajectory,
)

D = datetime.date
DAY = datetime.timedelta(days=1)
TODAY = D(2018, 10, 20)  # OVV's last period ends on 31 October: every rule has work
BATCH = 5000


def bulk(model: type[models.Model], rows: list) -> list:
    """Insert past the audited manager (which refuses bulk writes): benchmark data needs no trail."""
    return models.QuerySet(model).bulk_create(rows, batch_size=BATCH)


def fill(count: int) -> None:
    programme = programme_seed_load(data=programme_seed_file("ovv"))
    stebo = Organisation.objects.get(code="stebo")
    microstart = Organisation.objects.get(code="microstart")
    coaches = bulk(User, [User(username=f"bench.coach{n}", email=f"coach{n}@example.org")
                          for n in range(50)])
    partners = bulk(User, [User(username=f"bench.partner{n}", email=f"partner{n}@example.org")
                           for n in range(5)])
    coordinator = bulk(User, [User(username="bench.coordinator", email="coordinator@example.org")])[0]
    bulk(StaffMember, [StaffMember(user=u, organisation=stebo, role="coach") for u in coaches]
         + [StaffMember(user=u, organisation=microstart, role="partner") for u in partners]
         + [StaffMember(user=coordinator, organisation=stebo, role="coordinator")])
    microcredit = Specialisation.objects.get(code="microcredit")
    start = programme.starts_on
    # Every 7th record lacks the education (incomplete for ESF).
    people = bulk(Participant, [
        Participant(first_name=f"First{n}", last_name=f"Last{n}", name_key=f"first{n} last{n}",
                    gender="female", birth_year=1990, education="" if n % 7 == 0 else "isced_3_4",
                    labour_market_status="unemployed")
        for n in range(count + count // 20)
    ])
    trajectories, entries, sessions, referrals = [], [], [], []
    for n, person in enumerate(people):
        ended = n >= count  # the last 5%: guidance ended, for the outflow follow-up
        entered = start + (n % 600) * DAY
        phase = 4 if ended else 1 + n % 4
        trajectories.append(Trajectory(
            participant=person, programme=programme, coach=coaches[n % len(coaches)],
            ended_on=entered + 70 * DAY if ended else None,
        ))
    trajectories = bulk(Trajectory, trajectories)
    for n, trajectory in enumerate(trajectories):
        entered = start + (n % 600) * DAY
        phase = 4 if trajectory.ended_on else 1 + n % 4
        for p in range(1, phase + 1):
            entries.append(PhaseEntry(trajectory=trajectory, phase=p, entered_on=entered + 20 * (p - 1) * DAY,
                                      recorded_by=trajectory.coach))
        for k in range(n % 3):  # 0, 1 or 2 individual contacts
            sessions.append((trajectory, Session(programme=programme, kind="individual",
                                                 held_on=entered + 10 * (k + 1) * DAY, duration_minutes=30,
                                                 coach=trajectory.coach)))
        if phase == 4 and not trajectory.ended_on and n % 5 == 0:
            referrals.append(Referral(trajectory=trajectory, specialisation=microcredit,
                                      organisation=microstart, question="?", sent_on=entered + 61 * DAY,
                                      referred_by=trajectory.coach))
    bulk(PhaseEntry, entries)
    saved = bulk(Session, [session for _, session in sessions])
    bulk(Attendance, [Attendance(session=session, trajectory=trajectory)
                      for (trajectory, _), session in zip(sessions, saved, strict=True)])
    bulk(Referral, referrals)
    bulk(Session, [Session(programme=programme, kind="info", held_on=TODAY + DAY, title=f"Info {n}",
                           duration_minutes=90, coach=coaches[n]) for n in range(20)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(run) -> tuple[int, float]:
    """How many statements `run` sends (BEGIN and COMMIT included) and how long it takes."""
    with CaptureQueriesContext(connection) as captured:
        began = time.perf_counter()
        run()
        elapsed = time.perf_counter() - began
    return len(captured.captured_queries), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trajectories", type=int, default=100_000)
    args = parser.parse_args()
    name = connection.settings_dict["NAME"]
    if "bench" not in name:
        sys.exit(f"Refusing to fill the database {name!r}: its name must contain 'bench'.")
    call_command("migrate", verbosity=0)
    open_count = Trajectory.objects.filter(ended_on__isnull=True).count()
    if open_count < args.trajectories:
        if Trajectory.objects.exists():
            sys.exit(f"{name} holds {open_count} open trajectories, not {args.trajectories}: "
                     "drop and create it again.")
        began = time.perf_counter()
        fill(args.trajectories)
        print(f"filled in {time.perf_counter() - began:.0f} s")
    trajectories = Trajectory.objects.all()
    print(f"{connection.vendor}, {trajectories.filter(ended_on__isnull=True).count()} open trajectories, "
          f"{trajectories.exclude(ended_on=None).count()} ended, {Attendance.objects.count()} contacts, "
          f"{Referral.objects.count()} referrals; scans as of {TODAY}")
    print(f"{'rule':<20}{'reminders':>10}{'queries':>9}{'first s':>9}{'queries':>9}{'again s':>9}"
          f"{'queries':>9}{'close s':>9}")
    Reminder.objects.all().delete()
    rules = programme_rules_load()
    now = datetime.datetime.now(datetime.UTC)
    for rule in Rule.values:
        def scan(rule=rule):
            return reminders_run(today=TODAY, rules=[rule])

        def close(rule=rule):
            return close_resolved(rule, today=TODAY, rules=rules, now=now)

        first_queries, first_time = measure(scan)
        made = Reminder.objects.filter(rule=rule).count()
        again_queries, again_time = measure(scan)
        close_queries, close_time = measure(close)
        print(f"{rule:<20}{made:>10}{first_queries:>9}{first_time:>9.2f}{again_queries:>9}{again_time:>9.2f}"
              f"{close_queries:>9}{close_time:>9.2f}")

if __name__ == "__main__":
    main()
