"""The admin of referrals to specialisations, each with its full history: the dated steps, the result
and the change trail.

Read only: a referral is sent, answered and completed through the services, which check the rule of
every step (trajectories.services.referrals); the admin shows it, scoped by the access policy."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from trajectories.admin import PARTICIPANT_SEARCH, ScopedAdmin
from trajectories.models import Participant, Referral, ReferralEvent, ReferralResult
from trajectories.services.referrals import ALL_RESULT_FIELDS

REFERRAL_TITLE = ("trajectory__participant", "specialisation", "organisation")  # what str(referral) reads
REFERRAL_SEARCH = tuple(f"trajectory__{name}" for name in PARTICIPANT_SEARCH)


class ReadOnlyAdmin(ScopedAdmin):
    """Shown, never written here: the services write referrals, their steps and results."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.options.InlineModelAdmin):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReferralEventInline(ReadOnlyInline, admin.TabularInline):
    model = ReferralEvent
    fields = ("on", "status", "by", "note", "recorded_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


class ReferralResultInline(ReadOnlyInline, admin.StackedInline):
    model = ReferralResult
    fields = ALL_RESULT_FIELDS
    readonly_fields = fields


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ("participant", "specialisation", "organisation", "status", "sent_on", "closed_on")
    list_filter = ("status", "specialisation", ("organisation", admin.RelatedOnlyFieldListFilter),
                   "trajectory__programme", "sent_on")
    list_select_related = REFERRAL_TITLE
    search_fields = REFERRAL_SEARCH
    date_hierarchy = "sent_on"
    inlines = (ReferralEventInline, ReferralResultInline)

    def get_queryset(self, request):
        # The object page's title names the participant, the specialisation and the organisation.
        return super().get_queryset(request).select_related(*REFERRAL_TITLE)

    @admin.display(description=_("participant"), ordering="trajectory__participant__last_name")
    def participant(self, referral: Referral) -> Participant:
        return referral.trajectory.participant


@admin.register(ReferralEvent)
class ReferralEventAdmin(ReadOnlyAdmin):
    list_display = ("referral", "status", "on", "by", "note", "recorded_at")
    list_filter = ("status", "referral__specialisation",
                   ("referral__organisation", admin.RelatedOnlyFieldListFilter), "on")
    search_fields = tuple(f"referral__{name}" for name in REFERRAL_SEARCH)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(
            *(f"referral__{name}" for name in REFERRAL_TITLE), "by"
        )


@admin.register(ReferralResult)
class ReferralResultAdmin(ReadOnlyAdmin):
    list_display = ("referral", "kind", "credit_decision", "amount_granted", "feasibility", "route",
                    "company")
    list_filter = ("referral__specialisation", "credit_decision", "feasibility", "route")
    search_fields = tuple(f"referral__{name}" for name in REFERRAL_SEARCH)
    fields = ("referral", *ALL_RESULT_FIELDS)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*(f"referral__{name}" for name in REFERRAL_TITLE))

    @admin.display(description=_("kind of result"), ordering="referral__specialisation__result_kind")
    def kind(self, result: ReferralResult) -> str:
        return result.referral.specialisation.get_result_kind_display()
