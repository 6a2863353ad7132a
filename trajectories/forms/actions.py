"""The forms of the actions on a trajectory. Their cleaned data are the keyword arguments of the
service each one feeds (trajectory_advance, session_log_individual, ...), so a view passes them on as
they are; the rules themselves are the services' to check."""


from django import forms
from django.db import models
from django.forms.utils import ErrorList
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _

from casemgmt.clock import today
from casemgmt.models import Phase, User
from partners.models import Organisation, SpecialisationOffer
from trajectories.models import ConsentRecord, Referral, Screening, Session, Trajectory


class AlertErrorList(ErrorList):
    """Errors a screen reader announces as they appear (role="alert"); a field's list keeps the id
    that Django's aria-describedby on the input points to."""

    def render(self, template_name=None, context=None, renderer=None):
        if not self:
            return ""
        field_id = format_html(' id="{}_error"', self.field_id) if getattr(self, "field_id", None) else ""
        items = format_html_join("", "<li>{}</li>", ((error,) for error in self))
        return format_html('<ul class="{}" role="alert"{}>{}</ul>', self.error_class, field_id, items)

    __str__ = __html__ = render


class WorkspaceForm(forms.Form):
    """A form of the workspace: errors announced as alerts, labels without a trailing colon."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_class", AlertErrorList)
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DateInput(forms.DateInput):
    """The browser's date picker; the value travels as YYYY-MM-DD whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def label(model: type[models.Model], name: str):
    """A field's label from the model's verbose name, so the page and the admin say the same."""
    return capfirst(model._meta.get_field(name).verbose_name)


def date_field(model: type[models.Model], name: str, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label(model, name), widget=DateInput, required=required)


class ActionForm(WorkspaceForm):
    """The form of an action on `trajectory`; `coaches` are those it may be given to and `offers` the
    specialisations it may be referred to (each read once per page, not per form); `coordinator`
    says whether a coordinator fills it in."""

    def __init__(self, *args, trajectory: Trajectory, coaches: list[User] | None = None,
                 offers: list[SpecialisationOffer] | None = None, coordinator: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.trajectory = trajectory


class AdvanceForm(ActionForm):
    phase = forms.TypedChoiceField(
        label=_("Phase"),
        coerce=int,
        choices=[(phase.value, format_lazy("{} – {}", phase.value, phase.label))
                 for phase in Phase if phase > Phase.SENSITISATION],
    )
    on = forms.DateField(label=_("Entered on"), widget=DateInput)

    def __init__(self, *args, trajectory: Trajectory, **kwargs):
        kwargs.setdefault("initial", {"on": today()})
        current = getattr(trajectory, "phase", None)  # annotated by with_phase()
        if current and current < Phase.GUIDANCE:
            kwargs["initial"].setdefault("phase", current + 1)
        super().__init__(*args, trajectory=trajectory, **kwargs)


class LogSessionForm(ActionForm):
    held_on = date_field(Session, "held_on")
    duration_minutes = forms.IntegerField(
        label=label(Session, "duration_minutes"), min_value=5, max_value=600
    )
    title = forms.CharField(label=label(Session, "title"), max_length=200, required=False)
    notes = forms.CharField(label=label(Session, "notes"), widget=forms.Textarea(attrs={"rows": 3}),
                            required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"held_on": today()})
        super().__init__(*args, **kwargs)


class ScreeningForm(ActionForm):
    screened_on = date_field(Screening, "screened_on")
    residence_permit_ok = forms.BooleanField(label=label(Screening, "residence_permit_ok"), required=False)
    professional_card_needed = forms.BooleanField(
        label=label(Screening, "professional_card_needed"), required=False
    )
    basic_management_knowledge = forms.BooleanField(
        label=label(Screening, "basic_management_knowledge"), required=False
    )
    language_sufficient = forms.BooleanField(label=label(Screening, "language_sufficient"), required=False)
    financially_feasible = forms.BooleanField(label=label(Screening, "financially_feasible"), required=False)
    potential = forms.ChoiceField(label=label(Screening, "potential"), choices=Screening.Potential.choices)
    decision = forms.ChoiceField(label=label(Screening, "decision"), choices=Screening.Decision.choices)
    notes = forms.CharField(label=label(Screening, "notes"), widget=forms.Textarea(attrs={"rows": 3}),
                            required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"screened_on": today()})
        super().__init__(*args, **kwargs)


