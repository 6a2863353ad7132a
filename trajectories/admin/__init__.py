"""The admin for participants, their consent, trajectories with dated phases, screenings and sessions;
referrals to specialisations in `trajectories.admin.referrals`.

Changelists place people in a province as of today with one subquery, so no page runs a query per row.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from casemgmt.access import access_log_record
from casemgmt.clock import today
from casemgmt.errors import RuleViolation
from casemgmt.models import AccessLog, Phase, Region
from casemgmt.postcodes import region_id_subquery, with_region_as_of
from trajectories.models import (
    Attendance,
    ConsentRecord,
    Participant,
    PhaseEntry,
    Referral,
    ReferralEvent,
    ReferralResult,
    Screening,
    Session,
    Trajectory,
)
from trajectories.policies import (
    READ_ALL,
    Role,
    participant_id_of,
    participants_visible_to,
    restrict,
    role_of,
)
from trajectories.selectors import participant_data_export, participant_likely_duplicates
from trajectories.services import (
    participant_erase,
    participant_identifier_masked,
    participant_identifier_reveal,
    participant_register,
    participant_update,
)

SCOPED_MODELS = (Participant, ConsentRecord, Trajectory, PhaseEntry, Screening, Session, Attendance,
                 Referral, ReferralEvent, ReferralResult)
PARTICIPANT_SEARCH = ("participant__first_name", "participant__last_name", "participant__name_key")


def _with_province_today(queryset: QuerySet, postcode_ref: str) -> QuerySet:
    """Annotate `province_id` and `province_name`: the region the postcode lies in today."""
    return with_region_as_of(queryset, postcode_ref, today())


class ScopedAdmin(SimpleHistoryAdmin):
    """Every changelist, object page and history page of a case model starts from the access policy;
    each look at a record is written to the access log, and so is each attempt out of scope."""

    def get_queryset(self, request):
        return restrict(super().get_queryset(request), request.user)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and self._exists_out_of_scope(object_id, from_field):
            self._log_once(request, AccessLog.Action.DENIED, object_type=self.model._meta.label,
                           object_id=str(object_id))
        return obj

    def _exists_out_of_scope(self, object_id, from_field=None) -> bool:
        field = self.model._meta.pk if from_field is None else self.model._meta.get_field(from_field)
        try:
            value = field.to_python(object_id)
        except (ValidationError, ValueError):
            return False  # a malformed id names nothing: answered as a missing record
        return self.model._default_manager.filter(**{field.attname: value}).exists()

    def _log_once(self, request, action: str, *, obj=None, object_type: str = "", object_id: str = ""):
        """One log row per look: Django's views fetch the object more than once per request."""
        key = (action, object_type or (obj._meta.label if obj is not None else ""),
               object_id or (str(obj.pk) if obj is not None else ""))
        logged = request.__dict__.setdefault("_casemgmt_access_logged", set())
        if key in logged:
            return
        logged.add(key)
        access_log_record(request=request, action=action, obj=obj, object_type=object_type,
                          object_id=object_id,
                          participant_id=participant_id_of(obj) if obj is not None else None)

    def _scoped_or_404(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None and role_of(request.user) not in READ_ALL:
            # simple-history would fall back to the trail of a deleted (or out-of-scope) object.
            raise Http404
        return obj

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        # Logged once Django's own permission check would let the page show the record.
        if obj is not None and request.method == "GET" and self.has_view_or_change_permission(request, obj):
            self._log_once(request, AccessLog.Action.VIEW, obj=obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def _log_history(self, request, object_id, obj) -> None:
        if not self.has_view_history_or_change_history_permission(request, obj):
            return
        if obj is not None:
            self._log_once(request, AccessLog.Action.HISTORY, obj=obj)
        else:
            self._log_once(request, AccessLog.Action.HISTORY, object_type=self.model._meta.label,
                           object_id=str(unquote(object_id)))

    def history_view(self, request, object_id, extra_context=None):
        obj = self._scoped_or_404(request, object_id)
        self._log_history(request, object_id, obj)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history loads the version straight from the trail: check the object's scope first.
        obj = self._scoped_or_404(request, object_id)
        if request.method == "POST" and not self.has_change_permission(request, obj):
            # Reverting is a change: simple-history itself only checks the view permission.
            raise PermissionDenied
        self._log_history(request, object_id, obj)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Choices of a case record (trajectory, participant, session) are scoped like the lists.
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.related_model in SCOPED_MODELS:
            field.queryset = restrict(field.queryset, request.user)
        return field


class ProvinceFilter(admin.SimpleListFilter):
    """The region a participant's postcode lies in today; postcodes move, so this is not stored."""

    title = _("province")
    parameter_name = "province"
    postcode_ref = "postcode"
    UNKNOWN = "unknown"

    def lookups(self, request, model_admin):
        regions = [(str(pk), name) for pk, name in Region.objects.values_list("pk", "name")]
        return [*regions, (self.UNKNOWN, _("unknown postcode"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        region = region_id_subquery(self.postcode_ref, timezone.localdate())
        queryset = queryset.alias(province_filter=region)
        if value == self.UNKNOWN:
            return queryset.filter(province_filter__isnull=True)
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(province_filter=int(value))


class TrajectoryProvinceFilter(ProvinceFilter):
    postcode_ref = "participant__postcode"


class PhaseFilter(admin.SimpleListFilter):
    """The highest phase a trajectory reached, read from its dated phase entries."""

    title = _("phase")
    parameter_name = "phase"

    def lookups(self, request, model_admin):
        return [(str(value), label) for value, label in Phase.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value not in {str(phase) for phase in Phase.values}:
            return queryset.none()
        return queryset.filter(phase=int(value))


class OpenFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", _("open")), ("ended", _("ended"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(ended_on__isnull=True)
        if self.value() == "ended":
            return queryset.filter(ended_on__isnull=False)
        return queryset


@admin.register(Participant)
class ParticipantAdmin(ScopedAdmin):
    # The national number is never shown: only which kind of identifier the person has.
    exclude = ("national_number_encrypted", "national_number_hash")
    readonly_fields = ("national_number_kind", "created_at")
    list_display = (
        "last_name", "first_name", "birth_date", "gender", "nationality", "postcode", "province",
        "national_number_kind", "created_at",
    )
    list_filter = (
        ProvinceFilter, "trajectories__programme", ("trajectories__coach", admin.RelatedOnlyFieldListFilter),
        ("trajectories__referred_by", admin.RelatedOnlyFieldListFilter), "gender", "residence_status",
        "education", "labour_market_status", "national_number_kind",
    )
    search_fields = ("first_name", "last_name", "name_key")

    def get_queryset(self, request):
        return _with_province_today(super().get_queryset(request), "postcode")

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "national_number")

    @admin.display(description=_("national register / BIS number"))
    def national_number(self, participant: Participant) -> str:
        return participant_identifier_masked(participant=participant) or "–"

    def get_urls(self):
        info = "trajectories_participant"
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/reveal/", view(self.reveal_view), name=f"{info}_reveal"),
            path("<path:object_id>/export/", view(self.export_view), name=f"{info}_export"),
            path("<path:object_id>/erase/", view(self.erase_view), name=f"{info}_erase"),
            *super().get_urls(),
        ]

    def _for_rights(self, request, object_id) -> Participant:
        """The person, if the user may act on their rights (a coordinator of their programme)."""
        participant = self.get_object(request, unquote(object_id))
        if participant is None or role_of(request.user) != Role.COORDINATOR or not (
            participants_visible_to(request.user, for_change=True).filter(pk=participant.pk).exists()
        ):
            if participant is not None:
                self._log_once(request, AccessLog.Action.DENIED, obj=participant)
            raise Http404
        return participant

    def _page(self, request, template: str, participant: Participant, **context):
        return TemplateResponse(request, template, {
            **self.admin_site.each_context(request), "opts": self.opts, "original": participant,
            "title": str(participant), **context,
        })

    def reveal_view(self, request, object_id):
        participant = self.get_object(request, unquote(object_id))
        if participant is None:
            raise Http404
        number = participant_identifier_reveal(participant=participant, request=request)
        return self._page(request, "admin/trajectories/participant/reveal.html", participant, number=number)

    def export_view(self, request, object_id):
        participant = self._for_rights(request, object_id)
        self._log_once(request, AccessLog.Action.DATA_EXPORT, obj=participant)
        response = JsonResponse(participant_data_export(participant=participant),
                                json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="participant-{participant.pk}.json"'
        return response

    def erase_view(self, request, object_id):
        participant = self._for_rights(request, object_id)
        if request.method == "POST":
            try:
                participant_erase(participant=participant, by=request.user)
            except RuleViolation as violation:
                self.message_user(request, violation.messages[0], messages.ERROR)
            else:
                self.message_user(request, _("The personal data of this participant was erased."))
            return HttpResponseRedirect(reverse("admin:trajectories_participant_change",
                                                args=(participant.pk,)))
        return self._page(request, "admin/trajectories/participant/erase.html", participant)

    @admin.display(description=_("date of birth"), ordering="birth_year")
    def birth_date(self, participant: Participant) -> str:
        return participant.birth_date_display

    @admin.display(description=_("province (today)"), ordering="province_name")
    def province(self, participant: Participant) -> str | None:
        return participant.province_name

    def save_model(self, request, obj, form, change):
        # Through the services, so the name key, the identifier and the author of the change stay right.
        if not change:
            data = form.cleaned_data
            duplicates = participant_likely_duplicates(
                first_name=data["first_name"], last_name=data["last_name"],
                birth_year=data.get("birth_year"), birth_month=data.get("birth_month"),
                birth_day=data.get("birth_day"),
            )
            obj.pk = participant_register(by=request.user, **data).pk
            if duplicates:
                self.message_user(request, _(
                    "Possibly registered twice: %(count)d other participant(s) have the same name and "
                    "date of birth. Check before opening a trajectory.") % {"count": len(duplicates)},
                    messages.WARNING)
        elif form.changed_data:
            fields = {name: form.cleaned_data[name] for name in form.changed_data}
            participant_update(participant=obj, by=request.user, **fields)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RuleViolation as violation:
            # The service refused and the admin's transaction rolled back: nothing changed; say why.
            for message in violation.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ScopedAdmin):
    list_display = ("participant", "purpose", "organisation", "given_on", "version", "withdrawn_on",
                    "recorded_by")
    list_filter = ("purpose", ("organisation", admin.RelatedOnlyFieldListFilter),
                   ("withdrawn_on", admin.EmptyFieldListFilter), "version")
    list_select_related = ("participant", "organisation", "recorded_by")
    search_fields = PARTICIPANT_SEARCH
    autocomplete_fields = ("participant", "organisation", "recorded_by")


class PhaseEntryInline(admin.TabularInline):
    """Phases are entered through the trajectory services, never edited here."""

    model = PhaseEntry
    fields = ("phase", "entered_on", "recorded_by", "recorded_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Trajectory)
class TrajectoryAdmin(ScopedAdmin):
    list_display = ("participant", "programme", "phase_reached", "province", "coach", "referred_by",
                    "outcome", "ended_on")
    list_filter = (
        PhaseFilter, TrajectoryProvinceFilter, "programme", ("coach", admin.RelatedOnlyFieldListFilter),
        ("referred_by", admin.RelatedOnlyFieldListFilter), OpenFilter, "outcome",
    )
    search_fields = (*PARTICIPANT_SEARCH, "enterprise_number")
    autocomplete_fields = ("participant", "referred_by", "referred_by_user", "coach")
    inlines = (PhaseEntryInline,)

    def get_queryset(self, request):
        # Here rather than in list_select_related (which the changelist skips once a queryset selects
        # related rows): a trajectory's title names the participant and programme, also in autocompletes.
        queryset = (
            super().get_queryset(request)
            .select_related("participant", "programme", "coach", "referred_by")
            .with_phase()
        )
        return _with_province_today(queryset, "participant__postcode")

    def has_add_permission(self, request):
        # A trajectory is opened through trajectory_open, which also enters its first phase.
        return False

    @admin.display(description=_("phase"), ordering="phase")
    def phase_reached(self, trajectory: Trajectory) -> str | None:
        return Phase(trajectory.phase).label if trajectory.phase else None

    @admin.display(description=_("province (today)"), ordering="province_name")
    def province(self, trajectory: Trajectory) -> str | None:
        return trajectory.province_name


@admin.register(PhaseEntry)
class PhaseEntryAdmin(ScopedAdmin):
    """Read-only: phases are entered through the trajectory services, so the funnel stays consistent."""

    list_display = ("trajectory", "phase", "entered_on", "recorded_by", "recorded_at")
    list_filter = ("phase", "trajectory__programme", ("trajectory__coach", admin.RelatedOnlyFieldListFilter),
                   "entered_on")
    list_select_related = ("trajectory__participant", "trajectory__programme", "recorded_by")
    search_fields = tuple(f"trajectory__{name}" for name in PARTICIPANT_SEARCH)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Screening)
class ScreeningAdmin(ScopedAdmin):
    list_display = ("trajectory", "screened_on", "potential", "decision", "screened_by")
    list_filter = ("decision", "potential", "trajectory__programme",
                   ("screened_by", admin.RelatedOnlyFieldListFilter), "screened_on")
    list_select_related = ("trajectory__participant", "trajectory__programme", "screened_by")
    search_fields = tuple(f"trajectory__{name}" for name in PARTICIPANT_SEARCH)
    autocomplete_fields = ("trajectory", "screened_by")


class AttendanceInline(admin.TabularInline):
    model = Attendance
    fields = ("trajectory", "attended")
    autocomplete_fields = ("trajectory",)
    extra = 0

    def get_queryset(self, request):
        # Each row's title names the participant and the session.
        queryset = super().get_queryset(request).select_related(
            "session", "trajectory__participant", "trajectory__programme"
        )
        return restrict(queryset, request.user)


@admin.register(Session)
class SessionAdmin(ScopedAdmin):
    # Coaching notes stay on the session's own page, out of every list.
    list_display = ("held_on", "kind", "title", "programme", "coach", "duration_minutes", "location",
                    "attendance_count")
    list_filter = ("programme", "kind", ("coach", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("programme", "coach")
    search_fields = ("title", "location")
    autocomplete_fields = ("coach",)
    date_hierarchy = "held_on"
    inlines = (AttendanceInline,)

    def get_queryset(self, request):
        # The count groups the rows, and a grouped query drops Meta.ordering: the autocomplete's pages
        # (which read this queryset as it is) need the order back to be stable.
        return (super().get_queryset(request).annotate(attendance_count=Count("attendances"))
                .order_by(*Session._meta.ordering))

    @admin.display(description=_("attendances"), ordering="attendance_count")
    def attendance_count(self, session: Session) -> int:
        return session.attendance_count


@admin.register(Attendance)
class AttendanceAdmin(ScopedAdmin):
    list_display = ("session", "trajectory", "attended")
    list_filter = ("attended", "session__programme", "session__kind",
                   ("session__coach", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("session", "trajectory__participant", "trajectory__programme")
    search_fields = (*(f"trajectory__{name}" for name in PARTICIPANT_SEARCH), "session__title")
    autocomplete_fields = ("session", "trajectory")


# Registered once what they build on is defined.
from trajectories.admin import imports, referrals  # noqa: E402, F401
