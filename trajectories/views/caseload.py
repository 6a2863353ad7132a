"""The caseload: the trajectories a user works with, filtered, searched, sorted and paged.

Without JavaScript the filter form and the links load the whole page; with htmx they fetch only the
table (the partial) and push the address, so the back button and a shared link still work."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateformat import format as date_format
from django.utils.formats import get_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from casemgmt.models import Phase, Region
from casemgmt.paging import page_of
from trajectories.forms.caseload import CaseloadFilterForm
from trajectories.policies import READ_ALL, Role, organisation_of, role_of
from trajectories.selectors import caseload_coaches, caseload_for, caseload_programmes
from trajectories.views import url_for_pk

PAGE_SIZE = 25

# The columns, in order: (key, header, sortable). Contact data and the coach show only to some roles.
COLUMNS = (
    ("name", _("Participant"), True),
    ("programme", _("Programme"), False),
    ("phase", _("Phase"), True),
    ("province", _("Province"), True),
    ("contact", _("Days since last contact"), True),
    ("referrals", _("Open referrals"), False),
    ("coach", _("Coach"), False),
)


def _sees_coaches(user, role: Role) -> bool:
    """Whether the caseload spans other coaches' people, so it shows (and filters by) the coach."""
    if role == Role.COORDINATOR or role in READ_ALL:
        return True
    return role == Role.COACH and organisation_of(user).coaches_share_caseload


def _columns(sort: str, *, status_only: bool, with_coaches: bool) -> list[dict]:
    """The table's headers; a sortable one carries the sort a click asks for (the reverse when it is
    the current one) and, when it is the current one, its aria-sort value."""
    # A referrer sees the status of the trajectory, not its contacts or its referrals to partners.
    hidden = {"contact", "referrals"} if status_only else set()
    if not with_coaches:
        hidden.add("coach")
    descending = sort.startswith("-")
    columns = []
    for key, label, sortable in COLUMNS:
        if key in hidden:
            continue
        current = sortable and sort.removeprefix("-") == key
        columns.append({
            "key": key, "label": label, "sortable": sortable,
            "next": (key if descending else f"-{key}") if current else key,
            "aria_sort": ("descending" if descending else "ascending") if current else "",
        })
    return columns


def _rows_displayed(rows: list, *, status_only: bool) -> list:
    """What each row shows, put into words here rather than in the template: a page of 25 rows is the
    most requested page, and the same texts through template tags cost several times as much."""
    today = timezone.localdate()
    short_date = get_format("SHORT_DATE_FORMAT")
    participant_url = url_for_pk("trajectories:participant_detail")
    for row in rows:
        row.url = "" if status_only else participant_url(row.participant_id)
        row.ended_text = (gettext("ended %(date)s") % {"date": date_format(row.ended_on, short_date)}
                          if row.ended_on else "")
        row.phase_label = Phase(row.phase).label if row.phase else ""
        row.phase_since = (gettext("since %(date)s") % {"date": date_format(row.phase_entered_on, short_date)}
                           if row.phase_entered_on else "")
        row.days_since_contact = (today - row.last_contact).days if row.last_contact else None
        if row.days_since_contact is None:
            row.contact_text = row.contact_date = ""
        else:
            row.contact_text = ngettext("%(days)s day", "%(days)s days", row.days_since_contact) % {
                "days": row.days_since_contact}
            row.contact_date = date_format(row.last_contact, short_date)
    return rows


@login_required
@require_GET
def caseload(request):
    user = request.user
    role = role_of(user)
    if role == Role.PARTNER:
        # A partner specialist has no caseload: their work is the referrals to their organisation.
        return redirect("trajectories:referral_inbox")
    with_coaches = _sees_coaches(user, role)
    form = CaseloadFilterForm(
        request.GET,
        programmes=list(caseload_programmes(user)),
        regions=list(Region.objects.all()),
        coaches=list(caseload_coaches(user)) if with_coaches else None,
    )
    filters = form.filters()
    status_only = role == Role.REFERRER
    page = page_of(caseload_for(user, **filters), request.GET.get("page"), PAGE_SIZE)
    rows = _rows_displayed(list(page.object_list), status_only=status_only)
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    context = {
        "title": _("Caseload"),
        "nav": "caseload",
        "form": form,
        "page": page,
        "rows": rows,
        "filters": filters,
        "columns": _columns(filters["sort"], status_only=status_only, with_coaches=with_coaches),
        "filtered": any(request.GET.get(name) for name in ("q", "phase", "province", "programme", "coach"))
        or filters["status"] != "open",
        # A referrer sees the status of the people referred in, never their file or contacts.
        "status_only": status_only,
        "with_coaches": with_coaches,
        "shared_caseload": role == Role.COACH and with_coaches,
        # The table alone, for htmx: it also brings the filter form's sort field up to date.
        "partial": partial,
    }
    template = "workspace/_caseload_table.html" if partial else "workspace/caseload.html"
    response = render(request, template, context)
    # The same address answers a whole page or the table alone: caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


urlpatterns = [
    path("", caseload, name="caseload"),
]
