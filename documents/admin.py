from django.contrib import admin
from django.http import HttpRequest

from documents.models import AuditEntry, Document, Line, LineFlag, LineText, Page, Share, UnreadInk


class ShareInline(admin.TabularInline):
    model = Share
    extra = 0


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "owner", "created"]
    inlines = [ShareInline]


@admin.register(LineFlag)
class LineFlagAdmin(admin.ModelAdmin):
    list_display = ["kind", "reason", "confirmed_by", "confirmed_at"]
    list_filter = ["kind"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read only: the audit log is append-only."""

    list_display = ["at", "username", "action", "document_title", "document_key", "address", "detail"]
    list_filter = ["action"]
    search_fields = ["username", "document_title", "document_key"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


admin.site.register(Page)
admin.site.register(Line)
admin.site.register(LineText)


@admin.register(UnreadInk)
class UnreadInkAdmin(admin.ModelAdmin):
    list_display = ["page", "number", "state", "note", "dismissed_by"]
