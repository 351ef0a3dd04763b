"""Fine-tuning runs: starting one on queue "train", failing those whose worker died, and telling
documents which document a model is being tuned to."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from documents import services as documents
from documents.models import Document
from documents.training_export import documents_selected
from htr_platform.celery import app as celery_app
from recognition.errors import FineTuningRefused, NotEnoughVerified
from recognition.models import FineTuning, JobState
from recognition.selectors import pages_verified

logger = logging.getLogger(__name__)

FINE_TUNING_ACTIVE = (JobState.QUEUED, JobState.RUNNING)


def document_tuning_sync(*, document_id: object) -> None:
    """Tell documents whether a model is being tuned to the document: it and its pages stay meanwhile."""
    if document_id is not None:
        active = FineTuning.objects.filter(document_id=document_id, state__in=FINE_TUNING_ACTIVE).exists()
        documents.document_tuning_set(document_id=document_id, being_tuned=active)


def fine_tuning_start(*, user, kind: str = "", epochs: int = FineTuning.DEFAULT_EPOCHS,
                      document: Document | None = None) -> FineTuning:
    """Queue a run that fine-tunes the model reading ``kind`` (blank: every kind, the current model)
    on the verified lines of that kind, or the model reading ``document`` on that document's;
    recognition.fine_tuning runs it on queue "train", one after another. Refused while another run
    of the models that read kinds (or of the same document) is queued or running, and with fewer
    than two pages of verified lines."""
    if document is not None:
        kind = document.kind
    with transaction.atomic():
        if FineTuning.objects.filter(state__in=FINE_TUNING_ACTIVE, document=document).exists():
            raise FineTuningRefused(
                "A model is already being tuned to this document: start another when it has finished." if document
                else "A fine-tuning is already queued or running: start another when it has finished.")
        pages = pages_verified(fine_tuning_documents(kind=kind, document=document))
        if pages < 2:
            raise NotEnoughVerified(pages)
        run = FineTuning.objects.create(requested_by=user, kind=kind, document=document, epochs=epochs)
        document_tuning_sync(document_id=run.document_id)
    transaction.on_commit(lambda: _fine_tuning_send(run))
    return run


def fine_tuning_documents(*, kind: str, document: Document | None) -> QuerySet[Document]:
    """The documents whose verified lines a run trains and judges on."""
    if document is not None:
        return Document.objects.filter(pk=document.pk)
    return documents_selected([kind] if kind else None, None)


def _fine_tuning_send(run: FineTuning) -> None:
    try:
        celery_app.send_task("recognition.tasks.fine_tune_model", args=[str(run.id)])
    except KombuOperationalError:
        logger.exception("could not send fine-tuning %s", run.id)
        FineTuning.objects.filter(pk=run.pk, state=JobState.QUEUED).update(
            state=JobState.FAILED, finished=timezone.now(),
            error="The task queue could not be reached, so the run was not started: start it again.")
        document_tuning_sync(document_id=run.document_id)


def fine_tunings_recover_stale(*, now: datetime | None = None) -> int:
    """Fail the runs whose worker died: a live one is stopped at the time limit."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.FINE_TUNING_TIME_LIMIT + 120)
    dead = FineTuning.objects.filter(state=JobState.RUNNING, started__lt=cutoff)
    document_ids = set(dead.values_list("document_id", flat=True))
    failed = dead.update(
        state=JobState.FAILED, finished=now,
        error="The worker stopped during this run; the current model stays in use. Start it again.")
    for document_id in document_ids:
        document_tuning_sync(document_id=document_id)
    return failed
