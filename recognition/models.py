"""The registry of recognition models and the jobs that run the pipeline."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from documents.models import Document, DocumentKind, Page


class RecognitionModel(models.Model):
    """A model file the platform can use, with the metrics measured when it was made."""

    name = models.CharField(max_length=100)
    version = models.CharField(max_length=100, unique=True)
    file_path = models.CharField(max_length=500)
    metrics = models.JSONField(default=dict)
    is_current = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=models.Q(is_current=True), name="one_current_model"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class KindModel(models.Model):
    """The model that reads new pages of one kind of document, in place of the current (default) one."""

    kind = models.CharField(max_length=20, choices=DocumentKind.choices, unique=True)
    model = models.ForeignKey(RecognitionModel, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.model}"


class DocumentModel(models.Model):
    """The model tuned to one document's handwriting, which reads that document's lines in place of
    the model for its kind."""

    document = models.OneToOneField(Document, on_delete=models.CASCADE, related_name="+")
    model = models.ForeignKey(RecognitionModel, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.document}: {self.model}"


class JobStage(models.TextChoices):
    SEGMENT = "segment", "Find lines"
    RECOGNIZE = "recognize", "Read lines"
    PLACES = "places", "Find ink no line covers"  # on an imported page, round the lines it came with
    READ_AGAIN = "read_again", "Read again"  # the lines nobody verified, with the model for the kind now


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Job(models.Model):
    """One stage of the pipeline for one page. Its state only moves forward through services."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="jobs")
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="jobs")
    stage = models.CharField(max_length=20, choices=JobStage.choices)
    state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.QUEUED)
    progress = models.FloatField(default=0.0)  # 0..1 within this job
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    model = models.ForeignKey(RecognitionModel, null=True, blank=True, on_delete=models.PROTECT)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    # Running: when the job last reported. Queued: when its message was last sent again.
    heartbeat = models.DateTimeField(null=True, blank=True)
    # Running: the worker process that claimed it ("host:pid"), to tell a dead owner from a live one.
    worker = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created"]
        indexes = [models.Index(fields=["state", "heartbeat"])]

    def __str__(self) -> str:
        return f"{self.stage} {self.page} ({self.state})"


class FineTuning(models.Model):
    """A run that tunes a new model, from the one reading its kind of document (or its one document),
    to the lines people checked there, with ml.train.adapt's recipe.

    Its state moves only through recognition.fine_tuning; the new model is put to use only if it
    reads checked lines held out of its training better than the model it started from.
    """

    # At most this many steps of 4 lines; the time budget (FINE_TUNING_TIME_BUDGET,
    # FINE_TUNING_STAFF_TIME_BUDGET) may end a run sooner. Why: docs/model-card.md, "Fine-tuning on checked lines".
    DOCUMENT_STEPS = 100
    STAFF_STEPS = 400

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    # The kind of document whose checked lines train it and judge it, and whose pages it reads if it
    # reads them better; blank: every kind, and it becomes the current model.
    kind = models.CharField(max_length=20, choices=DocumentKind.choices, blank=True)
    # A run for one document trains and judges on its checked lines only and, if better, reads it alone.
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    steps = models.PositiveIntegerField()  # at most
    state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.QUEUED)
    progress = models.FloatField(default=0.0)  # step / steps
    step = models.PositiveIntegerField(default=0)  # steps done
    eta_seconds = models.FloatField(null=True)  # while it trains: the time left at most, at the pace so far
    best_step = models.PositiveIntegerField(null=True)  # the step kept; 0: none read better than the base
    error = models.TextField(blank=True)
    base_model = models.ForeignKey(RecognitionModel, null=True, on_delete=models.PROTECT, related_name="+")
    model = models.ForeignKey(RecognitionModel, null=True, on_delete=models.PROTECT, related_name="fine_tunings")
    train_lines = models.PositiveIntegerField(null=True)
    holdout_lines = models.PositiveIntegerField(null=True)  # those that judge it (others chose its step)
    cer_before = models.FloatField(null=True)  # the base model's, on the held-out lines
    cer_after = models.FloatField(null=True)  # the new model's
    sure = models.FloatField(null=True)  # the share of bootstrap samples of those lines it reads better
    promoted = models.BooleanField(default=False)  # the new model reads new pages (of its kind)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True)
    finished = models.DateTimeField(null=True)
    # As on Job: running, when the worker last reported and which worker; queued, when it was last sent.
    heartbeat = models.DateTimeField(null=True)
    worker = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"fine-tuning {self.created:%Y-%m-%d %H:%M} ({self.state})"


class FormularyDrug(models.Model):
    """A drug name of the pharmacy's own formulary, checked on prescriptions beside the shipped list
    (staff add them on the models page or in the admin; no deploy needed)."""

    name = models.CharField(max_length=200, unique=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
