"""Load the OVV programme exactly as the source states it; running it again changes nothing."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from partners.services import programme_seed_file, programme_seed_load


class Command(BaseCommand):
    help = "Load the seed programme (OVV) as the source states it. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", type=Path, help="Load another programme from a JSON file of the same shape."
        )

    def handle(self, *args, file: Path | None = None, **options):
        if file is None:
            data = programme_seed_file("ovv")
        else:
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as error:
                raise CommandError(f"Cannot read {file}: {error}") from error
        programme = programme_seed_load(data=data)
        self.stdout.write(self.style.SUCCESS(f"Programme {programme.code} loaded: {programme.name}"))
