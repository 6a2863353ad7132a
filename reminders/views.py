"""The signed-in user's reminders: the list, newest due first, and dismissing one.

A reminder is only ever shown to, and dismissed by, its recipient: anyone else's is a 404, as if it
did not exist. Dismissing works without JavaScript (a POST that redirects back) and with htmx (the
row goes, and the count in the navigation follows)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from casemgmt.errors import RuleViolation
from reminders.links import reminder_url
from reminders.models import Reminder
from reminders.selectors import reminder_count_for, reminders_open_for
from reminders.services import reminder_dismiss

PAGE_SIZE = 25


@login_required
@require_GET
def reminder_list(request: HttpRequest) -> HttpResponse:
    reminders = reminders_open_for(request.user).order_by("-due_on", "-id")
    page = Paginator(reminders, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for reminder in rows:
        reminder.url = reminder_url(reminder)
    return render(request, "reminders/list.html", {
        "title": _("Reminders"), "nav": "reminders", "page": page, "rows": rows,
    })


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return "reminders:list"


@login_required
@require_POST
def reminder_dismiss_view(request: HttpRequest, pk: int) -> HttpResponse:
    reminder = get_object_or_404(Reminder.objects.filter(recipient=request.user), pk=pk)
    try:
        reminder_dismiss(reminder=reminder, by=request.user)
    except RuleViolation as violation:
        # Already closed or dismissed (a second click, a scan in between): it is gone from the list
        # either way, so htmx removes the row; without JavaScript the page says why.
        if not request.htmx:
            for message in violation.messages:
                messages.info(request, message)
    else:
        if not request.htmx:
            messages.success(request, _("Reminder dismissed."))
    if request.htmx:
        # The row is swapped for nothing; the count in the navigation is brought up to date out of band.
        count = reminder_count_for(request.user)
        return render(request, "reminders/_count.html", {"count": count, "oob": True})
    return redirect(_back(request))
