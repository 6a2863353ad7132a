"""The partner's workspace: the inbox of referrals to their organisation, and the referral page where
they accept, decline, start, stop or complete it (with the result of its kind) and follow up a
granted credit.

The inbox is the partner specialist's alone; to anyone else it answers 404. The referral page starts
from the access policy: a partner sees a referral to their organisation while it is open or recently
closed, and of the person only what the referral needs; the trajectory's coach and coordinator see the
same page (what the partner sees); to anyone else it answers 404. Each answer is a POST of its own,
open only to the receiving organisation's partner specialists (for a step, while the referral is
open); a refused answer shows the rule it broke and changes nothing."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from casemgmt.access import access_log_record
from casemgmt.clock import today
from casemgmt.models import AccessLog, User
from partners.models import Specialisation
from trajectories.forms.referrals import (
    CompleteForm,
    FollowUpForm,
    InboxFilterForm,
    ReasonStepForm,
    StepForm,
)
from trajectories.models import Referral, ReferralResult
from trajectories.policies import Role, get_visible_or_404, role_of
from trajectories.selectors.referrals import referral_for_page, referral_inbox
from trajectories.services import (
    referral_accept,
    referral_complete,
    referral_decline,
    referral_follow_up,
    referral_start,
    referral_stop,
)
from trajectories.services.referrals import MOVES
from trajectories.views.rules import run_service

PAGE_SIZE = 25


def _partner_or_404(user: User) -> None:
    if role_of(user) != Role.PARTNER:
        raise Http404


# The inbox


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    _partner_or_404(request.user)
    form = InboxFilterForm(request.GET)
    filters = form.filters()
    page = Paginator(referral_inbox(request.user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    on = today()
    for row in rows:
        row.days_waiting = (on - row.sent_on).days if row.is_open else None
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    response = render(
        request,
        "workspace/_referral_inbox_table.html" if partial else "workspace/referral_inbox.html",
        {
            "title": _("Referrals"),
            "nav": "referrals",
            "form": form,
            "page": page,
            "rows": rows,
            "filters": filters,
            "filtered": filters != {"status": "open", "age": ""},
        },
    )
    # The same address answers a whole page or the table alone: caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


# The referral page and the partner's answers


@dataclass(frozen=True)
class Answer:
    """One answer of the partner to a referral: its form, its service, its words, and when it is offered."""

    name: str
    form_class: type[StepForm]
    service: Callable[..., Referral]
    title: Promise  # the fold's summary
    submit: Promise  # the button
    done: Promise  # the message once it is done
    offered: Callable[[Referral], bool]
    while_open: bool = True  # a step of an open referral (else: on a referral still in sight)

    def form(self, referral: Referral, data=None) -> StepForm:
        return self.form_class(data, referral=referral, auto_id=f"{self.name}-%s")


def _from_status(name: str) -> Callable[[Referral], bool]:
    return lambda referral: referral.status in MOVES[name].sources


def _credit_granted(referral: Referral) -> bool:
    result = getattr(referral, "result", None)
    return (
        referral.specialisation.result_kind == Specialisation.ResultKind.MICROCREDIT
        and result is not None and result.credit_decision == ReferralResult.CreditDecision.GRANTED
    )


ANSWERS = {
    answer.name: answer
    for answer in (
        Answer("accept", StepForm, referral_accept, _("Accept the referral"), _("Accept"),
               _("Referral accepted."), _from_status("accept")),
        Answer("decline", ReasonStepForm, referral_decline, _("Decline the referral"), _("Decline"),
               _("Referral declined."), _from_status("decline")),
        Answer("start", StepForm, referral_start, _("Start the work: in progress"), _("Start"),
               _("The referral is in progress."), _from_status("start")),
        Answer("complete", CompleteForm, referral_complete, _("Complete with the result"), _("Complete"),
               _("Referral completed: the coach sees your feedback and the result."),
               _from_status("complete")),
        Answer("stop", ReasonStepForm, referral_stop, _("Stop the referral"), _("Stop"),
               _("Referral stopped."), _from_status("stop")),
        Answer("follow_up", FollowUpForm, referral_follow_up, _("Follow up the repayment"),
               _("Save the follow-up"), _("Repayment follow-up saved."), _credit_granted, while_open=False),
    )
}


def _page(request: HttpRequest, referral: Referral, *, bound: tuple[str, StepForm] | None = None,
          status: int = 200) -> HttpResponse:
    access_log_record(request=request, action=AccessLog.Action.VIEW, obj=referral,
                      participant_id=referral.trajectory.participant_id)
    answers = []
    partner = role_of(request.user) == Role.PARTNER
    for answer in ANSWERS.values():
        is_bound = bound is not None and bound[0] == answer.name
        if not (is_bound or (partner and answer.offered(referral))):
            continue
        answers.append({
            "name": answer.name, "title": answer.title, "submit": answer.submit, "open": is_bound,
            "form": bound[1] if is_bound else answer.form(referral),
        })
    return render(request, "workspace/referral.html", {
        "title": str(referral),
        "nav": "referrals" if partner else "participant",
        "referral": referral,
        "participant": referral.trajectory.participant,
        "partner": partner,
        "answers": answers,
    }, status=status)


@login_required
@require_GET
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = get_visible_or_404(referral_for_page(request.user, pk))
    return _page(request, referral)


@login_required
@require_POST
def referral_answer(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    answer = ANSWERS.get(action)
    if answer is None:
        raise Http404
    _partner_or_404(request.user)
    referral = get_visible_or_404(referral_for_page(request.user, pk, for_change=answer.while_open))
    form = answer.form(referral, data=request.POST)
    if form.is_valid() and run_service(
        form, answer.service, referral=referral, by=request.user, **form.arguments()
    ) is not None:
        messages.success(request, answer.done)
        return redirect("trajectories:referral_detail", pk=referral.pk)
    return _page(request, referral, bound=(answer.name, form), status=400)


urlpatterns = [
    path("referrals/", inbox, name="referral_inbox"),
    path("referrals/<int:pk>/", referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/<str:action>/", referral_answer, name="referral_action"),
]
