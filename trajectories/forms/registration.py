"""Registering a participant: the person, the programme they enter in phase 1, and their consent.

The form checks the shape of the input field by field, so every mistake shows next to its field; the
services check the rules again when saving."""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casemgmt.identifiers import national_number_clean
from casemgmt.models import Programme
from trajectories.models import Participant

# The version of the consent text the participant agreed to; recorded with each consent.
CONSENT_VERSION = "2016-11"

LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")

# Fields that hold the registered person's data: the coach's browser must not fill in its own.
PERSONAL = {"autocomplete": "off"}


def _model_field(name: str):
    return Participant._meta.get_field(name)


def _text(name: str, **kwargs) -> forms.CharField:
    field = _model_field(name)
    kwargs.setdefault("required", False)
    kwargs.setdefault("help_text", field.help_text)
    kwargs.setdefault("widget", forms.TextInput(attrs=PERSONAL))
    return forms.CharField(label=field.verbose_name, max_length=field.max_length, **kwargs)


def _choice(name: str) -> forms.ChoiceField:
    field = _model_field(name)
    return forms.ChoiceField(
        label=field.verbose_name, required=False, help_text=field.help_text,
        choices=[("", _("not known")), *field.choices],
    )


class ParticipantRegistrationForm(forms.Form):
    first_name = _text("first_name", required=True)
    last_name = _text("last_name", required=True)
    birth_year = forms.IntegerField(
        label=_model_field("birth_year").verbose_name, required=False, min_value=1900,
        widget=forms.NumberInput(attrs={**PERSONAL, "inputmode": "numeric"}),
    )
    birth_month = forms.IntegerField(
        label=_model_field("birth_month").verbose_name, required=False, min_value=1, max_value=12,
        widget=forms.NumberInput(attrs={**PERSONAL, "inputmode": "numeric"}),
    )
    birth_day = forms.IntegerField(
        label=_model_field("birth_day").verbose_name, required=False, min_value=1, max_value=31,
        widget=forms.NumberInput(attrs={**PERSONAL, "inputmode": "numeric"}),
    )
    gender = _choice("gender")
    nationality = _text("nationality", widget=forms.TextInput(attrs={**PERSONAL, "size": 2}))
    residence_status = _choice("residence_status")
    languages = forms.CharField(
        label=_model_field("languages").verbose_name, required=False, max_length=200,
        help_text=_("Two-letter ISO 639-1 codes separated by commas, e.g. ar, fr, en."),
        widget=forms.TextInput(attrs=PERSONAL),
    )
    dutch_level = _choice("dutch_level")
    education = _choice("education")
    labour_market_status = _choice("labour_market_status")
    postcode = forms.CharField(
        label=_model_field("postcode").verbose_name, required=False, max_length=4,
        help_text=_model_field("postcode").help_text,
        validators=[RegexValidator(
            r"^[1-9][0-9]{3}$", _("A Belgian postcode has four digits, from 1000 to 9999, e.g. 2000."),
        )],
        widget=forms.TextInput(attrs={**PERSONAL, "inputmode": "numeric", "size": 4}),
    )
    email = forms.EmailField(
        label=_model_field("email").verbose_name, required=False,
        max_length=_model_field("email").max_length, widget=forms.EmailInput(attrs=PERSONAL),
    )
    phone = _text("phone", widget=forms.TextInput(attrs={**PERSONAL, "type": "tel"}))
    business_idea = forms.CharField(
        label=_model_field("business_idea").verbose_name, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    national_number = forms.CharField(
        label=_("national register / BIS number"), required=False, max_length=20,
        help_text=_("11 digits, e.g. 85.07.30-033.28. Leave it empty when the person has none yet."),
        widget=forms.TextInput(attrs={**PERSONAL, "inputmode": "numeric"}),
    )
    programme = forms.ModelChoiceField(
        label=_("programme"), queryset=Programme.objects.none(), empty_label=_("choose a programme"),
        help_text=_("The person enters this programme in phase 1 (sensitisation)."),
    )
    entered_on = forms.DateField(
        label=_("date reached"),
        help_text=_("The day the person was reached: the start of phase 1. It lies within the programme "
                    "and not in the future."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    consent = forms.BooleanField(
        required=True,
        error_messages={"required": _("A person is registered only with their consent: tick the box "
                                      "once they agreed.")},
    )
    confirm_not_duplicate = forms.BooleanField(
        label=_("I checked: this is a different person. Register them anyway."), required=False,
    )

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        # Built here, not at import, so the version appears in the user's language.
        self.fields["consent"].label = gettext(
            "The participant agreed to take part and to be registered for ESF "
            "(consent text version %(version)s)."
        ) % {"version": CONSENT_VERSION}
        self.fields["consent"].help_text = gettext("The consent is recorded as given on the date reached.")

    def clean_nationality(self) -> str:
        # Upper case first, then the model's own check (two letters), so "sy" is taken as SY.
        value = self.cleaned_data["nationality"].strip().upper()
        if value:
            for validator in _model_field("nationality").validators:
                validator(value)
        return value

    def clean_languages(self) -> list[str]:
        codes = [code.strip().lower() for code in self.cleaned_data["languages"].split(",") if code.strip()]
        wrong = [code for code in codes if not LANGUAGE_CODE.match(code)]
        if wrong:
            raise ValidationError(
                gettext("Not a two-letter ISO 639-1 language code: %(codes)s. Use codes such as ar, fr, "
                        "ti, separated by commas.") % {"codes": ", ".join(wrong)},
                code="language_code",
            )
        return list(dict.fromkeys(codes))

    def clean_postcode(self) -> int | None:
        value = self.cleaned_data["postcode"].strip()
        return int(value) if value else None

    def clean_national_number(self) -> str:
        # The same validation the service applies, so its message shows next to the field.
        value = self.cleaned_data["national_number"].strip()
        if value:
            national_number_clean(value)
        return value

    def clean(self):
        data = super().clean()
        self._check_birth_date(data.get("birth_year"), data.get("birth_month"), data.get("birth_day"))
        self._check_entered_on(data.get("programme"), data.get("entered_on"))
        return data

    def _check_birth_date(self, year: int | None, month: int | None, day: int | None) -> None:
        """Unknown parts may be left empty, from the day upwards; the known parts make a past date."""
        if any(name in self.errors for name in ("birth_year", "birth_month", "birth_day")):
            return
        today = timezone.localdate()
        if day is not None and month is None:
            self.add_error("birth_day", gettext(
                "A day of birth without a month cannot be stored: give the month too, or leave the "
                "day empty when it is unknown."))
        elif month is not None and year is None:
            self.add_error("birth_month", gettext(
                "A month of birth without a year cannot be stored: give the year too."))
        elif year is not None and day is not None:
            try:
                born = datetime.date(year, month, day)
            except ValueError:
                self.add_error("birth_day", gettext(
                    "%(day)02d/%(month)02d/%(year)d is not a date in the calendar."
                ) % {"day": day, "month": month, "year": year})
                return
            if born > today:
                self.add_error("birth_day", gettext("The date of birth lies in the future."))
        elif year is not None and (year, month or 1) > (today.year, today.month):
            self.add_error("birth_month" if month else "birth_year",
                           gettext("The date of birth lies in the future."))

    def _check_entered_on(self, programme: Programme | None, entered_on: datetime.date | None) -> None:
        if entered_on is None:
            return
        if entered_on > timezone.localdate():
            self.add_error("entered_on", gettext("The date reached cannot lie in the future."))
        elif programme is not None and not programme.starts_on <= entered_on <= programme.ends_on:
            self.add_error("entered_on", gettext(
                "The date reached lies within the programme: %(programme)s runs from %(start)s to %(end)s."
            ) % {"programme": programme.code, "start": programme.starts_on, "end": programme.ends_on})

    def participant_fields(self) -> dict:
        """The keyword arguments for participant_register and participant_likely_duplicates."""
        names = ("first_name", "last_name", "birth_year", "birth_month", "birth_day", "gender",
                 "nationality", "residence_status", "languages", "dutch_level", "education",
                 "labour_market_status", "postcode", "email", "phone", "business_idea", "national_number")
        return {name: self.cleaned_data[name] for name in names}

    def duplicate_lookup(self) -> dict:
        names = ("first_name", "last_name", "birth_year", "birth_month", "birth_day", "national_number")
        return {name: self.cleaned_data[name] for name in names}
