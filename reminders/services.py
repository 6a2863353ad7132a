"""Every change to reminders and their settings: scanning, closing, dismissing, e-mailing.

Reminders are not an audited domain model (see models.Reminder): they are written in batches. The
settings are, and change one by one through `reminder_settings_save`.
"""

import datetime
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from casemgmt.audit import save_as
from casemgmt.batches import atomic_without_jit, insert_rows, scan_lock
from casemgmt.clock import today as clock_today
from casemgmt.errors import RuleViolation
from casemgmt.models import User
from reminders.closing import close_resolved
from reminders.dispatch import enqueue_on_commit
from reminders.models import Reminder, ReminderSettings, Rule
from reminders.scans import ROW_FIELDS, SCANS, Due
from reminders.thresholds import ProgrammeRules, programme_rules_load
from trajectories.policies import Role, programmes_coordinated_by, role_of
from trajectories.services import names_erased

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000

# The rules that take longest (docs/reminders.md, "Cost"): they start first when the rules run side by
# side, so that the short ones fill in beside them.
LONGEST_FIRST = (Rule.NO_CONTACT, Rule.PHASE_STALE, Rule.REFERRAL_ESCALATED, Rule.REFERRAL_UNANSWERED)


@dataclass
class RuleOutcome:
    rule: str
    created: int = 0
    reopened: int = 0
    closed: int = 0


def _batches(items: list, size: int = BATCH_SIZE) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def reminders_store(*, found: list[Due]) -> tuple[int, int]:
    """Insert the new reminders and reopen the ones found due again: (created, reopened).

    A reminder another worker inserted a moment ago (same key) is skipped, not an error; `created`
    counts what this call offered, which is what it inserted unless such a race."""
    new = [due.as_row() for due in found if due.reopen_id is None]
    insert_rows(Reminder, ROW_FIELDS, new)
    reopen = [due.reopen_id for due in found if due.reopen_id is not None]
    reopened = 0
    for ids in _batches(reopen):
        reopened += Reminder.objects.filter(pk__in=ids, status=Reminder.Status.CLOSED).update(
            status=Reminder.Status.OPEN, closed_at=None, closed_reason="", closed_by=None, emailed_at=None,
        )
    return len(new), reopened


def reminders_run(
    *, today: datetime.date | None = None, rules: Iterable[str] | None = None,
) -> list[RuleOutcome]:
    """For every rule (or each of `rules`): its close pass, then its scan. The periodic job.

    Safe to run twice, and on two workers at once: the scans leave out what was already reminded of
    and the unique key refuses a second copy; closing is an UPDATE of what is still open.

    Closing first checks only the reminders of earlier runs: what this run's scan finds due was due in
    the data it read, so checking it again at once would cost the first scan ever (180,000 reminders)
    about 4 s to close nothing. A cause resolved while the scan runs is closed by the next run.

    The rules touch none of each other's reminders, so on PostgreSQL, outside a transaction, they run
    side by side on REMINDER_SCAN_CONNECTIONS connections (2: the scan of every rule over 100,000
    trajectories is database work, which the database then spreads over two CPUs)."""
    today = today or clock_today()
    selected = list(rules) if rules is not None else list(Rule.values)
    unknown = sorted(set(selected) - set(Rule.values))
    if unknown:
        raise RuleViolation(
            _("Unknown reminder rule %(rules)s: choose from %(choices)s.")
            % {"rules": ", ".join(unknown), "choices": ", ".join(Rule.values)},
            code="reminder_rule_unknown",
        )
    programme_rules = programme_rules_load()
    now = timezone.now()

    def run(rule: str) -> RuleOutcome:
        outcome = RuleOutcome(rule)
        with atomic_without_jit():
            outcome.closed = close_resolved(rule, today=today, rules=programme_rules, now=now)
        # Messages in the site's language, whether a worker, the command or a request runs the scan.
        with translation.override(settings.LANGUAGE_CODE), atomic_without_jit():
            scan_lock(exclusive=False)  # an erasure or a deletion waits until this commits
            found = SCANS[rule](today=today, rules=programme_rules)
            outcome.created, outcome.reopened = reminders_store(found=found)
        return outcome

    return _side_by_side(run, selected)


