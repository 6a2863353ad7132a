"""The reminder rules' settings per programme, and the reminders the scans find due."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casemgmt.audit import AuditedQuerySet, AuditTrail
from casemgmt.models import Programme, ReportingPeriod
from trajectories.models import PhaseEntry, Referral, Session, Trajectory


class Rule(models.TextChoices):
    NO_CONTACT = "no_contact", _("no contact logged")
    PHASE_STALE = "phase_stale", _("long in the same phase")
    REFERRAL_UNANSWERED = "referral_unanswered", _("referral not answered")
    # The same rule as seen by the coach, once the partner has let twice the time pass.
    REFERRAL_ESCALATED = "referral_escalated", _("referral still not answered")
    SESSION_TOMORROW = "session_tomorrow", _("group session tomorrow")
    OUTFLOW_FOLLOW_UP = "outflow_follow_up", _("outflow follow-up")
    PERIOD_END = "period_end", _("reporting period ends with incomplete records")


def _days(verbose_name, default: int, help_text=""):
    return models.PositiveSmallIntegerField(
        verbose_name, default=default, help_text=help_text,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )


class ReminderSettings(models.Model):
    """A coordinator's choice of which reminder rules run in a programme, and after how many days.

    A programme without a row uses the field defaults. The phase defaults (60/45/45/90 days) are an
    assumption: the source gives none; sensitisation and guidance take longer than the two short
    middle phases."""

    programme = models.OneToOneField(
        Programme, on_delete=models.CASCADE, related_name="reminder_settings", verbose_name=_("programme")
    )
    no_contact_enabled = models.BooleanField(_("remind the coach of participants without contact"),
                                             default=True)
    no_contact_days = _days(_("days without a logged contact"), 21)
    phase_stale_enabled = models.BooleanField(_("remind the coach of participants long in one phase"),
                                              default=True)
    phase_1_stale_days = _days(_("days in sensitisation"), 60)
    phase_2_stale_days = _days(_("days in information"), 45)
    phase_3_stale_days = _days(_("days in detection"), 45)
    phase_4_stale_days = _days(_("days in guidance"), 90)
    referral_unanswered_enabled = models.BooleanField(
        _("remind partners of unanswered referrals"), default=True
    )
    referral_answer_days = _days(
        _("days a partner has to answer a referral"), 5,
        help_text=_("After this many days the partner's staff are reminded; after twice as many, the coach."),
    )
    session_tomorrow_enabled = models.BooleanField(
        _("remind the coach of a group session the day before"), default=True
    )
    outflow_follow_up_enabled = models.BooleanField(
        _("remind the coach to record the outcome at the end of the outflow window"), default=True
    )
    period_end_enabled = models.BooleanField(
        _("remind coordinators of incomplete records before a reporting period ends"), default=True
    )
    period_end_days = _days(_("days before the end of a reporting period"), 14)
    history = AuditTrail()
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")
        ordering = ["programme__code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(no_contact_days__gte=1, phase_1_stale_days__gte=1, phase_2_stale_days__gte=1,
                            phase_3_stale_days__gte=1, phase_4_stale_days__gte=1,
                            referral_answer_days__gte=1, period_end_days__gte=1),
                name="reminder_thresholds_at_least_one_day",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Reminder settings of %(programme)s") % {"programme": self.programme.code})

    def phase_stale_days(self, phase: int) -> int:
        return getattr(self, f"phase_{int(phase)}_stale_days")

    def enabled(self, rule: str) -> bool:
        if rule in (Rule.REFERRAL_UNANSWERED, Rule.REFERRAL_ESCALATED):
            return self.referral_unanswered_enabled
        return getattr(self, f"{rule}_enabled")


class ReminderQuerySet(models.QuerySet):
    def open(self) -> "ReminderQuerySet":
        return self.filter(status=Reminder.Status.OPEN)

    def of_rule(self, rule: str) -> "ReminderQuerySet":
        return self.filter(rule=rule)


class Reminder(models.Model):
    """One reminder to one person about one thing, due on one date.

    Not an audited domain model (no AuditTrail, a plain manager): a reminder is derived from the
    case data and can be found again by the next scan; its own life is in its fields (created_at,
    status, closed_at with closed_reason or closed_by, emailed_at). The scans insert them by the
    thousand, past the audited querysets that would refuse it (casemgmt.batches.insert_rows), and close
    them with one UPDATE per rule. The unique key (rule, recipient, object, due date) makes every scan
    idempotent: running it twice, or on two workers at once, inserts each reminder once."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")
        DISMISSED = "dismissed", _("dismissed")

    class ClosedReason(models.TextChoices):
        CONTACT_LOGGED = "contact_logged", _("a contact was logged")
        PHASE_MOVED = "phase_moved", _("the trajectory moved to a later phase")
        REFERRAL_ANSWERED = "referral_answered", _("the partner answered the referral")
        REFERRAL_WITHDRAWN = "referral_withdrawn", _("the referral was withdrawn")
        SESSION_PASSED = "session_passed", _("the session took place")
        SESSION_MOVED = "session_moved", _("the session moved to another date")
        OUTCOME_RECORDED = "outcome_recorded", _("the outcome was recorded")
        RECORDS_COMPLETE = "records_complete", _("the records are complete")
        PERIOD_ENDED = "period_ended", _("the reporting period ended or moved")
        TRAJECTORY_ENDED = "trajectory_ended", _("the trajectory ended")
        REASSIGNED = "reassigned", _("someone else handles it now")
        RULE_OFF = "rule_off", _("the rule was switched off for the programme")
        NOT_DUE = "not_due", _("no longer due under the programme's thresholds")

    # Closed for a reason that can turn back (the rule switched on again, the coach assigned back):
    # the scan opens such a reminder again when it finds the same cause due.
    REOPENABLE = (ClosedReason.REASSIGNED, ClosedReason.RULE_OFF, ClosedReason.NOT_DUE)

    rule = models.CharField(_("rule"), max_length=30, choices=Rule.choices)
    # Indexes (see Meta.indexes): a scan inserts reminders by the 100,000, and each index costs it about
    # 0.3 s per 180,000 rows. The recipient is the first column of reminder_recipient_due, which serves
    # its lookups; the rows a reminder is about, and who dismissed it, are indexed only where set. The
    # programme keeps its index: a coordinator's admin list reads their programmes' reminders.
    # Constraints: the keys a scan writes (recipient, programme and the rows a reminder is about) carry
    # no FOREIGN KEY constraint in the database, as django-simple-history's keys carry none. The database
    # checked each key again at each scan's commit (one locked lookup per key and row), which cost the first
    # scan of 100,000 trajectories more than its queries: 3.5 s of 10 for the 77,000 phase reminders.
    # What the constraint guarded stays guarded: deleting such a row deletes its reminders (CASCADE, done
    # by Django), and the deletion first waits for the scans running (the scan lock, taken on pre_delete:
    # reminders.apps), so no reminder a scan was writing is left pointing at a row deleted meanwhile.
    # closed_by keeps its constraint: a dismissal writes it one at a time.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders",
        verbose_name=_("recipient"), db_index=False, db_constraint=False,
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="+", verbose_name=_("programme"),
        db_constraint=False,
    )
    # What it is about: generic (the key), and the row itself for joins.
    object_type = models.CharField(_("kind of record"), max_length=100)
    object_id = models.CharField(_("record id"), max_length=64)
    trajectory = models.ForeignKey(
        Trajectory, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("trajectory"), db_constraint=False,
    )
    phase_entry = models.ForeignKey(
        PhaseEntry, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("phase entry"), db_index=False, db_constraint=False,
    )
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("referral"), db_index=False, db_constraint=False,
    )
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("session"), db_index=False, db_constraint=False,
    )
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("reporting period"), db_index=False, db_constraint=False,
    )
    counted_from = models.DateField(
        _("counted from"),
        help_text=_("The date the rule counts from: the last contact, the phase entry, the referral, "
                    "the session, the end of the outflow window or of the period."),
    )
    due_on = models.DateField(_("due on"))
    message = models.TextField(_("message"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_reason = models.CharField(_("why closed"), max_length=30, choices=ClosedReason.choices,
                                     blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("dismissed by"), db_index=False,
    )
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "recipient", "object_type", "object_id", "due_on"], name="reminder_once"
            ),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | (~Q(status="open") & Q(closed_at__isnull=False)),
                name="reminder_closed_has_date",
            ),
        ]
        indexes = [
            # A recipient's open reminders, soonest due first (the panel and the list): read in order from
            # the index, however many a busy coach has.
            models.Index(fields=["recipient", "status", "due_on", "id"], name="reminder_recipient_due"),
            models.Index(fields=["rule", "status"]),
            *(models.Index(fields=[name], condition=Q(**{f"{name}__isnull": False}), name=f"reminder_{name}")
              for name in ("phase_entry", "referral", "session", "period", "closed_by")),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} ({self.due_on})"
