"""Uploading a file of participants: the file, the programme they enter, optionally their coach."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casemgmt.models import User
from trajectories.forms.registration import CONSENT_VERSION

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
EXTENSIONS = (".csv", ".xlsx")


class ParticipantImportForm(forms.Form):
    file = forms.FileField(
        label=_("file"),
        help_text=_("CSV (separated by ; or ,) or Excel (.xlsx); the first row holds the column names."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    programme = forms.ModelChoiceField(
        label=_("programme"), queryset=None, empty_label=_("choose a programme"),
        help_text=_("Every person in the file gets a trajectory in this programme."),
    )
    coach = forms.TypedChoiceField(
        label=_("coach"), required=False, coerce=int, empty_value=None,
        help_text=_("Optional: the coach of every imported trajectory."),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file; save nothing."), required=False,
    )
    consent = forms.BooleanField(
        required=True,
        error_messages={"required": _("People are registered only with their consent: tick the box once "
                                      "everyone in the file agreed.")},
    )

    def __init__(self, *args, programmes, coaches: dict[int, list[User]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        self.coaches = coaches
        if coaches is None:
            del self.fields["coach"]  # the coach's own trajectories, or (a referrer's) none
        else:
            people = {coach.pk: coach for listed in coaches.values() for coach in listed}
            self.fields["coach"].choices = [("", _("no coach yet")), *(
                (pk, f"{coach.get_full_name() or coach.get_username()} ({coach.staff.organisation})")
                for pk, coach in sorted(people.items(), key=lambda item: str(item[1]))
            )]
        self.fields["consent"].label = gettext(
            "Everyone in the file agreed to take part and to be registered for ESF (consent text version "
            "%(version)s); the consent is recorded as given on their phase-1 date."
        ) % {"version": CONSENT_VERSION}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(EXTENSIONS):
            raise ValidationError(
                gettext("Upload a .csv or .xlsx file (an old .xls file: save it as .xlsx)."),
                code="import_extension")
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(gettext("The file is larger than %(size)d MB: split it.")
                                  % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}, code="import_size")
        return upload

    def clean(self):
        data = super().clean()
        coach_id, programme = data.get("coach"), data.get("programme")
        data["coach_user"] = None
        if coach_id and programme is not None and self.coaches is not None:
            coach = next((c for c in self.coaches.get(programme.pk, []) if c.pk == coach_id), None)
            if coach is None:
                self.add_error("coach", gettext("This coach does not coach in %(programme)s.")
                               % {"programme": programme.code})
            data["coach_user"] = coach
        return data
