"""The admin for organisations, their roles, FTE and staff, and the specialisations they offer."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from partners.models import (
    FteAllocation,
    Organisation,
    ProgrammeRole,
    Specialisation,
    SpecialisationOffer,
    StaffAllocation,
    StaffMember,
)


class ProgrammeRoleInline(admin.TabularInline):
    model = ProgrammeRole
    fields = ("programme", "role")
    extra = 0

    def get_queryset(self, request):
        # Each row's title names the programme and the organisation.
        return super().get_queryset(request).select_related("programme", "organisation")


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "parent", "coaches_share_caseload")
    list_filter = ("programme_roles__programme", "programme_roles__role", "coaches_share_caseload")
    list_select_related = ("parent",)
    search_fields = ("name", "code")
    autocomplete_fields = ("parent",)
    inlines = (ProgrammeRoleInline,)


@admin.register(ProgrammeRole)
class ProgrammeRoleAdmin(SimpleHistoryAdmin):
    list_display = ("programme", "organisation", "role")
    list_filter = ("programme", "organisation", "role")
    list_select_related = ("programme", "organisation")
    search_fields = ("organisation__name", "organisation__code")
    autocomplete_fields = ("organisation",)


@admin.register(FteAllocation)
class FteAllocationAdmin(SimpleHistoryAdmin):
    list_display = ("programme", "organisation", "year", "fte", "stated_share")
    list_filter = ("programme", "organisation", "year")
    list_select_related = ("programme", "organisation")
    search_fields = ("organisation__name", "organisation__code")
    autocomplete_fields = ("organisation",)


@admin.register(StaffMember)
class StaffMemberAdmin(SimpleHistoryAdmin):
    list_display = ("user", "organisation", "role")
    list_filter = ("organisation", "role")
    list_select_related = ("user", "organisation")
    search_fields = ("user__username", "user__first_name", "user__last_name", "organisation__name")
    autocomplete_fields = ("user", "organisation")


@admin.register(Specialisation)
class SpecialisationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "result_kind")
    list_filter = ("result_kind", "offers__programme", "offers__organisation")
    search_fields = ("name", "code", "description")


@admin.register(SpecialisationOffer)
class SpecialisationOfferAdmin(SimpleHistoryAdmin):
    list_display = ("programme", "specialisation", "organisation")
    list_filter = ("programme", "specialisation", "organisation")
    list_select_related = ("programme", "specialisation", "organisation")
    search_fields = ("specialisation__name", "organisation__name")
    autocomplete_fields = ("organisation",)


@admin.register(StaffAllocation)
class StaffAllocationAdmin(SimpleHistoryAdmin):
    list_display = ("staff", "programme", "share", "starts_on", "ends_on")
    list_filter = ("programme", "staff__organisation")
    list_select_related = ("staff__user", "staff__organisation", "programme")
    search_fields = ("staff__user__username", "staff__user__first_name", "staff__user__last_name")
    autocomplete_fields = ("staff",)
    date_hierarchy = "starts_on"