def _side_by_side(run: Callable[[str], RuleOutcome], rules: list[str]) -> list[RuleOutcome]:
    """run(rule) for each rule, in order; on PostgreSQL outside a transaction, on as many threads as
    REMINDER_SCAN_CONNECTIONS, each with a database connection of its own, closed when it is done. In
    a transaction (a test's, a caller's) one after the other, so that each sees what the caller wrote.
    The first error is raised once every rule has run."""
    connection = connections[DEFAULT_DB_ALIAS]
    threads = min(settings.REMINDER_SCAN_CONNECTIONS, len(rules))
    if threads < 2 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return [run(rule) for rule in rules]

    def in_thread(rule: str) -> RuleOutcome:
        try:
            return run(rule)
        finally:
            connections.close_all()  # this thread's own

    rank = {rule: place for place, rule in enumerate(LONGEST_FIRST)}
    order = sorted(rules, key=lambda rule: rank.get(rule, len(rank)))
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="reminder-scan")
    try:
        futures = {rule: pool.submit(in_thread, rule) for rule in order}
        wait(futures.values())
    finally:
        # Interrupted (the task's soft time limit, a worker shutting down): the rules not yet started are
        # dropped, those running finish their transaction; the next scan does the rest.
        pool.shutdown(wait=True, cancel_futures=True)
    return [futures[rule].result() for rule in rules]


def reminders_close_resolved(
    *, today: datetime.date | None = None, recipient: User | None = None,
    trajectory_ids: Iterable[int] | None = None, programme_rules: dict[int, ProgrammeRules] | None = None,
) -> int:
    """The close pass alone, for one person's reminders (before showing their list) or for some
    trajectories (after a change to them): a handful of UPDATEs, however many reminders."""
    today = today or clock_today()
    programme_rules = programme_rules or programme_rules_load()
    within = Reminder.objects.all()
    if recipient is not None:
        within = within.filter(recipient=recipient)
    if trajectory_ids is not None:
        within = within.filter(trajectory_id__in=list(trajectory_ids))
    now = timezone.now()
    with atomic_without_jit():
        return sum(close_resolved(rule, today=today, rules=programme_rules, now=now, within=within)
                   for rule in Rule.values)


def reminders_forget_names(*, names: list[str], trajectory_ids: list[int], **signal) -> int:
    """Take an erased person's names out of the reminders' texts, which were written with the names when
    made: every reminder about one of their trajectories, and every session reminder naming them (it lists
    who comes; an attendance deleted since no longer leads to the person, and a namesake's name in such a
    list goes too, which errs on the safe side). A name goes only where it stands whole ("Ali Khanna"
    stays when "Ali Khan" goes) and becomes what a scan writes for an erased person; the rest of the text
    stays. Receives trajectories' participant_erased signal, inside the erasure's transaction; how many
    reminders changed."""
    about = Q(trajectory_id__in=trajectory_ids)
    for name in names:
        about |= Q(rule=Rule.SESSION_TOMORROW, message__contains=name)
    changed = []
    for reminder in Reminder.objects.filter(about).only("message"):
        message = names_erased(reminder.message, names)
        if message != reminder.message:
            reminder.message = message
            changed.append(reminder)
    Reminder.objects.bulk_update(changed, ["message"], batch_size=BATCH_SIZE)
    return len(changed)


def deletion_waits_for_scans(sender, instance, using: str, **kwargs) -> None:
    """pre_delete of every model a reminder's unconstrained keys point at: the deletion takes the scan lock
    exclusively, in its transaction, before Django deletes the reminders pointing at the row. Django deletes
    those (CASCADE, no signals on Reminder) with one DELETE after the pre_delete signals, so it also finds
    those a scan running until then committed; a scan starting after waits for the deletion's commit, and
    no longer reads the row."""
    scan_lock(exclusive=True, using=using)


