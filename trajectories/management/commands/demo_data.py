"""Fill the database with deterministic demo data; a second run sees the demo users and does nothing."""

import time

from django.core.management.base import BaseCommand, CommandError

from casemgmt.errors import RuleViolation
from trajectories.demo import demo_data_create, demo_data_present, demo_summary
from trajectories.demo.summary import REPORT_DATE, DemoSummary


class Command(BaseCommand):
    help = (
        "Create demo users of every role and N synthetic participants with trajectories, phases "
        "and sessions in OVV (a few also in LBA). The same N and seed give the same data. "
        "Does nothing when the demo users already exist."
    )

    def add_arguments(self, parser):
        parser.add_argument("--participants", type=int, default=300, help="How many participants (300).")
        parser.add_argument("--seed", type=int, default=1, help="Seed of the random choices (1).")

    def handle(self, *args, participants: int, seed: int, **options):
        if participants < 0:
            raise CommandError("--participants must be 0 or more.")
        if demo_data_present():
            self.stdout.write("Demo data is already present (the demo users exist): nothing changed.")
            return
        started = time.monotonic()
        try:
            demo_data_create(participants=participants, seed=seed)
        except RuleViolation as error:
            raise CommandError(f"Demo data not created, nothing was written: {error.messages[0]}") from error
        self.stdout.write(self.style.SUCCESS(
            f"Demo data created: {participants} participants, seed {seed}, "
            f"in {time.monotonic() - started:.1f} s."
        ))
        self._report(demo_summary())
        self.stdout.write("Demo logins: python manage.py demo_logins")

    def _report(self, summary: DemoSummary) -> None:
        def listing(counts: dict) -> str:
            return ", ".join(f"{key} {n}" for key, n in sorted(counts.items())) or "none"

        write = self.stdout.write
        write(f"Staff per role: {listing(summary.users_by_role)}")
        write(f"Participants: {summary.participants}, in more than one programme: "
              f"{summary.in_several_programmes}")
        write(f"Per region as of {REPORT_DATE}: "
              + ", ".join(f"{name} {n}" for name, n in summary.by_region)
              + f" (postcode 2070: {summary.in_2070})")
        write(f"{'Programme':<10}{'trajectories':>13}{'open':>6}   {'reached phase 1/2/3/4':<24}"
              "now in phase 1/2/3/4")
        for programme in summary.programmes:
            reached = " / ".join(str(programme.reached.get(phase, 0)) for phase in range(1, 5))
            current = " / ".join(str(programme.current.get(phase, 0)) for phase in range(1, 5))
            write(f"{programme.code:<10}{programme.trajectories:>13}{programme.open:>6}   "
                  f"{reached:<24}{current}")
        for programme in summary.programmes:
            write(f"{programme.code} sessions: {listing(programme.sessions)}; "
                  f"outcomes: {listing(programme.outcomes)}")
