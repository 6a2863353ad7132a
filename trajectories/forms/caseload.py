"""The caseload's filters: what a GET query string may ask for, checked before it reaches the selector."""

from django import forms
from django.utils.translation import gettext_lazy as _

from casemgmt.models import Phase, Programme, Region, User
from casemgmt.widgets import Select
from trajectories.selectors import CASELOAD_SORTS, NO_COACH

STATUS_CHOICES = [("open", _("open")), ("ended", _("ended")), ("all", _("all"))]


class CaseloadFilterForm(forms.Form):
    """Built from lists the view read once (programmes, regions, coaches), so validating runs no query.

    A value that does not validate is reported on its field and left out of the filter."""

    q = forms.CharField(
        label=_("Name"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=_("Part of a first or last name; accents and capitals do not matter."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False, widget=Select)
    phase = forms.TypedChoiceField(
        label=_("Phase"), coerce=int, empty_value=None, required=False, widget=Select,
        choices=[("", _("all phases")), *((value, f"{value} · {label}") for value, label in Phase.choices)],
    )
    province = forms.ChoiceField(label=_("Province"), required=False, widget=Select)
    programme = forms.TypedChoiceField(label=_("Programme"), coerce=int, empty_value=None, required=False,
                                       widget=Select)
    coach = forms.ChoiceField(label=_("Coach"), required=False, widget=Select)
    sort = forms.ChoiceField(
        required=False, widget=forms.HiddenInput,
        choices=[(f"{sign}{key}", key) for key in CASELOAD_SORTS for sign in ("", "-")],
    )

    def __init__(self, *args, programmes: list[Programme], regions: list[Region],
                 coaches: list[User] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [
            ("", _("all provinces")), *((region.code, region.name) for region in regions)
        ]
        self.fields["programme"].choices = [
            ("", _("all programmes")), *((programme.pk, programme.code) for programme in programmes)
        ]
        if coaches is None:
            del self.fields["coach"]
        else:
            self.fields["coach"].choices = [
                ("", _("all coaches")), (NO_COACH, _("no coach yet")),
                *((str(coach.pk), str(coach)) for coach in coaches),
            ]

    def filters(self) -> dict:
        """The arguments for caseload_for: the valid values, defaults for the rest."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "status": data.get("status") or "open",
            "phase": data.get("phase"),
            "region_code": data.get("province") or "",
            "programme_id": data.get("programme"),
            "coach": data.get("coach") or "",
            "search": data.get("q") or "",
            "sort": data.get("sort") or "name",
        }
