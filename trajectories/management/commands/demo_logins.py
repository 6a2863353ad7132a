"""Show the demo accounts, their role and organisation, the shared password and where to sign in."""

from django.core.management.base import BaseCommand

from trajectories.demo import ADMIN_URL, DEMO_PASSWORD, DEMO_SECOND_FACTOR, demo_logins


class Command(BaseCommand):
    help = "List the demo accounts with their role, organisation and password, and the sign-in URL."

    def handle(self, *args, **options):
        logins = demo_logins()
        if not logins:
            self.stderr.write("No demo accounts found: run `python manage.py demo_data` first.")
            return
        columns = ("username", "role", "organisation", "password")
        rows = [(login.username, login.role, login.organisation, DEMO_PASSWORD) for login in logins]
        widths = [max(len(row[i]) for row in [columns, *rows]) for i in range(len(columns))]
        self.stdout.write(f"Demo accounts — sign in at {ADMIN_URL}")
        for row in [columns, tuple("-" * width for width in widths), *rows]:
            line = "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True))
            self.stdout.write(line.rstrip())
        # Two-factor sign-in: when it is enforced, DEMO_SECOND_FACTOR says how demo users pass it.
        self.stdout.write(f"Second factor (2FA): {DEMO_SECOND_FACTOR}")
