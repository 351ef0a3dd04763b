from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from documents.models import (AuditEntry, Document, DocumentKind, DocumentLanguage, ExportJob, ExportState, LineFlag,
                              LineText, Page, ShareRole, default_language)
from ml.segment.drawn_line import DIRECTIONS


class DocumentSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.get_username", read_only=True)
    pages = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "title", "kind", "language", "owner", "created", "pages"]

    def get_pages(self, document: Document) -> str:
        return reverse("api-document-pages", args=[document.id])


def kind_field(**options) -> serializers.ChoiceField:
    """The kind of document, whose error names the kinds there are."""
    kinds = " or ".join(DocumentKind.values)
    return serializers.ChoiceField(choices=DocumentKind.choices, **options, error_messages={
        "invalid_choice": f'"{{input}}" is not a kind of document: give {kinds}.',
        "null": f"Give the kind of document: {kinds}.",
        "required": f"Give the kind of document: {kinds}.",
    })


def language_field(**options) -> serializers.ChoiceField:
    """The language the document is written in, whose error names the languages there are."""
    languages = " or ".join(DocumentLanguage.values)
    return serializers.ChoiceField(choices=DocumentLanguage.choices, **options, error_messages={
        "invalid_choice": f'"{{input}}" is not a language the platform reads: give {languages}.',
        "null": f"Give the language of the document: {languages}.",
    })


class DocumentEditSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    kind = kind_field()
    language = language_field()


class DocumentUploadSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    kind = kind_field()
    language = language_field(default=default_language)
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False)


class PagesAddSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False)


class DocumentImportSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    kind = kind_field()
    language = language_field(default=default_language)
    images = serializers.ListField(child=serializers.FileField(), allow_empty=False)
    layouts = serializers.ListField(child=serializers.FileField(), allow_empty=False)


class PageSerializer(serializers.ModelSerializer):
    image = serializers.SerializerMethodField()
    lines = serializers.SerializerMethodField()
    # The places of unread ink as the page gives them: {"id", "polygon", "note"?, "dismissed_by"?}
    unread_ink = serializers.JSONField(read_only=True)

    class Meta:
        model = Page
        fields = ["id", "number", "width", "height", "image", "lines", "unread_ink"]

    def get_image(self, page: Page) -> str:
        return f'{reverse("api-page-image", args=[page.id])}?v={page.image_version}'

    def get_lines(self, page: Page) -> str:
        return reverse("api-page-lines", args=[page.id])


class LineTextSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_username", default=None, read_only=True)

    class Meta:
        model = LineText
        fields = ["id", "text", "confidences", "source", "author", "model_version", "created"]


class LineFlagSerializer(serializers.ModelSerializer):
    """A flag of a prescription line's current text: the span ``text[start:end]``, why, what it may be."""

    token = serializers.CharField(read_only=True)
    confirmed_by = serializers.CharField(source="confirmed_by.get_username", default=None, read_only=True)

    class Meta:
        model = LineFlag
        fields = ["id", "kind", "start", "end", "token", "reason", "suggestions", "confirmed_by", "confirmed_at"]


class LineSerializer(serializers.Serializer):
    """A line with its current text and every version (oldest first)."""

    id = serializers.UUIDField(source="line.id")
    order = serializers.IntegerField(source="line.order")
    polygon = serializers.JSONField(source="line.polygon")
    baseline = serializers.JSONField(source="line.baseline")
    revision = serializers.IntegerField(source="line.revision")
    text = serializers.CharField()
    confidences = serializers.ListField(child=serializers.FloatField())
    source = serializers.CharField(source="current.source", default=None)
    flags = LineFlagSerializer(many=True, help_text="Prescriptions only: what a pharmacist must confirm or correct.")
    versions = LineTextSerializer(many=True)


class LineRevertSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="The id of the earlier version whose text becomes current again.")
    revision = serializers.IntegerField(min_value=0, help_text="The line's revision the revert was asked from.")


class FlagsConfirmSerializer(serializers.Serializer):
    revision = serializers.IntegerField(min_value=0, help_text="The line's revision whose text was checked.")
    flags = serializers.ListField(child=serializers.IntegerField(), required=False,
                                  help_text="The ids of the flags confirmed; all open flags of the line when left out.")


class LineTextSaveSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=10_000)
    revision = serializers.IntegerField(min_value=0, help_text="The line's revision the text was edited from.")


class LineBoxSerializer(serializers.Serializer):
    box = serializers.ListField(
        child=serializers.FloatField(), min_length=4, max_length=4,
        help_text="x0, y0, x1, y1 in page pixels: the box drawn around the line.",
    )
    direction = serializers.ChoiceField(
        choices=DIRECTIONS, default="right", help_text="The way the writing runs: right, or up / down a margin."
    )


class PlaceReadSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(
        choices=DIRECTIONS, default="right", help_text="The way the writing runs: right, or up / down a margin."
    )


class UnreadPlaceMarkSerializer(serializers.Serializer):
    dismissed = serializers.BooleanField(help_text="true: a person found no text there; false: undo that.")


class LineSavedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    text = serializers.CharField()
    revision = serializers.IntegerField()
    author = serializers.CharField()
    flags = LineFlagSerializer(many=True)


class StaleRevisionSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current_revision = serializers.IntegerField()
    current_text = serializers.CharField()


class CollaboratorSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=ShareRole.choices, default=ShareRole.VIEWER,
                                   help_text="viewer: reads and exports; editor: also corrects.")


class AuditEntrySerializer(serializers.ModelSerializer):
    document = serializers.UUIDField(source="document_key")

    class Meta:
        model = AuditEntry
        fields = ["at", "username", "action", "document", "document_title", "address", "detail"]


class ExportStartSerializer(serializers.Serializer):
    format = serializers.CharField(help_text="txt, docx, pdf, csv, json, alto or page")


class ExportJobSerializer(serializers.ModelSerializer):
    file = serializers.SerializerMethodField(help_text="where to download the file, once the export is done")

    class Meta:
        model = ExportJob
        fields = ["id", "document", "format", "state", "progress", "error", "created", "finished", "expires", "file"]

    def get_file(self, job: ExportJob) -> str | None:
        return reverse("api-export-file", args=[job.id]) if job.state == ExportState.DONE else None
