"""Registering a participant: the person, their trajectory from phase 1, and their consent, saved
together or not at all, after a warning when the person may already be registered."""

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from casemgmt.models import Phase, User
from trajectories.forms.registration import CONSENT_VERSION, ParticipantRegistrationForm
from trajectories.models import ConsentRecord, Participant
from trajectories.policies import Role, may_register, organisation_of, role_of
from trajectories.selectors import participant_likely_duplicates, programmes_open_for_registration_by
from trajectories.services import consent_record, participant_register, trajectory_open
from trajectories.views.rules import run_service


def _register(user: User, form: ParticipantRegistrationForm) -> Participant | None:
    """Register the person, open their trajectory in phase 1 and record their consent, in one
    transaction: when a service refuses, its message is on the form and nothing is saved."""
    data = form.cleaned_data
    role = role_of(user)
    with transaction.atomic():
        participant = run_service(form, participant_register, by=user, **form.participant_fields())
        trajectory = None if participant is None else run_service(
            form, trajectory_open, participant=participant, programme=data["programme"], by=user,
            entered_on=data["entered_on"], phase=Phase.SENSITISATION,
            coach=user if role == Role.COACH else None,
            referred_by=organisation_of(user) if role == Role.REFERRER else None,
        )
        consent = None if trajectory is None else run_service(
            form, consent_record, participant=participant, by=user,
            purpose=ConsentRecord.Purpose.PROGRAMME, given_on=data["entered_on"], version=CONSENT_VERSION,
        )
        if consent is None:
            # run_service caught the refusal: undo what the services before it wrote.
            transaction.set_rollback(True)
            return None
    return participant


@login_required
@require_http_methods(["GET", "POST"])
def register(request):
    user = request.user
    if not may_register(user):
        raise Http404
    form = ParticipantRegistrationForm(
        request.POST or None,
        programmes=programmes_open_for_registration_by(user),
        initial={"entered_on": timezone.localdate()},
    )
    duplicates: Counter = Counter()
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data["confirm_not_duplicate"]:
            # Counted, never shown: the other record may lie outside the user's scope.
            found = participant_likely_duplicates(**form.duplicate_lookup())
            duplicates = Counter(match.reason for match in found)
        if not duplicates:
            participant = _register(user, form)
            if participant is not None:
                messages.success(request, _("%(name)s is registered and enters phase 1 of %(programme)s.")
                                 % {"name": participant, "programme": form.cleaned_data["programme"].code})
                return redirect("trajectories:participant_detail", participant.pk)
    return render(request, "workspace/register.html", {
        "title": gettext_lazy("Register a participant"),
        "nav": "register",
        "form": form,
        "duplicates": duplicates,
        "duplicate_count": sum(duplicates.values()),
        "consent_version": CONSENT_VERSION,
    })


urlpatterns = [
    path("participants/new/", register, name="participant_register"),
]
