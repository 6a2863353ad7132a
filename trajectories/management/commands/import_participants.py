"""Import participants (with their phase dates) from a CSV or XLSX file into a programme, all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casemgmt.errors import RuleViolation
from casemgmt.models import Programme, User
from trajectories.imports import participants_import
from trajectories.imports.columns import COLUMNS

PROGRESS_EVERY = 1000


class Command(BaseCommand):
    help = ("Import participants with their trajectory and phase dates from a CSV or XLSX file. Nothing is "
            "saved when any row is refused; the exit code is then 1 and every refused row is listed. Columns "
            "(Dutch or English): "
            + ", ".join(f"{c.dutch}/{c.name}{'*' if c.required else ''}" for c in COLUMNS) + " (* required).")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--programme", required=True, help="The programme's code, e.g. OVV.")
        parser.add_argument("--by", required=True, help="The username of whoever registers the people.")
        parser.add_argument("--coach", help="The username of the coach of every imported trajectory.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file only; save nothing.")

    def _user(self, username: str) -> User:
        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user {username!r}.") from None

    def handle(self, *args, file: Path, programme: str, by: str, coach: str | None, dry_run: bool, **options):
        try:
            target = Programme.objects.get(code__iexact=programme)
        except Programme.DoesNotExist:
            raise CommandError(f"No programme with code {programme!r}.") from None
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        last = [0]

        def progress(done: int, total: int) -> None:
            if done // PROGRESS_EVERY > last[0] // PROGRESS_EVERY or done == total:
                self.stderr.write(f"checked {done} / {total} rows")
            last[0] = done

        try:
            report = participants_import(
                file=data, filename=file.name, programme=target, by=self._user(by),
                coach=self._user(coach) if coach else None, progress=progress, dry_run=dry_run,
            )
        except RuleViolation as violation:
            raise CommandError(violation.messages[0]) from None
        for row in report.refused:
            where = f"line {row.line}" if row.line else "file"
            column = f", column {row.column}" if row.column else ""
            value = f" ({row.value!r})" if row.value else ""
            self.stdout.write(f"{where}{column}{value}: {row.message}")
        if report.refused:
            raise CommandError(
                f"Nothing saved: {len(report.refused_lines)} of {report.rows} rows refused "
                f"({len(report.refused)} problems).", returncode=1)
        if dry_run:
            self.stdout.write(self.style.SUCCESS(
                f"Trial run: all {report.valid} rows can be imported; nothing saved."))
        else:
            self.stdout.write(self.style.SUCCESS(
                f"{report.imported} participants imported into {target.code}, each with a trajectory, "
                "phases and consent."))
