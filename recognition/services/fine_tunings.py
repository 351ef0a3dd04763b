"""Fine-tuning runs: starting one on queue "train", failing those whose worker died, and telling
documents which document a model is being tuned to."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import NamedTuple
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from documents import services as documents
from documents.models import Document
from documents.training_export import documents_selected
from htr_platform.celery import app as celery_app
from htr_platform import heartbeat
from recognition.errors import FineTuningNotYours, FineTuningRefused, NotEnoughChecked, QueueUnreachable
from recognition.models import FineTuning, JobState
from recognition.selectors import checked_lines_needed, lines_checked

logger = logging.getLogger(__name__)

FINE_TUNING_ACTIVE = (JobState.QUEUED, JobState.RUNNING)


def document_tuning_sync(*, document_id: object) -> None:
    """Tell documents whether a model is being tuned to the document: it and its pages stay meanwhile."""
    if document_id is not None:
        active = FineTuning.objects.filter(document_id=document_id, state__in=FINE_TUNING_ACTIVE).exists()
        documents.document_tuning_set(document_id=document_id, being_tuned=active)


def fine_tuning_start(*, user, kind: str = "", steps: int | None = None,
                      document: Document | None = None) -> FineTuning:
    """Queue a run that tunes the model reading ``kind`` (blank: every kind, the current model) to
    the checked lines of that kind, or the model reading ``document`` to that document's, in at most
    ``steps`` steps (default: FineTuning's budget for a document or for staff); recognition.fine_tuning
    runs it on queue "train", one after another. Refused while another run of the models that read
    kinds (or of the same document) is queued or running, and with fewer checked lines than a run
    needs to learn from and to be judged on (NotEnoughChecked says how many more)."""
    if document is not None:
        kind = document.kind
    with transaction.atomic():
        if FineTuning.objects.filter(state__in=FINE_TUNING_ACTIVE, document=document).exists():
            raise FineTuningRefused(
                "A model is already being tuned to this document: start another when it has finished." if document
                else "A fine-tuning is already queued or running: start another when it has finished.")
        fine_tuning_check_lines(checked=lines_checked(fine_tuning_documents(kind=kind, document=document)))
        steps = steps or (FineTuning.DOCUMENT_STEPS if document else FineTuning.STAFF_STEPS)
        run = FineTuning.objects.create(requested_by=user, kind=kind, document=document, steps=steps,
                                        heartbeat=timezone.now())
        document_tuning_sync(document_id=run.document_id)
    transaction.on_commit(lambda: _fine_tuning_sent(run))
    return run


def fine_tuning_check_lines(*, checked: int) -> None:
    """Refuse a run with fewer ``checked`` lines than it needs, saying how many more."""
    if checked < checked_lines_needed():
        raise NotEnoughChecked(checked=checked, train=settings.FINE_TUNING_MIN_TRAIN_LINES,
                               held_out=settings.FINE_TUNING_MIN_HELD_OUT_LINES)


def _fine_tuning_sent(run: FineTuning) -> None:
    if not _fine_tuning_send(run):
        raise QueueUnreachable(QUEUE_UNREACHABLE)


def fine_tuning_documents(*, kind: str, document: Document | None) -> QuerySet[Document]:
    """The documents whose checked lines a run trains and judges on."""
    if document is not None:
        return Document.objects.filter(pk=document.pk)
    return documents_selected([kind] if kind else None, None)


def _fine_tuning_send(run: FineTuning) -> bool:
    """Send the run's message; False, with the run failed, when the broker cannot be reached."""
    try:
        celery_app.send_task("recognition.tasks.fine_tune_model", args=[str(run.id)])
    except KombuOperationalError:
        logger.exception("could not send fine-tuning %s", run.id)
        FineTuning.objects.filter(pk=run.pk, state=JobState.QUEUED).update(
            state=JobState.FAILED, finished=timezone.now(), error=QUEUE_UNREACHABLE)
        document_tuning_sync(document_id=run.document_id)
        return False
    return True


QUEUE_UNREACHABLE = "The task queue could not be reached, so the run was not started: start it again."


def fine_tuning_claim(*, run_id: UUID | str) -> bool:
    """Move a queued run to running, owned by this process; False when it is not queued (a message
    delivered again, or a run cancelled meanwhile)."""
    now = timezone.now()
    return bool(FineTuning.objects.filter(pk=run_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started=now, heartbeat=now, worker=heartbeat.worker_name()))


def fine_tuning_beat(*, run_id: UUID | str) -> None:
    FineTuning.objects.filter(pk=run_id, state=JobState.RUNNING, worker=heartbeat.worker_name()).update(
        heartbeat=timezone.now())


def fine_tuning_cancel(*, run: FineTuning, by: AbstractBaseUser) -> None:
    """Stop a queued or running run, for the person who started it, the owner of the document it
    tunes to, or staff. Its worker stops after the step it is in; the models in use stay."""
    if not (by.is_staff or by.pk == run.requested_by_id or (run.document_id and run.document.owner_id == by.pk)):
        raise FineTuningNotYours("Only the person who started this run, the document's owner or staff can stop it.")
    with transaction.atomic():
        stopped = FineTuning.objects.filter(pk=run.pk, state__in=FINE_TUNING_ACTIVE).update(
            state=JobState.FAILED, finished=timezone.now(), error=f"Stopped by {by.get_username()}.")
        if not stopped:
            raise FineTuningRefused("This run has already ended.")
        document_tuning_sync(document_id=run.document_id)


class RunRecovery(NamedTuple):
    failed: int  # running runs of dead workers
    resent: int  # queued runs whose message may have been lost, sent again


def fine_tunings_recover_stale(*, now: datetime | None = None) -> RunRecovery:
    """Fail the runs whose worker died (their heartbeat stopped): hours of training are not started
    over unasked, and the documents they tuned to are free again. Send again the queued runs whose
    message may have died with a worker (acked when it was taken), once no run is moving."""
    now = now or timezone.now()
    cutoff = heartbeat.stale_cutoff(now)
    dead = FineTuning.objects.filter(state=JobState.RUNNING).filter(
        Q(heartbeat__lt=cutoff) | Q(heartbeat__isnull=True, started__lt=cutoff))
    document_ids = set(dead.values_list("document_id", flat=True))
    failed = dead.update(
        state=JobState.FAILED, finished=now,
        error="The worker stopped during this run; the current model stays in use. Start it again.")
    for document_id in document_ids:
        document_tuning_sync(document_id=document_id)
    resent: list[FineTuning] = []
    if not FineTuning.objects.filter(state=JobState.RUNNING, heartbeat__gte=cutoff).exists():
        waiting = FineTuning.objects.filter(state=JobState.QUEUED, created__lt=cutoff).filter(
            Q(heartbeat__isnull=True) | Q(heartbeat__lt=cutoff))
        resent = list(waiting)
        FineTuning.objects.filter(pk__in=[run.pk for run in resent]).update(heartbeat=now)
        for run in resent:
            transaction.on_commit(lambda run=run: _fine_tuning_send(run))
    return RunRecovery(failed, len(resent))
