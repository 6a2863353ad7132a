"""The admin for the reminder rules of each programme (coordinators: their programmes) and a read-only
list of reminders (scoped like the rest: coordinators see their programmes', auditors everything)."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from casemgmt.errors import RuleViolation
from casemgmt.models import Programme
from reminders.models import Reminder, ReminderSettings
from reminders.selectors import reminders_visible_to
from reminders.services import reminder_settings_save
from trajectories.policies import READ_ALL, Role, programmes_coordinated_by, role_of


def _programmes_configurable_by(user):
    role = role_of(user)
    if role in READ_ALL:
        return Programme.objects.all()
    if role == Role.COORDINATOR:
        return programmes_coordinated_by(user)
    return Programme.objects.none()


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(SimpleHistoryAdmin):
    list_display = (
        "programme", "no_contact_enabled", "no_contact_days", "phase_stale_enabled", "phase_1_stale_days",
        "phase_2_stale_days", "phase_3_stale_days", "phase_4_stale_days", "referral_unanswered_enabled",
        "referral_answer_days", "session_tomorrow_enabled", "outflow_follow_up_enabled",
        "period_end_enabled", "period_end_days",
    )
    list_select_related = ("programme",)
    fieldsets = (
        (None, {"fields": ("programme",)}),
        (_("No contact"), {"fields": ("no_contact_enabled", "no_contact_days")}),
        (_("Long in one phase"), {"fields": (
            "phase_stale_enabled", "phase_1_stale_days", "phase_2_stale_days", "phase_3_stale_days",
            "phase_4_stale_days")}),
        (_("Referrals"), {"fields": ("referral_unanswered_enabled", "referral_answer_days")}),
        (_("Group sessions and outflow"),
         {"fields": ("session_tomorrow_enabled", "outflow_follow_up_enabled")}),
        (_("Reporting periods"), {"fields": ("period_end_enabled", "period_end_days")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).filter(programme__in=_programmes_configurable_by(request.user))

    def get_readonly_fields(self, request, obj=None):
        # A programme's settings stay with it.
        return ("programme",) if obj is not None else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "programme":
            # Only programmes without settings yet: each has one row.
            configurable = _programmes_configurable_by(request.user)
            kwargs["queryset"] = configurable.filter(reminder_settings__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _scoped_or_404(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None and role_of(request.user) not in READ_ALL:
            # simple-history would fall back to the trail of a row outside the user's programmes.
            raise Http404
        return obj

    def history_view(self, request, object_id, extra_context=None):
        self._scoped_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._scoped_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        # Through the service: it checks the programme is the user's and records who changed what.
        reminder_settings_save(settings_row=obj, by=request.user)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RuleViolation as violation:
            # The service refused and the admin's transaction rolled back: nothing changed; say why.
            for message in violation.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """Read-only: reminders are made and closed by the scans, dismissed by their recipient."""

    list_display = ("rule", "recipient", "programme", "due_on", "status", "closed_reason", "emailed_at",
                    "created_at")
    list_filter = ("rule", "status", ("programme", admin.RelatedOnlyFieldListFilter),
                   ("recipient", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("recipient", "programme")
    search_fields = ("message", "recipient__username", "recipient__last_name")
    date_hierarchy = "due_on"
    fields = ("rule", "recipient", "programme", "object_type", "object_id", "counted_from", "due_on",
              "message", "status", "closed_at", "closed_reason", "closed_by", "emailed_at", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return reminders_visible_to(request.user).select_related("recipient", "programme")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
