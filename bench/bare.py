"""The baselines of the list pages: bare Django views that return the same rows as the caseload page and
the participant list API (same page, same columns, as JSON) from one raw SQL query each, and a URLconf
serving them beside the whole app (bench/settings.py makes it the root).

They skip what the app adds on top of the rows (authentication, the access policy, forms, templates,
serializers, the ORM): the ratio app / bare is what that costs. The coach whose rows they return is a
query parameter, as nobody signs in to them; they exist only in the benchmark's settings.

The same views behind the app's own authentication (the session for the page, the API's token and
permission for the API) add only that to the bare ones: what any signed-in page or endpoint pays before it
reads or shows a row, whatever it does after.

A third pair reads the rows as the app does, behind the same authentication: the page's selector and pager
(trajectories.selectors.caseload_for, casemgmt.paging.page_of) and the API's (participants_for_api, its
pager casemgmt.api.pagination.Pages, with_page_details), through the ORM, and answers the bare view's JSON,
equal to it. Nothing else of the page or endpoint: no form, reminders, template or serializer. What no page
or endpoint that reads its rows through the app's selectors can be cheaper than."""

import json

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.utils import timezone
from rest_framework.decorators import api_view

from casemgmt.api.pagination import Pages
from casemgmt.identifiers import identifier_decrypt, identifier_mask
from casemgmt.paging import page_of
from trajectories.api.audiences import participant_audience
from trajectories.api.participants import participants_for_api, with_page_details
from trajectories.selectors import caseload_for
from trajectories.services import participant_identifier_masked

CASELOAD_PAGE = 25  # trajectories.views.caseload.PAGE_SIZE
PARTICIPANTS_PAGE = 50  # casemgmt.api.pagination.PageSizes.page_size

# The region a postcode lies in on a date (casemgmt.postcodes): the narrowest valid range, the newest
# among equally narrow ones.
_REGION = """
LEFT JOIN LATERAL (
    SELECT r.code, r.name
    FROM casemgmt_postcoderange pr JOIN casemgmt_region r ON r.id = pr.region_id
    WHERE page.postcode BETWEEN pr.first AND pr.last
      AND (pr.valid_from IS NULL OR pr.valid_from <= %(today)s)
      AND (pr.valid_until IS NULL OR pr.valid_until >= %(today)s)
    ORDER BY pr.last - pr.first, pr.valid_from DESC NULLS LAST
    LIMIT 1
) region ON true
"""

# trajectories.selectors.caseload_for for a coach with an own caseload, open trajectories, by name: the
# page first, then what each of its rows shows.
CASELOAD_SQL = """
WITH page AS (
    SELECT t.id, t.participant_id, t.programme_id, p.first_name, p.last_name, p.postcode,
           count(*) OVER () AS total
    FROM trajectories_trajectory t JOIN trajectories_participant p ON p.id = t.participant_id
    WHERE t.coach_id = %(coach)s AND t.ended_on IS NULL
    ORDER BY p.last_name, p.first_name, t.id
    LIMIT %(limit)s OFFSET %(offset)s
)
SELECT page.id, page.participant_id, page.first_name, page.last_name, pg.code, pg.name, current.phase,
       current.entered_on, region.name, contact.held_on, COALESCE(referrals.open, 0), page.total
FROM page
JOIN casemgmt_programme pg ON pg.id = page.programme_id
LEFT JOIN LATERAL (
    SELECT e.phase, e.entered_on FROM trajectories_phaseentry e
    WHERE e.trajectory_id = page.id ORDER BY e.phase DESC LIMIT 1
) current ON true
LEFT JOIN LATERAL (
    SELECT max(s.held_on) AS held_on
    FROM trajectories_attendance a JOIN trajectories_session s ON s.id = a.session_id
    WHERE a.trajectory_id = page.id AND a.attended
) contact ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS open FROM trajectories_referral r
    WHERE r.trajectory_id = page.id AND r.status IN ('sent', 'accepted', 'in_progress')
) referrals ON true
""" + _REGION + """
ORDER BY page.last_name, page.first_name, page.id
"""

# trajectories.api.participants.participants_for_api for a coach: the people with a trajectory they
# coach (the page first), each with those trajectories (open first, newest first) and the highest phase
# of each.
PARTICIPANTS_SQL = """
WITH page AS (
    SELECT p.*, count(*) OVER () AS total
    FROM trajectories_participant p
    WHERE p.id IN (SELECT participant_id FROM trajectories_trajectory WHERE coach_id = %(coach)s)
    ORDER BY p.last_name, p.first_name, p.id
    LIMIT %(limit)s OFFSET %(offset)s
)
SELECT page.id, page.first_name, page.last_name, page.birth_year, page.birth_month, page.birth_day,
       page.gender, page.nationality, page.residence_status, page.languages, page.dutch_level,
       page.education, page.labour_market_status, page.disability, page.homeless, page.postcode,
       region.code, region.name, page.email, page.phone, page.business_idea, page.national_number_kind,
       page.created_at, page.erased_on, page.national_number_encrypted,
       (SELECT json_agg(json_build_object(
                    'id', t.id, 'programme', pg.code, 'ended_on', t.ended_on, 'phase',
                    (SELECT max(e.phase) FROM trajectories_phaseentry e WHERE e.trajectory_id = t.id))
                ORDER BY t.ended_on DESC NULLS FIRST, t.id DESC)
        FROM trajectories_trajectory t JOIN casemgmt_programme pg ON pg.id = t.programme_id
        WHERE t.participant_id = page.id AND t.coach_id = %(coach)s),
       page.total
FROM page
""" + _REGION + """
ORDER BY page.last_name, page.first_name, page.id
"""

