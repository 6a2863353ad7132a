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
from trajectories.models import Screening, Session, Trajectory


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
    """The form of an action on `trajectory`; `coaches` are those it may be given to (read once per
    page, not per form)."""

    def __init__(self, *args, trajectory: Trajectory, coaches: list[User] | None = None, **kwargs):
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
