"""The person's path: participant, consent, trajectory with dated phases, screening, outcome, sessions."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casemgmt.audit import AuditedQuerySet, AuditTrail
from casemgmt.models import Phase, Programme
from partners.models import Organisation


def person_name(first_name: str, last_name: str) -> str:
    """A person's full name as the app writes it into other texts (reminders, for one), and as an erasure
    finds it there again."""
    return f"{first_name} {last_name}".strip()


class Participant(models.Model):
    """A refugee taking part in one or more programmes; only what the programme and ESF need."""

    class Gender(models.TextChoices):
        FEMALE = "female", _("female")
        MALE = "male", _("male")
        NON_BINARY = "non_binary", _("non-binary")

    class ResidenceStatus(models.TextChoices):
        RECOGNISED = "recognised", _("recognised refugee")
        SUBSIDIARY = "subsidiary", _("subsidiary protection")
        APPLICANT = "applicant", _("applicant for international protection")
        TEMPORARY = "temporary", _("temporary protection")
        OTHER = "other", _("other residence permit")

    class DutchLevel(models.TextChoices):
        NONE = "none", _("none")
        A1 = "A1", "A1"
        A2 = "A2", "A2"
        B1 = "B1", "B1"
        B2 = "B2", "B2"
        C1 = "C1", "C1"
        C2 = "C2", "C2"

    class Education(models.TextChoices):
        ISCED_0_2 = "isced_0_2", _("ISCED 0–2 (at most lower secondary)")
        ISCED_3_4 = "isced_3_4", _("ISCED 3–4 (upper secondary, post-secondary)")
        ISCED_5_8 = "isced_5_8", _("ISCED 5–8 (higher education)")

    class LabourMarketStatus(models.TextChoices):
        UNEMPLOYED = "unemployed", _("unemployed")
        LONG_TERM_UNEMPLOYED = "long_term_unemployed", _("long-term unemployed")
        INACTIVE = "inactive", _("inactive")
        EMPLOYED = "employed", _("employed (incl. self-employed)")

    class IdentifierKind(models.TextChoices):
        NATIONAL_REGISTER = "nn", _("national register number")
        BIS = "bis", _("BIS number")

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    # Lower-case, accent-free "first last" so duplicates are found whatever the spelling of accents.
    name_key = models.CharField(max_length=201, editable=False, db_index=True)
    # Refugee documents often leave the day or month unknown: keep the parts we know.
    birth_year = models.PositiveSmallIntegerField(
        _("year of birth"), null=True, blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    birth_month = models.PositiveSmallIntegerField(
        _("month of birth"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    birth_day = models.PositiveSmallIntegerField(
        _("day of birth"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    gender = models.CharField(_("gender"), max_length=20, choices=Gender.choices, blank=True)
    nationality = models.CharField(
        _("nationality"), max_length=2, blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Use the two-letter ISO country code, e.g. SY."))],
        help_text=_("Two-letter ISO country code; XX when stateless."),
    )
    residence_status = models.CharField(
        _("residence status"), max_length=20, choices=ResidenceStatus.choices, blank=True
    )
    languages = models.JSONField(
        _("languages"), default=list, blank=True,
        help_text=_("Two-letter ISO 639-1 codes of the languages the person speaks, e.g. ar, fr."),
    )
    dutch_level = models.CharField(
        _("level of Dutch"), max_length=4, choices=DutchLevel.choices, blank=True
    )
    education = models.CharField(
        _("education (ISCED)"), max_length=20, choices=Education.choices, blank=True
    )
    labour_market_status = models.CharField(
        _("labour-market status at entry"), max_length=30, choices=LabourMarketStatus.choices,
        blank=True,
    )
    disability = models.BooleanField(_("has a disability"), null=True, blank=True)
    homeless = models.BooleanField(_("homeless or excluded from housing"), null=True, blank=True)
    postcode = models.PositiveSmallIntegerField(
        _("postcode"), null=True, blank=True,
        validators=[MinValueValidator(1000), MaxValueValidator(9999)],
        help_text=_("Belgian postcode of the place of residence."),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    business_idea = models.TextField(_("business idea"), blank=True)
    national_number_encrypted = models.TextField(_("national register / BIS number (encrypted)"), blank=True)
    national_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    national_number_kind = models.CharField(
        _("kind of identifier"), max_length=3, choices=IdentifierKind.choices, blank=True
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    erased_on = models.DateField(
        _("personal data erased on"), null=True, blank=True,
        help_text=_("After erasure only what anonymous counts need is kept."),
    )
    history = AuditTrail(excluded_fields=["national_number_encrypted"])
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_day__isnull=True) | Q(birth_month__isnull=False),
                name="participant_birth_day_needs_month",
            ),
            models.CheckConstraint(
                condition=Q(birth_month__isnull=True) | Q(birth_year__isnull=False),
                name="participant_birth_month_needs_year",
            ),
            models.CheckConstraint(
                condition=Q(postcode__isnull=True) | Q(postcode__gte=1000, postcode__lte=9999),
                name="participant_postcode_belgian",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def birth_date_display(self) -> str:
        """The known parts of the date of birth; unknown parts shown as ??."""
        if self.birth_year is None:
            return "?"
        day = f"{self.birth_day:02d}" if self.birth_day else "??"
        month = f"{self.birth_month:02d}" if self.birth_month else "??"
        return f"{day}/{month}/{self.birth_year}"

    def age_on(self, on: datetime.date) -> int | None:
        """Age in whole years; with an unknown day or month the person is taken as born on the 1st /
        in January (the convention of the national register for unknown parts)."""
        if self.birth_year is None:
            return None
        born = datetime.date(self.birth_year, self.birth_month or 1, self.birth_day or 1)
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class ConsentRecord(models.Model):
    """What the participant agreed to, when, under which text version; withdrawal is dated, never deleted."""

    class Purpose(models.TextChoices):
        PROGRAMME = "programme", _("take part in the programme and be registered for ESF")
        SHARE_WITH_PARTNER = "share_with_partner", _("share data with a partner organisation")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="consents",
        verbose_name=_("participant"),
    )
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("organisation"), help_text=_("For sharing: the organisation it may go to."),
    )
    given_on = models.DateField(_("given on"))
    version = models.CharField(_("version of the consent text"), max_length=20)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("recorded by"),
    )
    history = AuditTrail()
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["participant", "-given_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given",
            ),
            models.CheckConstraint(
                condition=~Q(purpose="share_with_partner") | Q(organisation__isnull=False),
                name="consent_sharing_names_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant}: {self.get_purpose_display()} ({self.given_on})"


class TrajectoryQuerySet(AuditedQuerySet):
    def open(self) -> "TrajectoryQuerySet":
        return self.filter(ended_on__isnull=True)

    def with_phase(self) -> "TrajectoryQuerySet":
        """Annotate `phase`: the highest phase reached (read from the dated entries)."""
        highest = (
            PhaseEntry.objects.filter(trajectory=models.OuterRef("pk"))
            .order_by("-phase")
            .values("phase")[:1]
        )
        return self.annotate(phase=models.Subquery(highest))

    def in_phase(self, phase: int) -> "TrajectoryQuerySet":
        return self.with_phase().filter(phase=phase)


class Trajectory(models.Model):
    """One participant's enrolment in one programme; its phases are dated rows in PhaseEntry."""

    class Outcome(models.TextChoices):
        SELF_EMPLOYED = "self_employed", _("self-employed")
        # Work under SMart's cooperative (interim contracts): not yet a start of one's own.
        PROTECTED = "protected", _("protected entrepreneurship (e.g. SMart interim contracts)")
        EMPLOYED = "employed", _("employed")
        EDUCATION = "education", _("in education or training")
        JOB_SEEKING = "job_seeking", _("job-seeking")
        OTHER = "other", _("other")
        DROPPED_OUT = "dropped_out", _("dropped out")

    class Occupation(models.TextChoices):
        MAIN = "main", _("main occupation")
        SECONDARY = "secondary", _("secondary occupation")

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="trajectories",
        verbose_name=_("participant"),
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="trajectories",
        verbose_name=_("programme"),
    )
    referred_by = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True,
        related_name="referred_trajectories", verbose_name=_("referred in by"),
    )
    referred_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="referred_trajectories", verbose_name=_("referred in by (person)"),
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="coached_trajectories", verbose_name=_("coach"),
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    enterprise_number = models.CharField(_("enterprise number"), max_length=10, blank=True)
    self_employed_since = models.DateField(_("self-employed since"), null=True, blank=True)
    occupation = models.CharField(
        _("main or secondary occupation"), max_length=10, choices=Occupation.choices, blank=True
    )
    outcome_recorded_on = models.DateField(_("outcome recorded on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    history = AuditTrail()

    objects = TrajectoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("trajectory")
        verbose_name_plural = _("trajectories")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "programme"], condition=Q(ended_on__isnull=True),
                name="one_open_trajectory_per_programme",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="self_employed")
                | (~Q(enterprise_number="") & Q(self_employed_since__isnull=False)),
                name="self_employed_needs_enterprise_number_and_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} – {self.programme.code}"