PARTICIPANT_COLUMNS = (
    "id", "first_name", "last_name", "birth_year", "birth_month", "birth_day", "gender", "nationality",
    "residence_status", "languages", "dutch_level", "education", "labour_market_status", "disability",
    "homeless", "postcode", "province", "province_name", "email", "phone", "business_idea",
    "national_number_kind", "created_at", "erased_on", "national_number_encrypted", "trajectories",
)
# Those the participant's own row holds as the API shows them.
PARTICIPANT_OWN_COLUMNS = tuple(column for column in PARTICIPANT_COLUMNS if column not in (
    "province", "province_name", "national_number_encrypted", "trajectories"))


def _page(request: HttpRequest, sql: str, size: int) -> tuple[list[tuple], int, int]:
    """The rows of ?page= (from 1) for ?coach=, and how many there are in all."""
    page = max(1, int(request.GET.get("page") or 1))
    params = {"coach": int(request.GET["coach"]), "today": timezone.localdate(), "limit": size,
              "offset": (page - 1) * size}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return rows, (rows[0][-1] if rows else 0), page


def _caseload_row(trajectory: int, person: int, first: str, last: str, code: str, name: str, phase,
                  entered, province, contact, referrals, today) -> dict:
    return {"id": trajectory, "participant": {"id": person, "first_name": first, "last_name": last},
            "programme": {"code": code, "name": name}, "phase": phase, "phase_entered_on": entered,
            "province": province, "days_since_contact": (today - contact).days if contact else None,
            "open_referrals": referrals}


def caseload(request: HttpRequest) -> JsonResponse:
    rows, count, page = _page(request, CASELOAD_SQL, CASELOAD_PAGE)
    today = timezone.localdate()
    return JsonResponse({"count": count, "page": page,
                         "results": [_caseload_row(*row[:-1], today) for row in rows]})


def participants(request: HttpRequest) -> JsonResponse:
    rows, count, page = _page(request, PARTICIPANTS_SQL, PARTICIPANTS_PAGE)
    results = []
    for row in rows:
        person = dict(zip(PARTICIPANT_COLUMNS, row[:-1], strict=True))
        # Django reads jsonb as text (its JSONField decodes it): decoded here as the API does.
        person["languages"] = json.loads(person["languages"]) if person["languages"] is not None else None
        # The number as the API shows it, decrypted to be masked: a column no SQL can give.
        token = person.pop("national_number_encrypted")
        masked = identifier_mask(identifier_decrypt(token)) if token else ""
        person.update(audience="full", national_number_masked=masked,
                      trajectories=person["trajectories"] or [])
        results.append(person)
    return JsonResponse({"count": count, "page": page, "results": results})


@api_view(["GET"])
def participants_signed_in(request) -> JsonResponse:
    """The bare participants behind the API's authentication and permission (a token, here)."""
    return participants(request._request)


@login_required
def caseload_read_by_app(request: HttpRequest) -> JsonResponse:
    """The caseload page's rows, read as the page reads them, as `caseload` answers them."""
    page = page_of(caseload_for(request.user), request.GET.get("page"), CASELOAD_PAGE)
    today = timezone.localdate()
    return JsonResponse({"count": page.paginator.count, "page": page.number, "results": [
        _caseload_row(row.pk, row.participant_id, row.participant.first_name, row.participant.last_name,
                      row.programme.code, row.programme.name, row.phase, row.phase_entered_on,
                      row.province_name, row.last_contact, row.open_referrals, today)
        for row in page.object_list
    ]})


@api_view(["GET"])
def participants_read_by_app(request) -> JsonResponse:
    """The participant list API's rows, read as the API reads them, as `participants` answers them."""
    user = request.user
    audience = participant_audience(user)
    pager = Pages()
    people = pager.paginate_queryset(participants_for_api(user, audience), request)
    results = []
    for person in with_page_details(people, user, audience):
        row = {column: getattr(person, column) for column in PARTICIPANT_OWN_COLUMNS}
        row.update(province=person.province_code, province_name=person.province_name, audience=audience,
                   national_number_masked=participant_identifier_masked(participant=person),
                   trajectories=[{"id": trajectory.id, "programme": trajectory.programme.code,
                                  "ended_on": trajectory.ended_on, "phase": trajectory.phase}
                                 for trajectory in person.visible_trajectories])
        results.append(row)
    return JsonResponse({"count": pager.page.paginator.count, "page": pager.page.number, "results": results})


bare = [
    path("caseload/", caseload, name="bare_caseload"),
    path("participants/", participants, name="bare_participants"),
    path("signed-in/caseload/", login_required(caseload), name="bare_caseload_signed_in"),
    path("signed-in/participants/", participants_signed_in, name="bare_participants_signed_in"),
    path("read-by-app/caseload/", caseload_read_by_app, name="bare_caseload_read_by_app"),
    path("read-by-app/participants/", participants_read_by_app, name="bare_participants_read_by_app"),
]

urlpatterns = [
    path("bench/bare/", include(bare)),
    path("", include("casemgmt.urls")),
]
