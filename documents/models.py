"""Documents, their pages, the text lines found on them, the versions of each line's text and the places of unread ink."""
from __future__ import annotations

import hashlib
import uuid

import numpy as np
from django.conf import settings
from django.db import models
from PIL import Image


class DocumentKind(models.TextChoices):
    LECTURE_NOTES = "lecture_notes", "Lecture notes"
    PRESCRIPTION = "prescription", "Prescription"


class DocumentLanguage(models.TextChoices):
    """The language a document is written in: its character language model reads its lines
    (the wrong one reads worse than none, docs/decoding.md)."""
    ENGLISH = "en", "English"
    FRENCH = "fr", "French"


def default_language() -> str:
    """The installation's language (RECOGNITION_LANGUAGE), English where it names none."""
    language = getattr(settings, "RECOGNITION_LANGUAGE", DocumentLanguage.ENGLISH)
    return language if language in DocumentLanguage.values else DocumentLanguage.ENGLISH


# Characters read with less confidence than this are highlighted for review.
# Prescriptions are stricter: a misread dose is dangerous.
LOW_CONFIDENCE = {DocumentKind.LECTURE_NOTES: 0.7, DocumentKind.PRESCRIPTION: 0.9}

# A line nobody checked is singled out ("unsure": first for F8, "[?]" in plain text) when the
# characters the model expects to have read wrong (the sum of one minus each character's
# calibrated confidence) reach this. Chosen on the shared val lines: docs/evaluation.md,
# "Uncertainty marks".
UNSURE_LEVEL = {DocumentKind.LECTURE_NOTES: 4.0, DocumentKind.PRESCRIPTION: 1.0}


class Document(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="documents")
    collaborators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="shared_documents", through="Share"
    )
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    title = models.CharField(max_length=200)
    language = models.CharField(max_length=5, choices=DocumentLanguage.choices, default=default_language)
    created = models.DateTimeField(auto_now_add=True)
    # A model is being tuned to this document's lines (recognition says so through
    # documents.services.document_tuning_set): neither it nor its pages are deleted meanwhile.
    being_tuned = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.title

    @property
    def low_confidence(self) -> float:
        return LOW_CONFIDENCE[DocumentKind(self.kind)]

    @property
    def unsure_level(self) -> float:
        return UNSURE_LEVEL[DocumentKind(self.kind)]


class ShareRole(models.TextChoices):
    VIEWER = "viewer", "Viewer (reads and exports)"
    EDITOR = "editor", "Editor (also corrects)"


class Share(models.Model):
    """A document shared with a person, in a role. Only the owner shares, unshares and deletes."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    role = models.CharField(max_length=10, choices=ShareRole.choices, default=ShareRole.EDITOR)

    class Meta:
        db_table = "documents_document_collaborators"  # the table of the plain sharing that came before roles
        unique_together = [("document", "user")]

    def __str__(self) -> str:
        return f"{self.document} → {self.user} ({self.role})"


def page_image_path(page: "Page", filename: str) -> str:
    return f"pages/{page.document_id}/{filename}"


class Page(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveIntegerField()  # 1-based, in document order
    image = models.FileField(upload_to=page_image_path)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    # Recognition has work queued or running on this page (it says so through
    # documents.services.pages_processing_set): its lines are not changed nor the page turned meanwhile.
    processing = models.BooleanField(default=False)

    class Meta:
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="unique_page_number"),
        ]

    def __str__(self) -> str:
        return f"{self.document} p. {self.number}"

    @property
    def unread_ink(self) -> list[dict]:
        """The page's places of unread ink as plain values, by number: ``{"id": number, "polygon":
        [[x, y], ...]}`` with ``"note"`` when there is one and ``"dismissed_by"`` (a username) when
        a person dismissed it. The services work out changes on these; the API shows them."""
        return [ink.as_place() for ink in self.unread_inks.select_related("dismissed_by")]

    @property
    def unread_places(self) -> list[dict]:
        """The places of unread ink nobody has dismissed: still to be looked at."""
        return [place for place in self.unread_ink if "dismissed_by" not in place]

    @property
    def dismissed_places(self) -> list[dict]:
        return [place for place in self.unread_ink if "dismissed_by" in place]

    @property
    def image_version(self) -> str:
        """Changes when the image is replaced (a turned page); the image URL carries it, since
        browsers keep the image for an hour."""
        return hashlib.sha256(self.image.name.encode()).hexdigest()[:10]

    def gray(self) -> np.ndarray:
        """The page image as gray uint8."""
        with self.image.open("rb") as file, Image.open(file) as image:
            return np.asarray(image.convert("L"))


class UnreadInk(models.Model):
    """A place on a page with ink that no line holds, so nothing there was read (the segmenter left
    it out, a line was drawn again without it, or the reading set a line aside). A line drawn over
    it takes it in (the row goes); a person who finds no text there dismisses it, which can be undone."""

    class State(models.TextChoices):
        OPEN = "open"  # still to be looked at
        DISMISSED = "dismissed"  # a person found no text there

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="unread_inks")
    number = models.PositiveIntegerField()  # the place's id on its page (in URLs), in the order found
    polygon = models.JSONField()  # [[x, y], ...] in page pixels
    note = models.TextField(blank=True)  # why the ink is here, when a line left it
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["page", "number"]
        constraints = [
            models.UniqueConstraint(fields=["page", "number"], name="unique_unread_ink_number"),
        ]

    def __str__(self) -> str:
        return f"{self.page} unread ink {self.number}"

    def as_place(self) -> dict:
        """The place as a plain value (see ``Page.unread_ink``)."""
        place: dict = {"id": self.number, "polygon": self.polygon}
        if self.note:
            place["note"] = self.note
        if self.state == self.State.DISMISSED:
            place["dismissed_by"] = self.dismissed_by.get_username() if self.dismissed_by else ""
        return place


class Line(models.Model):
    """A text line on a page. ``revision`` goes up with every change of its text; a save names the one it saw."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="lines")
    order = models.PositiveIntegerField()  # reading order, 0-based
    polygon = models.JSONField()  # [[x, y], ...] in page pixels
    baseline = models.JSONField(default=list)
    line_type = models.CharField(max_length=50, default="default")
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["page", "order"]
        constraints = [
            models.UniqueConstraint(fields=["page", "order"], name="unique_line_order"),
        ]

    def __str__(self) -> str:
        return f"{self.page} line {self.order + 1}"


