"""The admin for accounts, programmes with their periods, payments and targets, and geography."""

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from casemgmt.models import (
    AccessLog,
    Payment,
    PostcodeRange,
    Programme,
    ReachShare,
    Region,
    ReportingPeriod,
    Target,
    User,
)


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, auth_admin.UserAdmin):
    list_display = (
        "username", "first_name", "last_name", "email", "staff__organisation", "staff_role",
        "is_staff", "is_active",
    )
    list_filter = ("staff__organisation", "staff__role", "is_staff", "is_superuser", "is_active", "groups")
    list_select_related = ("staff__organisation",)

    @admin.display(description=_("role"), ordering="staff__role")
    def staff_role(self, user: User) -> str | None:
        try:
            return user.staff.get_role_display()
        except ObjectDoesNotExist:  # an account without a place in an organisation
            return None


class ReportingPeriodInline(admin.TabularInline):
    model = ReportingPeriod
    fields = ("number", "starts_on", "ends_on")
    extra = 0

    def get_queryset(self, request):
        # Each row's title names the programme.
        return super().get_queryset(request).select_related("programme")


@admin.register(Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    list_display = (
        "code", "name", "starts_on", "ends_on", "total_eligible_cost", "input_financing_share",
        "output_financing_share", "outflow_target_rate",
    )
    search_fields = ("code", "name")
    inlines = (ReportingPeriodInline,)


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(SimpleHistoryAdmin):
    list_display = ("programme", "number", "starts_on", "ends_on")
    list_filter = ("programme",)
    list_select_related = ("programme",)
    search_fields = ("programme__code", "programme__name")


@admin.register(Payment)
class PaymentAdmin(SimpleHistoryAdmin):
    list_display = ("programme", "kind", "amount", "paid_on", "period", "note")
    list_filter = ("programme", "kind")
    list_select_related = ("programme", "period__programme")
    search_fields = ("programme__code", "note")
    date_hierarchy = "paid_on"


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "nis_code", "kind", "sort_order")
    list_filter = ("kind",)
    search_fields = ("name", "code", "nis_code")


@admin.register(PostcodeRange)
class PostcodeRangeAdmin(SimpleHistoryAdmin):
    list_display = ("first", "last", "region", "valid_from", "valid_until")
    list_filter = ("region",)
    list_select_related = ("region",)
    search_fields = ("first",)  # only turns the search box on; get_search_results does the work
    search_help_text = _("A postcode: shows every range it lies in.")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if not term.isdigit():
            return queryset.none(), False
        postcode = int(term)
        return queryset.filter(first__lte=postcode, last__gte=postcode), False


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = ("programme", "where", "phase", "count", "valid_from")
    list_filter = ("programme", "region", "phase", "valid_from")
    list_select_related = ("programme", "region")

    @admin.display(description=_("region"), ordering="region__sort_order")
    def where(self, target: Target) -> str:
        return str(target.region) if target.region else _("stated total")


@admin.register(ReachShare)
class ReachShareAdmin(SimpleHistoryAdmin):
    list_display = ("programme", "region", "share", "valid_from")
    list_filter = ("programme", "region", "valid_from")
    list_select_related = ("programme", "region")


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Who saw what: read-only for everyone, filtered by user, participant and date."""

    list_display = ("at", "username", "organisation", "action", "object_type", "object_id",
                    "participant_id", "ip_address")
    list_filter = ("action", ("user", admin.RelatedOnlyFieldListFilter), "at")
    search_fields = ("=participant_id", "username", "=object_id", "path")
    search_help_text = _("A participant id, a username, a record id or a path.")
    date_hierarchy = "at"
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# API tokens: knox's own admin would let an admin mint a token for anyone, past the second factor. Here
# admins see who holds a token and until when (never the token: only a hash is stored) and may revoke one.
import knox.admin  # noqa: E402, F401 (registers knox's admin, replaced just below)
from knox.models import AuthToken  # noqa: E402

admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("token_key", "user", "created", "expiry")
    list_select_related = ("user",)
    search_fields = ("=token_key", "user__username")
    search_help_text = _("The first characters of a token, or a username.")
    fields = ("token_key", "user", "created", "expiry")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
