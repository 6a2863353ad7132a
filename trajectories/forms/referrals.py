"""The partner's forms: the inbox filters, and the answers to a referral (accept, decline, start, stop,
complete with the typed result of its specialisation, follow up a granted credit). The rules are the
services' to check; these forms only make sure each value has the right type."""

from django import forms
from django.utils.translation import gettext_lazy as _

from trajectories.forms.actions import DateInput, WorkspaceForm, label
from trajectories.models import Referral, ReferralEvent, ReferralResult
from trajectories.services.referrals import RESULT_FIELDS

# The values referral_inbox takes, in the words of the page.
STATUS_CHOICES = [
    ("open", _("open (sent, accepted or in progress)")),
    *Referral.Status.choices,
    ("all", _("all")),
]
AGE_CHOICES = [
    ("", _("any time")),
    ("7", _("in the last 7 days")),
    ("30", _("in the last 30 days")),
    ("older", _("more than 30 days ago")),
]


class InboxFilterForm(forms.Form):
    """What a GET query string may ask of the inbox; a value that does not validate is reported on its
    field and left out of the filter."""

    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    age = forms.ChoiceField(label=_("Sent"), choices=AGE_CHOICES, required=False)

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"status": data.get("status") or "open", "age": data.get("age") or ""}


class StepForm(WorkspaceForm):
    """A step of a referral, dated today unless the partner says otherwise."""

    on = forms.DateField(
        label=label(ReferralEvent, "on"), widget=DateInput, required=False,
        help_text=_("Leave empty for today."),
    )

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.referral = referral

    def arguments(self) -> dict:
        """The keyword arguments of the step's service."""
        return {"on": self.cleaned_data.get("on")}


class ReasonStepForm(StepForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def arguments(self) -> dict:
        return {**super().arguments(), "reason": self.cleaned_data["reason"]}


class CompleteForm(StepForm):
    """The partner's feedback and the result of this referral's kind of specialisation, with the
    fields of that kind only (required ones first), each typed as the result model stores it."""

    feedback = forms.CharField(
        label=label(Referral, "feedback"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What came out of it, for the coach."),
    )

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, referral=referral, **kwargs)
        required, optional = RESULT_FIELDS[referral.specialisation.result_kind]
        self.result_fields = (*required, *optional)
        for name in self.result_fields:
            self.fields[name] = result_field(name, required=name in required)

    def arguments(self) -> dict:
        data = self.cleaned_data
        return {
            **super().arguments(), "feedback": data["feedback"],
            "result": {name: data.get(name) for name in self.result_fields},
        }


def result_field(name: str, *, required: bool) -> forms.Field:
    """The form field of one result field: decimals, choices, dates and whole numbers as the model types
    them, labelled with the model's words."""
    model_field = ReferralResult._meta.get_field(name)
    field = model_field.formfield()
    field.required = required
    field.label = label(ReferralResult, name)
    if isinstance(field, forms.DateField):
        field.widget = DateInput()
    elif isinstance(field, forms.ChoiceField):
        field.choices = [("", "—"), *model_field.choices]
    elif isinstance(field.widget, forms.Textarea):
        field.widget.attrs["rows"] = 3
    return field


class FollowUpForm(StepForm):
    """After a granted microcredit: how the repayment goes, kept up to date by the partner."""

    on = None  # not a step: the follow-up text is kept up to date
    repayment_follow_up = forms.CharField(
        label=label(ReferralResult, "repayment_follow_up"), widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, referral: Referral, **kwargs):
        result = getattr(referral, "result", None)
        if result is not None:
            kwargs.setdefault("initial", {"repayment_follow_up": result.repayment_follow_up})
        super().__init__(*args, referral=referral, **kwargs)

    def arguments(self) -> dict:
        return {"repayment_follow_up": self.cleaned_data["repayment_follow_up"]}
