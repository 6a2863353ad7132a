"""Erase the personal data of people whose programmes are past their retention period."""

import datetime

from django.core.management.base import BaseCommand
from django.db.models import Max, Q
from django.utils import timezone

from casemgmt.models import Payment, Programme
from trajectories.models import Participant
from trajectories.services import participant_erase


def programmes_past_retention(today: datetime.date) -> list[int]:
    """Programmes whose final payment (the latest settlement) lies more than `retention_years` full
    years back, counted from the end of the year of that payment."""
    past = []
    finals = Programme.objects.annotate(
        final_payment=Max("payments__paid_on", filter=Q(payments__kind=Payment.Kind.SETTLEMENT))
    )
    for programme in finals:
        if programme.final_payment is None:
            continue
        keep_until = datetime.date(programme.final_payment.year + programme.retention_years, 12, 31)
        if today > keep_until:
            past.append(programme.pk)
    return past


class Command(BaseCommand):
    help = "Erase personal data of participants whose every programme is past its retention period."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only say who would be erased.")

    def handle(self, *args, dry_run: bool = False, **options):
        today = timezone.localdate()
        past = programmes_past_retention(today)
        due = (
            Participant.objects.filter(erased_on__isnull=True, trajectories__programme_id__in=past)
            .exclude(trajectories__programme_id__in=Programme.objects.exclude(pk__in=past).values("pk"))
            .distinct()
        )
        count = 0
        for participant in due:
            if not dry_run:
                participant_erase(participant=participant, by=None, on=today)
            count += 1
        verb = "would be erased" if dry_run else "erased"
        self.stdout.write(self.style.SUCCESS(f"{count} participants {verb}."))
