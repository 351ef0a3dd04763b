from django.contrib import admin

from documents.models import Document, Line, LineText, Page, UnreadInk


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "owner", "created"]
    filter_horizontal = ["collaborators"]


admin.site.register(Page)
admin.site.register(Line)
admin.site.register(LineText)


@admin.register(UnreadInk)
class UnreadInkAdmin(admin.ModelAdmin):
    list_display = ["page", "number", "state", "note", "dismissed_by"]
