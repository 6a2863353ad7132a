"""Run the close pass and the reminder scans once, now (what beat runs every 15 minutes), and say
per rule how many reminders were created, reopened and closed."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from casemgmt.errors import RuleViolation
from reminders.models import Rule
from reminders.selectors import recipients_awaiting_mail
from reminders.services import reminders_mail, reminders_run


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--today expects a date as YYYY-MM-DD, not {text!r}.") from None


class Command(BaseCommand):
    help = (
        "Run every reminder rule's scan and close pass once (idempotent: running it twice creates "
        "nothing twice). --send-mail also e-mails everyone their new reminders, here and now, "
        "without a worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", type=_date, default=None,
                            help="Scan as of this date (YYYY-MM-DD) instead of today.")
        parser.add_argument("--rule", action="append", choices=Rule.values, dest="rules",
                            help="Only this rule (repeat for several); all rules by default.")
        parser.add_argument("--send-mail", action="store_true",
                            help="E-mail the new reminders now instead of leaving it to the worker.")

    def handle(self, *args, today=None, rules=None, send_mail=False, **options):
        try:
            outcomes = reminders_run(today=today, rules=rules)
        except RuleViolation as error:
            raise CommandError(error.messages[0]) from error
        width = max(len(rule) for rule in Rule.values)
        for outcome in outcomes:
            self.stdout.write(f"{outcome.rule:<{width}}  created {outcome.created:>6}  "
                              f"reopened {outcome.reopened:>6}  closed {outcome.closed:>6}")
        if send_mail:
            recipients = recipients_awaiting_mail()
            sent = sum(reminders_mail(recipient_id=recipient_id) for recipient_id in recipients)
            self.stdout.write(f"E-mailed {sent} reminders to {len(recipients)} people.")
        self.stdout.write(self.style.SUCCESS("Reminder scans done."))
