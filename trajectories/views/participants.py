"""The participant page: who the person is, each trajectory as a timeline (with its referrals to
specialisations, their steps and results), and the actions on it, referring and withdrawing included.

The page starts from the access policy (the people whose status the user may see; a referrer gets
the status alone) and every action from the trajectories the user may change: anything else answers
404, as if it did not exist. Each action is a POST of its own that works as a plain form and, with
htmx, swaps the trajectory's section in place; a refused action shows the rule it broke.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from casemgmt.access import access_log_record
from casemgmt.models import AccessLog, Phase
from partners.models import Organisation, Specialisation
from trajectories.forms.actions import (
    ActionForm,
    AdvanceForm,
    AssignCoachForm,
    EndForm,
    LogSessionForm,
    OutcomeForm,
    ReferForm,
    ScreeningForm,
    ShareConsentForm,
    WithdrawReferralForm,
)
from trajectories.forms.registration import CONSENT_VERSION
from trajectories.models import ConsentRecord, Participant, Referral, Trajectory
from trajectories.policies import (
    Role,
    get_visible_or_404,
    participants_visible_to,
    role_of,
    trajectories_visible_to,
)
from trajectories.selectors import (
    coaches_by_programme,
    participant_trajectories,
    participants_with_province_today,
    participants_with_status_visible_to,
    trajectory_timeline,
)
from trajectories.selectors.referrals import consents_to_share, offers_by_programme
from trajectories.services import (
    consent_record,
    participant_identifier_masked,
    referral_send,
    referral_withdraw,
    screening_record,
    session_log_individual,
    trajectory_advance,
    trajectory_assign_coach,
    trajectory_end,
    trajectory_record_outcome,
)
from trajectories.views.rules import run_service

# Who reads coaching notes (of sessions and screenings): the people who do the coaching.
NOTE_READERS = {Role.COACH, Role.COORDINATOR}


def _day(value) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def _in_guidance(trajectory: Trajectory) -> bool:
    return (getattr(trajectory, "phase", None) or 0) >= Phase.GUIDANCE


def _has_open_referral(trajectory: Trajectory) -> bool:
    return any(referral.is_open for referral in trajectory.referrals.all())


# The services behind the referral actions, called as every action's service is: with the trajectory.


def _refer(*, trajectory: Trajectory, by, specialisation: Specialisation, organisation: Organisation,
           question: str, consent_override_reason: str = "") -> Referral:
    return referral_send(trajectory=trajectory, by=by, specialisation=specialisation,
                         organisation=organisation, question=question,
                         consent_override_reason=consent_override_reason)


def _consent_to_share(*, trajectory: Trajectory, by, organisation: Organisation, given_on) -> ConsentRecord:
    return consent_record(participant=trajectory.participant, by=by, organisation=organisation,
                          purpose=ConsentRecord.Purpose.SHARE_WITH_PARTNER, given_on=given_on,
                          version=CONSENT_VERSION)


def _withdraw(*, trajectory: Trajectory, by, referral: Referral, reason: str) -> Referral:
    return referral_withdraw(referral=referral, by=by, reason=reason)


@dataclass(frozen=True)
class Action:
    """One thing a coach (or coordinator) does to a trajectory: its form, its service, its words."""

    name: str  # the URL name is "trajectory_<name>"
    form_class: type[ActionForm]
    service: Callable[..., Any]
    title: Promise  # the fold's summary
    submit: Promise  # the button
    done: Callable[[Trajectory, dict], str]  # the message once it is done
    while_open: bool = True  # offered only while the trajectory is open
    coordinator_only: bool = False
    available: Callable[[Trajectory], bool] | None = None  # offered only when this holds
    uses_offers: bool = False  # its form chooses among the specialisations offered in the programme

    @property
    def url_name(self) -> str:
        return f"trajectories:trajectory_{self.name}"

    def form(self, trajectory: Trajectory, *, data=None, coaches: list | None = None,
             offers: list | None = None, coordinator: bool = False) -> ActionForm:
        # Ids unique on a page that holds the same form for several trajectories.
        return self.form_class(data, trajectory=trajectory, coaches=coaches, offers=offers,
                               coordinator=coordinator, auto_id=f"t{trajectory.pk}-{self.name}-%s")


ACTIONS = {
    action.name: action
    for action in (
        Action(
            "advance", AdvanceForm, trajectory_advance,
            gettext_lazy("Advance to a next phase"), gettext_lazy("Advance"),
            lambda trajectory, data: _("Phase %(phase)d (%(name)s) entered on %(date)s.") % {
                "phase": data["phase"], "name": Phase(data["phase"]).label, "date": _day(data["on"])},
        ),
        Action(
            "log_session", LogSessionForm, session_log_individual,
            gettext_lazy("Log an individual session"), gettext_lazy("Log session"),
            lambda trajectory, data: _("Session of %(date)s logged.") % {"date": _day(data["held_on"])},
            while_open=False,  # a contact that took place before the end can be logged afterwards
        ),
        Action(
            "screening", ScreeningForm, screening_record,
            gettext_lazy("Record a screening"), gettext_lazy("Record screening"),
            lambda trajectory, data: _("Screening of %(date)s recorded.") % {
                "date": _day(data["screened_on"])},
        ),
        Action(
            "outcome", OutcomeForm, trajectory_record_outcome,
            gettext_lazy("Record the outcome"), gettext_lazy("Record outcome"),
            lambda trajectory, data: _("Outcome recorded: %(outcome)s.") % {
                "outcome": Trajectory.Outcome(data["outcome"]).label},
            while_open=False,  # the outflow is followed up after the trajectory ended
        ),
        Action(
            "end", EndForm, trajectory_end,
            gettext_lazy("End the trajectory"), gettext_lazy("End trajectory"),
            lambda trajectory, data: _("Trajectory ended on %(date)s.") % {"date": _day(data["ended_on"])},
        ),
        Action(
            "refer", ReferForm, _refer,
            gettext_lazy("Refer to a specialisation"), gettext_lazy("Send referral"),
            lambda trajectory, data: _("Referred to %(specialisation)s at %(organisation)s.") % {
                "specialisation": data["specialisation"], "organisation": data["organisation"]},
            available=_in_guidance, uses_offers=True,
        ),
        Action(
            "share_consent", ShareConsentForm, _consent_to_share,
            gettext_lazy("Record consent to share with a partner"), gettext_lazy("Record consent"),
            lambda trajectory, data: _("%(name)s agreed to share their data with %(organisation)s.") % {
                "name": trajectory.participant, "organisation": data["organisation"]},
            available=_in_guidance, uses_offers=True,
        ),
        Action(
            "withdraw_referral", WithdrawReferralForm, _withdraw,
            gettext_lazy("Withdraw a referral"), gettext_lazy("Withdraw referral"),
            lambda trajectory, data: _("The referral to %(specialisation)s was withdrawn.") % {
                "specialisation": data["referral"].specialisation},
            while_open=False,  # an open referral can be withdrawn also after the trajectory ended
            available=_has_open_referral,
        ),
        Action(
            "assign_coach", AssignCoachForm, trajectory_assign_coach,
            gettext_lazy("Assign another coach"), gettext_lazy("Assign coach"),
            lambda trajectory, data: _("%(coach)s now coaches this trajectory.") % {
                "coach": data["coach"].get_full_name() or data["coach"].get_username()},
            coordinator_only=True,
        ),
    )
}


# Reading


def _participant_or_404(request: HttpRequest, pk: int) -> tuple[Participant, bool]:
    """The person and whether the user sees only their status (a referrer of the person). A partner
    sees a person only through a referral to their organisation: the referral page, not this one."""
    role = role_of(request.user)
    if role == Role.PARTNER:
        raise Http404
    if role == Role.REFERRER:
        return get_visible_or_404(participants_with_status_visible_to(request.user), pk=pk), True
    visible = participants_with_province_today(participants_visible_to(request.user))
    return get_visible_or_404(visible, pk=pk), False


def _sections(
    request: HttpRequest,
    participant: Participant,
    *,
    status_only: bool,
    trajectory_id: int | None = None,
    bound: tuple[int, str, forms.Form] | None = None,
    notice: str = "",
) -> list[dict]:
    """What each trajectory's section shows: the timeline, and the action forms when the user may
    act; `bound` is a submitted form to show again with its errors, `notice` what was just done."""
    user = request.user
    trajectories = participant_trajectories(
        participant=participant, user=user, status_only=status_only, trajectory_id=trajectory_id
    )
    coordinator = role_of(user) == Role.COORDINATOR
    coaches = (
        coaches_by_programme({t.programme_id for t in trajectories if t.may_change}) if coordinator else {}
    )
    referable = {t.programme_id for t in trajectories if t.may_change and _in_guidance(t)}
    offers = offers_by_programme(referable) if referable and not status_only else {}
    sections = []
    for trajectory in trajectories:
        actions = []
        for action in ACTIONS.values():
            is_bound = bound is not None and bound[:2] == (trajectory.pk, action.name)
            offered = (
                trajectory.may_change and not status_only
                and (coordinator or not action.coordinator_only)
                and (trajectory.ended_on is None or not action.while_open)
                and (action.available is None or action.available(trajectory))
            )
            if not (offered or is_bound):  # a refused form stays, with the rule it broke
                continue
            if is_bound:
                form = bound[2]
            else:
                form = action.form(trajectory, coaches=coaches.get(trajectory.programme_id),
                                   offers=offers.get(trajectory.programme_id), coordinator=coordinator)
            actions.append({
                "name": action.name, "title": action.title, "submit": action.submit, "form": form,
                "url": reverse(action.url_name, args=[trajectory.pk]), "open": is_bound,
            })
        entries = list(trajectory.phase_entries.all())
        sections.append({
            "trajectory": trajectory,
            "current": entries[-1] if entries else None,
            "timeline": trajectory_timeline(trajectory, status_only=status_only),
            "actions": actions,
            "notice": notice if trajectory.pk == trajectory_id else "",
        })
    return sections


def _log_view(request: HttpRequest, participant: Participant) -> None:
    access_log_record(request=request, action=AccessLog.Action.VIEW, obj=participant,
                      participant_id=participant.pk)


def _page(
    request: HttpRequest,
    participant: Participant,
    *,
    status_only: bool,
    bound: tuple[int, str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    _log_view(request, participant)
    identifier = "" if status_only else participant_identifier_masked(participant=participant)
    return render(request, "workspace/participant.html", {
        "title": str(participant),
        "nav": "participant",
        "participant": participant,
        "identifier_masked": identifier,
        "sharing": [] if status_only else consents_to_share(participant, request.user),
        "status_only": status_only,
        "show_notes": role_of(request.user) in NOTE_READERS,
        "sections": _sections(request, participant, status_only=status_only, bound=bound),
    }, status=status)


@login_required
@require_GET
def participant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    participant, status_only = _participant_or_404(request, pk)
    return _page(request, participant, status_only=status_only)


# Acting


def _section_response(
    request: HttpRequest,
    trajectory: Trajectory,
    *,
    bound: tuple[int, str, forms.Form] | None = None,
    notice: str = "",
) -> HttpResponse:
    """The trajectory's section alone, for htmx to swap in place (200 also when refused: htmx swaps
    only successful answers, and the errors are part of the section)."""
    participant = trajectory.participant
    sections = _sections(request, participant, status_only=False, trajectory_id=trajectory.pk,
                         bound=bound, notice=notice)
    if not sections:  # out of the user's sight now: show the page as it is
        return HttpResponseClientRefresh()
    _log_view(request, participant)
    return render(request, "workspace/_participant_trajectory.html", {
        "section": sections[0],
        "status_only": False,
        "show_notes": role_of(request.user) in NOTE_READERS,
    })


def _action_view(action: Action) -> Callable[[HttpRequest, int], HttpResponse]:
    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        if action.coordinator_only and role_of(request.user) != Role.COORDINATOR:
            raise Http404
        changeable = trajectories_visible_to(request.user, for_change=True).with_phase()
        trajectory = get_visible_or_404(changeable.select_related("participant", "programme"), pk=pk)
        coordinator = role_of(request.user) == Role.COORDINATOR
        coaches = coaches_by_programme([trajectory.programme_id]).get(trajectory.programme_id, [])
        offers = (
            offers_by_programme([trajectory.programme_id]).get(trajectory.programme_id, [])
            if action.uses_offers else []
        )
        form = action.form(trajectory, data=request.POST, coaches=coaches, offers=offers,
                           coordinator=coordinator)
        done = form.is_valid() and run_service(
            form, action.service, trajectory=trajectory, by=request.user, **form.cleaned_data
        ) is not None
        if done:
            message = action.done(trajectory, form.cleaned_data)
            if request.htmx:
                return _section_response(request, trajectory, notice=message)
            messages.success(request, message)
            url = reverse("trajectories:participant_detail", args=[trajectory.participant_id])
            return redirect(f"{url}#trajectory-{trajectory.pk}")
        bound = (trajectory.pk, action.name, form)
        if request.htmx:
            return _section_response(request, trajectory, bound=bound)
        participant, status_only = _participant_or_404(request, trajectory.participant_id)
        return _page(request, participant, status_only=status_only, bound=bound, status=400)

    view.__name__ = view.__qualname__ = f"trajectory_{action.name}"
    return view


urlpatterns = [
    path("participants/<int:pk>/", participant_detail, name="participant_detail"),
    path("trajectories/<int:pk>/advance/", _action_view(ACTIONS["advance"]), name="trajectory_advance"),
    path("trajectories/<int:pk>/sessions/new/", _action_view(ACTIONS["log_session"]),
         name="trajectory_log_session"),
    path("trajectories/<int:pk>/screening/", _action_view(ACTIONS["screening"]), name="trajectory_screening"),
    path("trajectories/<int:pk>/outcome/", _action_view(ACTIONS["outcome"]), name="trajectory_outcome"),
    path("trajectories/<int:pk>/end/", _action_view(ACTIONS["end"]), name="trajectory_end"),
    path("trajectories/<int:pk>/coach/", _action_view(ACTIONS["assign_coach"]),
         name="trajectory_assign_coach"),
    path("trajectories/<int:pk>/refer/", _action_view(ACTIONS["refer"]), name="trajectory_refer"),
    path("trajectories/<int:pk>/consent-to-share/", _action_view(ACTIONS["share_consent"]),
         name="trajectory_share_consent"),
    path("trajectories/<int:pk>/withdraw-referral/", _action_view(ACTIONS["withdraw_referral"]),
         name="trajectory_withdraw_referral"),
]
