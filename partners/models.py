"""Organisations, their roles and FTE in a programme, their staff, and the specialisations they offer."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casemgmt.audit import AuditedQuerySet, AuditTrail
from casemgmt.models import Programme


class Organisation(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="branches",
        verbose_name=_("part of"),
    )
    coaches_share_caseload = models.BooleanField(
        _("coaches may read the organisation's whole caseload"), default=False
    )
    history = AuditTrail()
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProgrammeRole(models.Model):
    """What an organisation does in a programme; an organisation may hold several roles."""

    class Role(models.TextChoices):
        PROMOTER = "promoter", _("promoter")
        REFERRER = "referrer", _("refers people in")
        COACHING = "coaching", _("coaches trajectories")
        SPECIALISATIONS = "specialisations", _("offers specialisations")
        COORDINATION = "coordination", _("coordinates")
        PARTNER = "partner", _("partner")

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="organisation_roles",
        verbose_name=_("programme"),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="programme_roles",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    history = AuditTrail()
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("role in a programme")
        verbose_name_plural = _("roles in programmes")
        ordering = ["programme", "organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "organisation", "role"], name="programme_role_unique"
            ),
            models.UniqueConstraint(
                fields=["programme"], condition=Q(role="promoter"), name="one_promoter_per_programme"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code}: {self.organisation} – {self.get_role_display()}"


class FteAllocation(models.Model):
    """The FTE an organisation puts into a programme in one programme year; the money follows it."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="fte_allocations",
        verbose_name=_("programme"),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="fte_allocations",
        verbose_name=_("organisation"),
    )
    year = models.PositiveSmallIntegerField(
        _("programme year"), validators=[MinValueValidator(1)],
        help_text=_("1 for the programme's first twelve months, 2 for the next, …"),
    )
    fte = models.DecimalField(
        _("FTE"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    stated_share = models.DecimalField(
        _("share as stated (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        help_text=_("The share the source states; allocations compute their own from the FTEs."),
    )
    history = AuditTrail()
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("FTE allocation")
        verbose_name_plural = _("FTE allocations")
        ordering = ["programme", "year", "-fte"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "organisation", "year"], name="fte_unique_per_year"
            ),
            models.CheckConstraint(condition=Q(fte__gte=0), name="fte_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} Y{self.year} {self.organisation}: {self.fte} FTE"


class StaffMember(models.Model):
    """A user's place: the organisation they work for and the role they have in the system."""

    class Role(models.TextChoices):
        COACH = "coach", _("trajectory coach")
        PARTNER_SPECIALIST = "partner", _("partner specialist")
        REFERRER = "referrer", _("referrer")
        COORDINATOR = "coordinator", _("coordinator")
        AUDITOR = "auditor", _("auditor")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="staff",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    history = AuditTrail()
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        ordering = ["organisation__name", "user__last_name"]

    def __str__(self) -> str:
        return f"{self.user} ({self.organisation}, {self.get_role_display()})"


def staff_membership(user) -> StaffMember | None:
    """`user`'s staff membership with its organisation, or None: none where the sign-in read it with the
    user (partners.backends, a session's user), else one query the first time a request asks (the role
    and the organisation are asked on every page), kept on the user object after."""
    accessor = StaffMember.user.field.remote_field  # the reverse side, user.staff
    if not accessor.is_cached(user):
        staff = StaffMember.objects.select_related("organisation").filter(user_id=user.pk).first()
        if staff is not None:
            staff.user = user
        accessor.set_cached_value(user, staff)
    return accessor.get_cached_value(user)


class StaffAllocation(models.Model):
    """The share of one FTE a staff member's time is claimed by a programme, over a span of dates.

    A person's shares over all programmes may not add up to more than 100% on any day; the
    double-funding report lists every day they do, so the claim can be corrected."""

    staff = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("staff member")
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="staff_allocations", verbose_name=_("programme")
    )
    share = models.DecimalField(
        _("share of an FTE (%)"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True, help_text=_("Empty: still running."))
    history = AuditTrail()
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff time claimed")
        verbose_name_plural = _("staff time claimed")
        ordering = ["staff", "starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(share__gt=0, share__lte=100), name="staff_share_0_to_100"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="staff_allocation_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff.user} – {self.programme.code}: {self.share}%"


class Specialisation(models.Model):
    """A module of guidance (phase 4); its kind decides which result fields a referral records."""

    class ResultKind(models.TextChoices):
        PERSONAL_FEASIBILITY = "personal_feasibility", _("personal feasibility")
        MICROCREDIT = "microcredit", _("microcredit")
        FEASIBILITY = "feasibility", _("feasibility of the business idea")
        PROTECTED = "protected", _("entrepreneurship in a protected environment")
        MENTORING = "mentoring", _("mentoring and job shadowing")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    result_kind = models.CharField(_("kind of result"), max_length=30, choices=ResultKind.choices)
    history = AuditTrail()
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("specialisation")
        verbose_name_plural = _("specialisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SpecialisationOffer(models.Model):
    """An organisation offers a specialisation in a programme."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="specialisation_offers",
        verbose_name=_("programme"),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="specialisation_offers",
        verbose_name=_("organisation"),
    )
    specialisation = models.ForeignKey(
        Specialisation, on_delete=models.PROTECT, related_name="offers",
        verbose_name=_("specialisation"),
    )
    history = AuditTrail()
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("specialisation offer")
        verbose_name_plural = _("specialisation offers")
        ordering = ["programme", "specialisation__name", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "organisation", "specialisation"], name="offer_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code}: {self.specialisation} – {self.organisation}"