class PhaseEntry(models.Model):
    """The dated entry of a trajectory into a phase: history as data, one row per phase reached."""

    trajectory = models.ForeignKey(
        Trajectory, on_delete=models.CASCADE, related_name="phase_entries",
        verbose_name=_("trajectory"),
    )
    phase = models.PositiveSmallIntegerField(_("phase"), choices=Phase.choices)
    entered_on = models.DateField(_("entered on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = AuditTrail()
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("phase entry")
        verbose_name_plural = _("phase entries")
        ordering = ["trajectory", "phase"]
        constraints = [
            models.UniqueConstraint(fields=["trajectory", "phase"], name="phase_entered_once"),
            models.CheckConstraint(condition=Q(phase__gte=1, phase__lte=4), name="phase_1_to_4"),
        ]

    def __str__(self) -> str:
        return f"{self.trajectory}: {self.get_phase_display()} {self.entered_on}"


class Screening(models.Model):
    """Phase 3: preconditions and entrepreneurial potential, and what the coach decided."""

    class Potential(models.TextChoices):
        LOW = "low", _("low")
        MEDIUM = "medium", _("medium")
        HIGH = "high", _("high")

    class Decision(models.TextChoices):
        GUIDANCE = "guidance", _("to guidance")
        WAGE_EMPLOYMENT = "wage_employment", _("towards wage employment")
        STOP = "stop", _("stop")

    trajectory = models.ForeignKey(
        Trajectory, on_delete=models.CASCADE, related_name="screenings",
        verbose_name=_("trajectory"),
    )
    screened_on = models.DateField(_("screened on"))
    residence_permit_ok = models.BooleanField(_("residence permit allows self-employment"))
    professional_card_needed = models.BooleanField(
        _("professional card needed (non-EU)"), default=False
    )
    basic_management_knowledge = models.BooleanField(_("basic management knowledge present"))
    language_sufficient = models.BooleanField(_("language sufficient for the business"))
    financially_feasible = models.BooleanField(_("financial situation allows a start"))
    potential = models.CharField(
        _("entrepreneurial potential"), max_length=10, choices=Potential.choices
    )
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    notes = models.TextField(_("notes"), blank=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("screened by"),
    )
    history = AuditTrail()
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")
        ordering = ["trajectory", "-screened_on"]

    def __str__(self) -> str:
        return f"{self.trajectory}: {self.get_decision_display()} ({self.screened_on})"


class Session(models.Model):
    """An individual contact or a group session; it belongs to exactly one programme (funded once)."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("individual contact")
        INFO = "info", _("info session")
        THEME = "theme", _("theme session")

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("programme")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    held_on = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(600)]
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sessions",
        verbose_name=_("coach"),
    )
    notes = models.TextField(_("coaching notes"), blank=True)
    history = AuditTrail()
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["programme", "held_on"]),
            # A person's last contact is the latest date among their attendances' sessions (caseload,
            # reminder scans): with the date beside the id, PostgreSQL reads it from the index alone.
            models.Index(fields=["id"], include=["held_on"], name="session_held_on_by_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on}" + (f": {self.title}" if self.title else "")


class Attendance(models.Model):
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("session")
    )
    trajectory = models.ForeignKey(
        Trajectory, on_delete=models.PROTECT, related_name="attendances",
        verbose_name=_("trajectory"),
    )
    attended = models.BooleanField(_("attended"), default=True)
    history = AuditTrail()
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["session", "trajectory"]
        constraints = [
            models.UniqueConstraint(fields=["session", "trajectory"], name="attendance_once"),
        ]
        indexes = [
            # The sessions a person attended, for their last contact, from the index alone (PostgreSQL;
            # with session_held_on_by_id the no-contact scan of 100,000 trajectories takes 2.9 s, not 4.4).
            models.Index(fields=["trajectory"], include=["session"], condition=models.Q(attended=True),
                         name="attended_by_trajectory"),
        ]

    def __str__(self) -> str:
        return f"{self.trajectory.participant} @ {self.session}"


class Referral(models.Model):
    """A coach's referral of a trajectory to a specialisation at a partner (phase 4); the partner answers.

    Its states move sent -> accepted / declined -> in progress -> completed / stopped; the coach may
    withdraw until it is completed. Every move is a dated ReferralEvent row as well as history."""

    class Status(models.TextChoices):
        SENT = "sent", _("sent")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        IN_PROGRESS = "in_progress", _("in progress")
        COMPLETED = "completed", _("completed")
        STOPPED = "stopped", _("stopped")
        WITHDRAWN = "withdrawn", _("withdrawn")

    OPEN = (Status.SENT, Status.ACCEPTED, Status.IN_PROGRESS)

    trajectory = models.ForeignKey(
        Trajectory, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("trajectory")
    )
    specialisation = models.ForeignKey(
        "partners.Specialisation", on_delete=models.PROTECT, related_name="referrals",
        verbose_name=_("specialisation"),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="referrals_received",
        verbose_name=_("partner organisation"),
    )
    question = models.TextField(_("the coach's question"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SENT)
    sent_on = models.DateField(_("sent on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    reason = models.TextField(_("reason (declined, stopped or withdrawn)"), blank=True)
    feedback = models.TextField(_("the partner's feedback"), blank=True)
    consent_override_reason = models.TextField(
        _("why the referral was sent without the participant's consent (coordinator)"), blank=True
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("referred by")
    )
    history = AuditTrail()

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-sent_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["trajectory", "specialisation"],
                condition=Q(status__in=["sent", "accepted", "in_progress"]),
                name="one_open_referral_per_specialisation",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["sent", "accepted", "in_progress"]) | Q(closed_on__isnull=False),
                name="closed_referral_has_date",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return f"{self.trajectory.participant} → {self.specialisation} ({self.organisation})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class ReferralEvent(models.Model):
    """One dated step of a referral: who moved it to which status, when, and why."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="events", verbose_name=_("referral")
    )
    status = models.CharField(_("status"), max_length=20, choices=Referral.Status.choices)
    on = models.DateField(_("date"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("by"))
    note = models.TextField(_("note"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = AuditTrail()

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral step")
        verbose_name_plural = _("referral steps")
        ordering = ["referral", "on", "id"]

    def __str__(self) -> str:
        return f"{self.referral}: {self.get_status_display()} ({self.on})"


class ReferralResult(models.Model):
    """What the specialisation produced, typed by its kind (partners.Specialisation.ResultKind).

    One row per referral; only the fields of its kind are filled (checked by the service)."""

    class CreditDecision(models.TextChoices):
        GRANTED = "granted", _("granted")
        REFUSED = "refused", _("refused")
        PENDING = "pending", _("application incomplete, being completed")

    class Feasibility(models.TextChoices):
        GO = "go", _("go")
        NO_GO = "no_go", _("no go")
        REWORK = "rework", _("rework the idea")

    class ProtectedRoute(models.TextChoices):
        SMART = "smart", _("SMart interim contracts")
        STARTERSLABO = "starterslabo", _("Starterslabo")

    referral = models.OneToOneField(
        Referral, on_delete=models.CASCADE, related_name="result", verbose_name=_("referral")
    )
    # microcredit
    amount_requested = models.DecimalField(
        _("amount requested (EUR)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    credit_decision = models.CharField(
        _("credit decision"), max_length=10, choices=CreditDecision.choices, blank=True
    )
    amount_granted = models.DecimalField(
        _("amount granted (EUR)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    decided_on = models.DateField(_("decision date"), null=True, blank=True)
    repayment_follow_up = models.TextField(_("repayment follow-up"), blank=True)
    # feasibility of the business idea
    feasibility = models.CharField(
        _("feasibility"), max_length=10, choices=Feasibility.choices, blank=True
    )
    summary = models.TextField(_("summary"), blank=True)
    # personal feasibility
    advice = models.TextField(_("advice"), blank=True)
    # protected entrepreneurship
    route = models.CharField(_("route"), max_length=20, choices=ProtectedRoute.choices, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    # mentoring and job shadowing
    company = models.CharField(_("company"), max_length=200, blank=True)
    days = models.PositiveSmallIntegerField(_("days"), null=True, blank=True)
    mentor = models.CharField(_("mentor"), max_length=200, blank=True)
    history = AuditTrail()

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral result")
        verbose_name_plural = _("referral results")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_granted__isnull=True) | Q(credit_decision="granted"),
                name="granted_amount_only_when_granted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referral}: {self._meta.verbose_name}"


class ImportJob(models.Model):
    """One upload of a file of participants: who sent it, into which programme, how far it got and,
    row by row, what was refused and why. The file itself is kept only until the import has run."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting to start")
        # Checking the rows; once all are checked, saving them.
        RUNNING = "running", _("running")
        IMPORTED = "imported", _("imported")
        CHECKED = "checked", _("checked, nothing saved (trial run)")
        REFUSED = "refused", _("refused: nothing saved")
        FAILED = "failed", _("failed: nothing saved")

    FINISHED = (Status.IMPORTED, Status.CHECKED, Status.REFUSED, Status.FAILED)

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="import_jobs", verbose_name=_("programme")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("coach of the imported trajectories"),
    )
    filename = models.CharField(_("file name"), max_length=200)
    # The uploaded file, until the import has run (then emptied: it holds personal data).
    content = models.BinaryField(editable=False, blank=True, default=b"")
    language = models.CharField(_("language of the report"), max_length=10, blank=True)
    dry_run = models.BooleanField(_("trial run (check only)"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    imported = models.PositiveIntegerField(_("participants imported"), default=0)
    refused_rows = models.PositiveIntegerField(_("rows refused"), default=0)
    # [{"line": 3, "column": "fase2", "value": "31/02/2017", "message": "..."}, ...]
    report = models.JSONField(_("refused rows"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import of participants")
        verbose_name_plural = _("imports of participants")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.programme.code})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED
