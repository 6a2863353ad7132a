"""Show the demo accounts, their role and organisation, the shared password, where to sign in and
how the accounts that need one pass the second factor."""

from django.core.management.base import BaseCommand

from trajectories.demo import ADMIN_URL, DEMO_PASSWORD, DEMO_SECOND_FACTOR, demo_logins


class Command(BaseCommand):
    help = (
        "List the demo accounts with their role, organisation and password, the sign-in URL, and "
        "how to get the two-factor code of those that need one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default=ADMIN_URL, help="Where the app is served (%(default)s).")

    def handle(self, *args, url: str = ADMIN_URL, **options):
        logins = demo_logins()
        if not logins:
            self.stderr.write("No demo accounts found: run `python manage.py demo_data` first.")
            return
        columns = ("username", "role", "organisation", "password", "2FA")
        rows = [(login.username, login.role, login.organisation, DEMO_PASSWORD,
                 "code" if login.second_factor else "-") for login in logins]
        widths = [max(len(row[i]) for row in [columns, *rows]) for i in range(len(columns))]
        self.stdout.write(f"Demo accounts — sign in at {url}")
        for row in [columns, tuple("-" * width for width in widths), *rows]:
            line = "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True))
            self.stdout.write(line.rstrip())
        self.stdout.write(f"Second factor (2FA): {DEMO_SECOND_FACTOR}")
