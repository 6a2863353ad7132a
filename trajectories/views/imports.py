"""Importing participants from a file: the upload form, the job's progress and report, and the template.

Whoever may register people in a programme may import them into it (coordinators, coaches, referrers:
trajectories.policies); an import job is seen by its uploader, the programme's coordinators, auditors
and admins; to anyone else these pages answer 404."""

import csv
import io

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from casemgmt.access import access_log_record
from casemgmt.models import AccessLog
from trajectories.forms.imports import ParticipantImportForm
from trajectories.imports import import_job_create, import_job_run, template_headers
from trajectories.imports.columns import COLUMNS
from trajectories.models import ImportJob
from trajectories.policies import Role, get_visible_or_404, import_jobs_visible_to, may_register, role_of
from trajectories.selectors import coaches_by_programme, programmes_open_for_registration_by
from trajectories.tasks import import_participants_enqueue
from trajectories.views.rules import run_service

# Files up to this size are imported while the page waits; larger ones by a Celery worker.
SYNC_MAX_BYTES = getattr(settings, "IMPORT_SYNC_MAX_BYTES", 64 * 1024)
RECENT_JOBS = 10
# The page shows this many refused rows; the job keeps them all (and the command prints them all).
REPORT_ROWS_SHOWN = 1000


def _may_import_or_404(user) -> None:
    if not may_register(user):
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def participant_import(request: HttpRequest) -> HttpResponse:
    user = request.user
    _may_import_or_404(user)
    programmes = programmes_open_for_registration_by(user)
    coaches = (coaches_by_programme(programmes.values_list("pk", flat=True))
               if role_of(user) == Role.COORDINATOR else None)
    form = ParticipantImportForm(request.POST or None, request.FILES or None, programmes=programmes,
                                 coaches=coaches)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        content = data["file"].read()
        job = run_service(form, import_job_create, content=content, filename=data["file"].name,
                          programme=data["programme"], by=user, coach=data["coach_user"],
                          dry_run=data["dry_run"])
        if job is not None:
            if len(content) <= SYNC_MAX_BYTES:
                import_job_run(job_id=job.pk)
            else:
                import_participants_enqueue(job.pk)
            return redirect("trajectories:participant_import_job", pk=job.pk)
    recent = import_jobs_visible_to(user).select_related("programme", "by")[:RECENT_JOBS]
    return render(request, "workspace/import.html", {
        "title": _("Import participants"), "nav": "register", "form": form, "recent": recent,
        "columns": COLUMNS,
    }, status=400 if form.is_bound else 200)


@login_required
@require_GET
def participant_import_job(request: HttpRequest, pk: int) -> HttpResponse:
    jobs = import_jobs_visible_to(request.user).select_related("programme", "by", "coach").defer("content")
    job: ImportJob = get_visible_or_404(jobs, pk=pk)
    refused = job.report[:REPORT_ROWS_SHOWN] if job.is_finished else []
    if refused:
        # The refused rows show what was typed: names among them.
        access_log_record(request=request, action=AccessLog.Action.VIEW, obj=job)
    context = {
        "title": str(job), "nav": "register", "job": job, "refused": refused,
        "more_refused": max(0, len(job.report) - REPORT_ROWS_SHOWN) if job.is_finished else 0,
    }
    if request.htmx:
        return render(request, "workspace/_import_status.html", context)
    return render(request, "workspace/import_job.html", context)


@login_required
@require_GET
def participant_import_template(request: HttpRequest) -> HttpResponse:
    """An empty file with the column names, in the user's language, ready to fill in Excel."""
    _may_import_or_404(request.user)
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerow(
        template_headers(translation.get_language() or settings.LANGUAGE_CODE))
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_("participants")}-import.csv"'
    return response


urlpatterns = [
    path("participants/import/", participant_import, name="participant_import"),
    path("participants/import/template.csv", participant_import_template, name="participant_import_template"),
    path("participants/import/<int:pk>/", participant_import_job, name="participant_import_job"),
]
