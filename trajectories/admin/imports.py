"""The admin of import jobs: read-only, scoped like the upload pages; each look at a report is logged."""

from django.contrib import admin

from casemgmt.access import access_log_record
from casemgmt.models import AccessLog
from trajectories.models import ImportJob
from trajectories.policies import import_jobs_visible_to


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("created_at", "filename", "programme", "by", "status", "total_rows", "imported",
                    "refused_rows", "dry_run")
    list_filter = ("status", "programme", "dry_run")
    list_select_related = ("programme", "by")
    search_fields = ("filename", "by__username")
    date_hierarchy = "created_at"
    exclude = ("content",)
    readonly_fields = ("programme", "by", "coach", "filename", "language", "dry_run", "status", "total_rows",
                       "processed_rows", "imported", "refused_rows", "report", "error", "created_at",
                       "finished_at")

    def get_queryset(self, request):
        return import_jobs_visible_to(request.user).defer("content")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and obj.report and self.has_view_permission(request, obj):
            access_log_record(request=request, action=AccessLog.Action.VIEW, obj=obj)
        return super().change_view(request, object_id, form_url, extra_context)
