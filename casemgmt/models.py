"""The ground every app stands on: users, programmes with their periods, targets and payments, geography."""

from decimal import Decimal

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casemgmt.audit import AppendOnlyModel, AuditedQuerySet, AuditTrail


class AuditedUserManager(UserManager.from_queryset(AuditedQuerySet)):
    pass


class User(AbstractUser):
    """The account of a person who works with the system; their organisation and role live in `partners`."""

    history = AuditTrail(excluded_fields=["password", "last_login"])
    objects = AuditedUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Phase(models.IntegerChoices):
    SENSITISATION = 1, _("sensitisation")
    INFORMATION = 2, _("information")
    DETECTION = 3, _("detection")
    GUIDANCE = 4, _("guidance")


class Programme(models.Model):
    """A funded project, e.g. the ESF project OVV; every count, target, FTE and payment belongs to one."""

    class OutputFormula(models.TextChoices):
        # docs/reports.md states each formula; the default is the one the funder's answer suggests.
        LINEAR = "linear", _("linear up to the target: output part × min(1, outflow rate ÷ target)")
        THRESHOLD = "threshold", _("all or nothing: the whole output part once the target is reached")

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    total_eligible_cost = models.DecimalField(
        _("total eligible cost (TSK)"), max_digits=12, decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    input_financing_share = models.DecimalField(
        _("input financing share (%)"), max_digits=5, decimal_places=2, default=Decimal("70.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    output_financing_share = models.DecimalField(
        _("output financing share (%)"), max_digits=5, decimal_places=2, default=Decimal("30.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    outflow_target_rate = models.DecimalField(
        _("outflow target (% of guidance participants)"), max_digits=5, decimal_places=2,
        default=Decimal("20.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    output_formula = models.CharField(
        _("output financing formula"), max_length=20, choices=OutputFormula.choices,
        default=OutputFormula.LINEAR,
    )
    outflow_window_months = models.PositiveSmallIntegerField(
        _("outflow measurement window (months after guidance)"), default=6,
        help_text=_("How long after guidance a start as self-employed still counts as outflow."),
    )
    stated_total_fte = models.DecimalField(
        _("total FTE per year as stated"), max_digits=6, decimal_places=2, null=True, blank=True,
        help_text=_("The total the source states; the system computes its own from the partners."),
    )
    retention_years = models.PositiveSmallIntegerField(
        _("retention (years after the end of the year of the final payment)"), default=5
    )
    history = AuditTrail()
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="programme_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(input_financing_share=100 - models.F("output_financing_share")),
                name="programme_financing_shares_add_to_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"


class ReportingPeriod(models.Model):
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="reporting_periods",
        verbose_name=_("programme"),
    )
    number = models.PositiveSmallIntegerField(_("number"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    history = AuditTrail()
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["programme", "number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="period_number_unique"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="period_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} P{self.number} ({self.starts_on} – {self.ends_on})"


class Payment(models.Model):
    class Kind(models.TextChoices):
        ADVANCE = "advance", _("advance")
        SETTLEMENT = "settlement", _("settlement")

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="payments", verbose_name=_("programme")
    )
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.PROTECT, null=True, blank=True,
        related_name="payments", verbose_name=_("reporting period"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(
        _("amount (EUR)"), max_digits=12, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    paid_on = models.DateField(_("paid on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = AuditTrail()
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["programme", "paid_on"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} {self.get_kind_display()} EUR {self.amount} ({self.paid_on})"


class Region(models.Model):
    """A province of Flanders, or one of the areas outside them (Brussels, outside Flanders)."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Flemish province")
        BRUSSELS = "brussels", _("Brussels-Capital Region")
        OUTSIDE = "outside", _("outside Flanders")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    nis_code = models.CharField(_("NIS code"), max_length=5, blank=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = AuditTrail()
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class PostcodeRange(models.Model):
    """Postcodes first..last lie in a region from valid_from up to valid_until; the narrowest range wins."""

    first = models.PositiveSmallIntegerField(_("first postcode"))
    last = models.PositiveSmallIntegerField(_("last postcode"))
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="postcode_ranges", verbose_name=_("region")
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    history = AuditTrail()
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("postcode range")
        verbose_name_plural = _("postcode ranges")
        ordering = ["first", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last__gte=models.F("first")), name="postcode_range_ordered"
            ),
            models.CheckConstraint(
                condition=Q(first__gte=1000, last__lte=9999), name="postcode_range_belgian"
            ),
        ]

    def __str__(self) -> str:
        span = str(self.first) if self.first == self.last else f"{self.first}–{self.last}"
        return f"{span} → {self.region}"


class Target(models.Model):
    """How many a programme means to reach in a phase: per region, or (region empty) the stated total."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="targets", verbose_name=_("programme")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="targets",
        verbose_name=_("region"), help_text=_("Empty: the total the programme states."),
    )
    phase = models.PositiveSmallIntegerField(_("phase"), choices=Phase.choices)
    count = models.PositiveIntegerField(_("target"))
    valid_from = models.DateField(_("valid from"))
    history = AuditTrail()
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["programme", "valid_from", "region__sort_order", "phase"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "region", "phase", "valid_from"],
                condition=Q(region__isnull=False), name="target_unique_per_region",
            ),
            models.UniqueConstraint(
                fields=["programme", "phase", "valid_from"],
                condition=Q(region__isnull=True), name="target_unique_stated_total",
            ),
        ]

    def __str__(self) -> str:
        where = self.region or _("stated total")
        return f"{self.programme.code} {where} phase {self.phase}: {self.count}"


class ReachShare(models.Model):
    """The share of the programme's reach a region is meant to take (indicative), as stated."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="reach_shares", verbose_name=_("programme")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="reach_shares", verbose_name=_("region")
    )
    share = models.DecimalField(
        _("share of reach (%)"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    valid_from = models.DateField(_("valid from"))
    history = AuditTrail()
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reach share")
        verbose_name_plural = _("reach shares")
        ordering = ["programme", "valid_from", "region__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "region", "valid_from"], name="reach_share_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} {self.region}: {self.share}%"


class AccessLog(AppendOnlyModel):
    """Who looked at what, when and from where, including denied attempts. Append-only."""

    class Action(models.TextChoices):
        VIEW = "view", _("viewed a record")
        HISTORY = "history", _("viewed the history of a record")
        LIST_EXPORT = "export", _("exported a list")
        REPORT = "report", _("downloaded a report")
        REVEAL = "reveal", _("revealed an identifier")
        DATA_EXPORT = "data_export", _("exported a person's data")
        DENIED = "denied", _("was denied access")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("kind of record"), max_length=100, blank=True)
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    # No foreign key: the log outlives an erased participant and stays in the lowest app.
    participant_id = models.PositiveBigIntegerField(_("participant id"), null=True, blank=True, db_index=True)
    path = models.CharField(_("path"), max_length=500, blank=True)
    method = models.CharField(_("method"), max_length=10, blank=True)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        what = f"{self.object_type} {self.object_id}".strip()
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()} {what}"
