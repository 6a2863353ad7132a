"""Group sessions: the list, planning an info or theme session, and recording who came.

Only coaches and coordinators run group sessions; to anyone else these pages answer 404. A session
is looked up among those the policy lets the user see, and attendance is recorded only for the
trajectories the user may change (a coach's own caseload, a coordinator's programme).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from casemgmt.models import Phase, User
from trajectories.forms.sessions import AttendanceForm, GroupSessionForm
from trajectories.models import Session, Trajectory
from trajectories.policies import Role, get_visible_or_404, role_of
from trajectories.selectors import (
    attendance_candidates,
    group_sessions_listed,
    programmes_run_by,
)
from trajectories.services import session_plan_group, session_record_attendance
from trajectories.views.rules import run_service

PAGE_SIZE = 25


def _runs_sessions_or_404(user: User) -> None:
    if role_of(user) not in (Role.COACH, Role.COORDINATOR):
        raise Http404


@login_required
@require_GET
def group_sessions(request: HttpRequest) -> HttpResponse:
    _runs_sessions_or_404(request.user)
    page = Paginator(group_sessions_listed(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "workspace/sessions.html", {
        "title": _("Group sessions"), "nav": "sessions", "page": page,
    })


@login_required
@require_http_methods(["GET", "POST"])
def group_session_new(request: HttpRequest) -> HttpResponse:
    _runs_sessions_or_404(request.user)
    form = GroupSessionForm(request.POST or None, programmes=programmes_run_by(request.user))
    if request.method == "POST":
        session = form.is_valid() and run_service(
            form, session_plan_group, by=request.user, **form.cleaned_data
        )
        if session:
            messages.success(request, _("%(session)s planned.") % {"session": session})
            return redirect("trajectories:group_session_detail", pk=session.pk)
    return render(request, "workspace/session_new.html", {
        "title": _("Plan a group session"), "nav": "sessions", "form": form,
    }, status=400 if form.is_bound else 200)


def _moved_to_information(phase_one: list[int]) -> int:
    """How many of these (phase-1) trajectories are now in phase 2 or further."""
    if not phase_one:
        return 0
    moved = Trajectory.objects.filter(pk__in=phase_one).with_phase().filter(phase__gte=Phase.INFORMATION)
    return moved.count()


@login_required
@require_http_methods(["GET", "POST"])
def group_session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _runs_sessions_or_404(request.user)
    session: Session = get_visible_or_404(group_sessions_listed(request.user), pk=pk)
    search = request.GET.get("q", "").strip()
    listed = attendance_candidates(session=session, user=request.user, search=search)
    if request.method == "POST":
        # Every trajectory the user may record is a valid choice, whatever the search narrowed the list to.
        candidates = attendance_candidates(session=session, user=request.user) if search else listed
        form = AttendanceForm(request.POST, candidates=candidates)
        if form.is_valid():
            attended, absent = form.cleaned_data["attended"], form.cleaned_data["absent"]
            phase_one = [
                pk for pk in attended
                if form.candidates[pk].phase == Phase.SENSITISATION and form.candidates[pk].ended_on is None
            ]
            rows = run_service(form, session_record_attendance, session=session, by=request.user,
                               attended=attended, absent=absent)
            if rows is not None:
                messages.success(request, ngettext(
                    "%(count)d participant recorded as attending; %(moved)d moved to phase 2 (information).",
                    "%(count)d participants recorded as attending; %(moved)d moved to phase 2 (information).",
                    len(attended),
                ) % {"count": len(attended), "moved": _moved_to_information(phase_one)})
                url = reverse("trajectories:group_session_detail", args=[session.pk])
                return redirect(f"{url}?{urlencode({'q': search})}" if search else url)
        checked = {int(pk) for pk in form.data.getlist("attended") if pk.isdigit()}
    else:
        form = AttendanceForm(candidates=listed)
        checked = {trajectory.pk for trajectory in listed if trajectory.attended_here}
    return render(request, "workspace/session_attendance.html", {
        "title": str(session), "nav": "sessions", "session": session, "form": form,
        "rows": [
            (trajectory, trajectory.pk in checked, Phase(trajectory.phase).label if trajectory.phase else "")
            for trajectory in listed
        ],
        "search": search,
    }, status=400 if form.is_bound else 200)


urlpatterns = [
    path("sessions/", group_sessions, name="group_sessions"),
    path("sessions/new/", group_session_new, name="group_session_new"),
    path("sessions/<int:pk>/", group_session_detail, name="group_session_detail"),
]
