"""Re-encrypt every national register / BIS number under the newest key of IDENTIFIER_KEYS."""

from django.core.management.base import BaseCommand

from trajectories.services import identifiers_rotate


class Command(BaseCommand):
    help = ("Re-encrypt stored identifiers under the first key of IDENTIFIER_KEYS. Put the new key "
            "first, keep the old ones after it, run this, then drop the old keys.")

    def handle(self, *args, **options):
        count = identifiers_rotate()
        self.stdout.write(self.style.SUCCESS(f"{count} identifiers re-encrypted under the newest key."))