class TextSource(models.TextChoices):
    MODEL = "model", "Model"
    HUMAN = "human", "Person"
    IMPORT = "import", "Imported (verified)"


# Sources a person vouched for: they win over any model reading.
HUMAN_SOURCES = (TextSource.HUMAN, TextSource.IMPORT)


class LineText(models.Model):
    """One version of a line's text. Versions are only ever added."""

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="versions")
    text = models.TextField(blank=True)
    confidences = models.JSONField(default=list)  # one per character of text; empty when unknown
    source = models.CharField(max_length=10, choices=TextSource.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    model_version = models.CharField(max_length=100, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["line", "created", "id"]

    def __str__(self) -> str:
        return f"{self.source}: {self.text[:40]}"

    @property
    def is_human(self) -> bool:
        return self.source in HUMAN_SOURCES

    @property
    def confidence(self) -> float | None:
        """The least certain character's confidence, or None when unknown."""
        return min(self.confidences) if self.confidences else None


def current_version(versions: list[LineText]) -> LineText | None:
    """The newest human version, else the newest model version (versions oldest first)."""
    for version in reversed(versions):
        if version.is_human:
            return version
    return versions[-1] if versions else None


class LineFlag(models.Model):
    """Something a pharmacist must look at in one version of a prescription line's text (an unknown
    drug name, a doubted digit, an error-prone form, an unusual dose), computed by recognition.

    A flag belongs to the version it was computed on: a new version has flags of its own. It is
    confirmed (who, when) by a person who checked the span against the scan."""

    version = models.ForeignKey(LineText, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=30)
    start = models.PositiveIntegerField()  # the span version.text[start:end] the flag is about
    end = models.PositiveIntegerField()
    reason = models.TextField()
    suggestions = models.JSONField(default=list)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["version", "start", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.start}-{self.end}: {self.reason[:40]}"

    @property
    def token(self) -> str:
        return self.version.text[self.start:self.end]

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    EDIT = "edit", "Edited"
    EXPORT = "export", "Exported"
    SHARE = "share", "Shared"
    DELETE = "delete", "Deleted"


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only: its entries are never changed.")

    def delete(self):
        raise PermissionError("The audit log is append-only: its entries are never deleted.")


class AuditEntry(models.Model):
    """Who did what to a document, when, from which address. Append-only: an entry is never
    changed nor deleted, and it outlives the document (its id and title are kept in the row)."""

    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    document_key = models.UUIDField(db_index=True)  # the document's id, kept once it is deleted
    document_title = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150)  # kept if the account goes
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    detail = models.CharField(max_length=300, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.document_title}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError("The audit log is append-only: its entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only: its entries are never deleted.")


class ExportState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ExportJob(models.Model):
    """An export made by a worker (a document too large to export within a request): its progress,
    then its file, kept until ``expires``. Its state moves only through documents.services.export_jobs."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    format = models.CharField(max_length=10)  # a key of documents.exports.EXPORT_FORMATS
    state = models.CharField(max_length=20, choices=ExportState.choices, default=ExportState.QUEUED)
    progress = models.FloatField(default=0.0)  # pages written / pages
    error = models.TextField(blank=True)
    file = models.FileField(max_length=300, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True)
    finished = models.DateTimeField(null=True)
    expires = models.DateTimeField(null=True)  # done or failed: the sweep deletes it, and its file, then
    # As on recognition's jobs: running, when the worker last reported and which worker ("host:pid");
    # queued, when its message was last sent.
    heartbeat = models.DateTimeField(null=True)
    worker = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["state", "heartbeat"])]

    def __str__(self) -> str:
        return f"{self.format} export of {self.document} ({self.state})"