class OutcomeForm(ActionForm):
    outcome = forms.ChoiceField(label=label(Trajectory, "outcome"), choices=Trajectory.Outcome.choices)
    enterprise_number = forms.CharField(
        label=label(Trajectory, "enterprise_number"), max_length=20, required=False,
        help_text=_("For self-employment: the participant's own enterprise number, e.g. 0403.019.261."),
    )
    self_employed_since = date_field(Trajectory, "self_employed_since", required=False)
    occupation = forms.ChoiceField(
        label=label(Trajectory, "occupation"), required=False,
        choices=[("", "—"), *Trajectory.Occupation.choices],
    )
    recorded_on = forms.DateField(label=label(Trajectory, "outcome_recorded_on"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"recorded_on": today()})
        super().__init__(*args, **kwargs)


class EndForm(ActionForm):
    ended_on = date_field(Trajectory, "ended_on")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"ended_on": today()})
        super().__init__(*args, **kwargs)


def _offer_label(offer: SpecialisationOffer) -> str:
    return f"{offer.specialisation} — {offer.organisation}"


class ReferForm(ActionForm):
    """Refer to a specialisation: one choice of a specialisation and an organisation that offers it in
    the trajectory's programme. Its cleaned data are referral_send's arguments."""

    offer = forms.TypedChoiceField(label=_("Specialisation and organisation"), coerce=int)
    question = forms.CharField(
        label=label(Referral, "question"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What should the partner look at? They see this question, the person's name, "
                    "contact, languages and business idea, and nothing else of the file."),
    )
    consent_override_reason = forms.CharField(
        label=_("Send without the participant's consent to share: the reason"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when the participant has not agreed to share their data with this organisation; "
                    "leave empty otherwise."),
    )

    def __init__(self, *args, offers: list[SpecialisationOffer] | None = None, coordinator: bool = False,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.offers = {offer.pk: offer for offer in offers or []}
        self.fields["offer"].choices = [("", "—"), *((pk, _offer_label(o)) for pk, o in self.offers.items())]
        if not coordinator:
            del self.fields["consent_override_reason"]

    def clean(self):
        data = super().clean()
        offer = self.offers.get(data.pop("offer", None))
        if offer is not None:
            data["specialisation"], data["organisation"] = offer.specialisation, offer.organisation
        return data


class ShareConsentForm(ActionForm):
    """The participant's consent to share their data with one partner organisation of the programme."""

    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    given_on = date_field(ConsentRecord, "given_on")

    def __init__(self, *args, offers: list[SpecialisationOffer] | None = None, **kwargs):
        kwargs.setdefault("initial", {"given_on": today()})
        super().__init__(*args, **kwargs)
        self.organisations: dict[int, Organisation] = {}
        for offer in offers or []:
            self.organisations.setdefault(offer.organisation_id, offer.organisation)
        ordered = sorted(self.organisations.values(), key=lambda organisation: organisation.name)
        self.fields["organisation"].choices = [("", "—"), *((o.pk, o.name) for o in ordered)]

    def clean_organisation(self) -> Organisation:
        return self.organisations[self.cleaned_data["organisation"]]


class WithdrawReferralForm(ActionForm):
    """Withdraw one of the trajectory's open referrals, with the reason."""

    referral = forms.TypedChoiceField(label=_("Referral"), coerce=int)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, trajectory: Trajectory, **kwargs):
        super().__init__(*args, trajectory=trajectory, **kwargs)
        referrals = trajectory.referrals.all()
        if "referrals" not in getattr(trajectory, "_prefetched_objects_cache", {}):
            # On a POST, not prefetched as on the page: read them with what their labels name.
            referrals = referrals.select_related("specialisation", "organisation")
        self.referrals = {r.pk: r for r in referrals if r.is_open}
        self.fields["referral"].choices = [
            (pk, f"{r.specialisation} — {r.organisation} ({r.get_status_display()})")
            for pk, r in self.referrals.items()
        ]

    def clean_referral(self) -> Referral:
        return self.referrals[self.cleaned_data["referral"]]


class AssignCoachForm(ActionForm):
    """Choose among the coaches who may take the trajectory on."""

    coach = forms.TypedChoiceField(label=label(Trajectory, "coach"), coerce=int)

    def __init__(self, *args, trajectory: Trajectory, coaches: list[User] | None = None, **kwargs):
        if trajectory.coach_id:
            kwargs.setdefault("initial", {"coach": trajectory.coach_id})
        super().__init__(*args, trajectory=trajectory, **kwargs)
        coaches = coaches or []
        self.coaches = {coach.pk: coach for coach in coaches}
        self.fields["coach"].choices = [
            (coach.pk, f"{coach.get_full_name() or coach.get_username()} ({coach.staff.organisation})")
            for coach in coaches
        ]

    def clean_coach(self) -> User:
        return self.coaches[self.cleaned_data["coach"]]