def reminder_dismiss(*, reminder: Reminder, by: User) -> Reminder:
    """The recipient puts a reminder aside; the scans do not bring it back for the same cause."""
    with transaction.atomic():
        reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
        if reminder.recipient_id != by.pk:
            raise RuleViolation(_("Only the person a reminder is for can dismiss it."),
                                code="reminder_not_yours")
        if reminder.status != Reminder.Status.OPEN:
            raise RuleViolation(
                _("This reminder is already %(status)s.") % {"status": reminder.get_status_display()},
                code="reminder_not_open",
            )
        reminder.status = Reminder.Status.DISMISSED
        reminder.closed_at = timezone.now()
        reminder.closed_by = by
        reminder.save(update_fields=["status", "closed_at", "closed_by"])
        return reminder


def reminders_mail(*, recipient_id: int) -> int:
    """E-mail a person every open reminder they have not been e-mailed yet, in one message; how many.

    The mail names no participant: it says how many reminders of each kind are new and where they are
    (SITE_URL's reminder list), so nothing of a refugee leaves the application by mail and an erasure
    has nothing to take back from mailboxes. The reminders themselves, with their names, are read in the
    workspace by their recipient only.

    The rows are locked while the mail goes out and marked in the same transaction, so a second run
    (a redelivered task, a second worker) finds them marked and sends nothing. A mail server that
    fails rolls the marks back: the next scan tries again."""
    with transaction.atomic():
        recipient = User.objects.filter(pk=recipient_id, is_active=True).exclude(email="").first()
        if recipient is None:
            return 0
        pending = list(
            Reminder.objects.select_for_update()
            .filter(recipient_id=recipient_id, status=Reminder.Status.OPEN, emailed_at__isnull=True)
            .only("rule").order_by("id")  # locked in one order, so two runs for one person wait, not deadlock
        )
        if not pending:
            return 0
        text = _reminders_mail_text(recipient, [row.rule for row in pending])
        EmailMessage(to=[recipient.email], **text).send()
        Reminder.objects.filter(pk__in=[row.pk for row in pending]).update(emailed_at=timezone.now())
        return len(pending)


def _reminders_mail_text(recipient: User, rules: list[str]) -> dict[str, str]:
    """The subject and body of a reminder mail: how many new reminders of each kind (in the order of
    Rule), and the address of the list, in the site's language."""
    counts = Counter(rules)
    with translation.override(settings.LANGUAGE_CODE):
        subject = ngettext("%(count)d new reminder", "%(count)d new reminders", len(rules)) % {
            "count": len(rules)}
        lines = [_("Hello %(name)s,") % {"name": recipient.get_full_name() or recipient.username}, "",
                 _("New in your reminders:")]
        # The kinds in the order of Rule; a rule this version no longer has, by its stored value.
        kinds = [(rule, rule.label) for rule in Rule if rule in counts]
        kinds += [(rule, rule) for rule in sorted(set(counts) - set(Rule.values))]
        lines += [_("- %(count)d × %(kind)s") % {"count": counts[rule], "kind": label}
                  for rule, label in kinds]
        lines.append("")
        if settings.SITE_URL:
            lines.append(_("Your reminders in the workspace: %(url)s") % {
                "url": settings.SITE_URL.rstrip("/") + reverse("reminders:list")})
        else:
            lines.append(_("Your reminders are in the workspace, under Reminders."))
        lines.append(_("A reminder closes by itself once its cause is gone, or when you dismiss it."))
    return {"subject": subject, "body": "\n".join(lines)}


def _may_configure(user: User, programme_id: int) -> bool:
    role = role_of(user)
    if role == Role.ADMIN:
        return True
    if role == Role.COORDINATOR:
        return programmes_coordinated_by(user).filter(pk=programme_id).exists()
    return False


def reminder_settings_save(*, settings_row: ReminderSettings, by: User) -> ReminderSettings:
    """Save a programme's reminder settings (a coordinator of that programme, or an admin); the
    scans run again after the commit, so new thresholds show at once."""
    if not _may_configure(by, settings_row.programme_id):
        raise RuleViolation(
            _("Only a coordinator of the programme sets its reminders."), code="reminder_settings_not_yours"
        )
    with transaction.atomic():
        if settings_row.pk is not None:
            ReminderSettings.objects.select_for_update().get(pk=settings_row.pk)
        save_as(settings_row, by)
        enqueue_on_commit("reminders.scan_all")
    return settings_row
