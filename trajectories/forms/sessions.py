"""The forms of the group-session pages: plan an info or theme session, record who came."""

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from casemgmt.models import Programme
from trajectories.forms.actions import DateInput, WorkspaceForm, label
from trajectories.models import Session, Trajectory
from trajectories.selectors import GROUP_SESSION_KINDS


class GroupSessionForm(WorkspaceForm):
    """The arguments of session_plan_group; `programme` offers the programmes the user runs."""

    programme = forms.ModelChoiceField(label=label(Session, "programme"), queryset=Programme.objects.none())
    kind = forms.ChoiceField(
        label=label(Session, "kind"),
        choices=[(kind.value, kind.label) for kind in Session.Kind if kind in GROUP_SESSION_KINDS],
    )
    held_on = forms.DateField(label=label(Session, "held_on"), widget=DateInput)
    duration_minutes = forms.IntegerField(
        label=label(Session, "duration_minutes"), min_value=5, max_value=600, initial=120
    )
    title = forms.CharField(label=label(Session, "title"), max_length=200)
    location = forms.CharField(label=label(Session, "location"), max_length=200, required=False)

    def __init__(self, *args, programmes: QuerySet[Programme], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes


class AttendanceForm(WorkspaceForm):
    """Who came, among the trajectories listed (`shown`): a listed one left unchecked is recorded as
    absent if it was recorded as attending before; one not listed (a narrowed search) is left alone."""

    attended = forms.TypedMultipleChoiceField(
        label=_("Attended"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    shown = forms.TypedMultipleChoiceField(coerce=int, required=False, widget=forms.MultipleHiddenInput)

    def __init__(self, *args, candidates: list[Trajectory], **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {trajectory.pk: trajectory for trajectory in candidates}
        choices = [(trajectory.pk, str(trajectory.participant)) for trajectory in candidates]
        self.fields["attended"].choices = choices
        self.fields["shown"].choices = choices

    def clean(self):
        cleaned = super().clean()
        attended = set(cleaned.get("attended", []))
        shown = set(cleaned.get("shown", [])) | attended
        cleaned["attended"] = sorted(attended)
        cleaned["absent"] = sorted(
            pk for pk in shown - attended if getattr(self.candidates[pk], "attended_here", False)
        )
        return cleaned
