"""Jobs and models: create, claim, finish, fail and recover jobs; register recognition models.

Job state only moves through conditional updates here, so a re-delivered or
retried task message can never run a job twice at the same time.
"""
from __future__ import annotations

import logging
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable, NamedTuple
from uuid import UUID

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from documents import services as documents
from documents.errors import DocumentNotDeleted
from documents.models import Document, Line, Page
from documents.selectors import documents_expired
from documents.training_export import documents_selected
from htr_platform.celery import app as celery_app
from recognition.models import DocumentModel, FineTuning, Job, JobStage, JobState, KindModel, RecognitionModel
from recognition.errors import (
    FineTuningNotYours,
    FineTuningRefused,
    ModelFileMissing,
    ModelInUse,
    NotEnoughVerified,
    PermanentJobError,
    QueueUnreachable,
    ReadAgainRefused,
)
from recognition import heartbeat
from recognition.recognizers import default_model_path, recognizer_load, shipped_models_dir
from recognition.selectors import models_reading_new_pages, pages_verified, tuned_model

logger = logging.getLogger(__name__)

# A job is tried at most this many times when its worker dies under it.
MAX_ATTEMPTS = 3


def document_process(*, document: Document) -> list[Job]:
    """Queue a segment and a recognize job for every page; segmentation starts after commit."""
    return pages_process(pages=list(document.pages.order_by("number")))


def document_imported_follow(*, document: Document) -> list[Job]:
    """Queue the search for ink the lines of every imported page leave out."""
    jobs = Job.objects.bulk_create(
        Job(document=document, page=page, stage=JobStage.PLACES) for page in document.pages.order_by("number")
    )
    _jobs_queued(jobs)
    return jobs


def page_process_again(*, page: Page) -> list[Job]:
    """Queue a page to be segmented and read again (a person turned it)."""
    return pages_process(pages=[page])


def lines_read(*, page: Page, lines: list[Line]) -> Job | None:
    """Queue the reading of the page's lines that have no text (lines a person drew, or drew again
    where a model's reading was dropped); one job reads them all. None when all have text."""
    if not any(not line.versions.exists() for line in lines):
        return None
    # The heartbeat of a queued job is when its message was sent: now, just below.
    job = Job.objects.create(document=page.document, page=page, stage=JobStage.RECOGNIZE, heartbeat=timezone.now())
    _jobs_queued([job])
    return job


def document_read_again(*, document: Document) -> list[Job]:
    """Queue the reading again, with the model for the document (tuned to it, else for its kind), of
    the lines nobody verified on every page; refused while the document is being processed."""
    pages = list(document.pages.order_by("number"))
    if any(_being_processed(page) for page in pages):
        raise ReadAgainRefused("This document is still being processed: read it again once that is done.")
    jobs = Job.objects.bulk_create(
        Job(document=document, page=page, stage=JobStage.READ_AGAIN, heartbeat=timezone.now()) for page in pages
    )
    _jobs_queued(jobs)
    return jobs


def _being_processed(page: Page) -> bool:
    return Job.objects.filter(page=page, state__in=JOB_ACTIVE).exists()


JOB_ACTIVE = (JobState.QUEUED, JobState.RUNNING)


def pages_processing_sync(*, page_ids: Iterable[object]) -> None:
    """Tell documents which of these pages have jobs queued or running: people do not change their
    lines nor turn them meanwhile."""
    ids = set(page_ids)
    if not ids:
        return
    with transaction.atomic():
        list(Page.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))  # one at a time
        busy = set(Job.objects.filter(page_id__in=ids, state__in=JOB_ACTIVE).values_list("page_id", flat=True))
        documents.pages_processing_set(page_ids=busy, processing=True)
        documents.pages_processing_set(page_ids=ids - busy, processing=False)


def _jobs_queued(jobs: list[Job]) -> None:
    """The pages of ``jobs`` are being processed; the jobs are sent once the transaction commits."""
    pages_processing_sync(page_ids={job.page_id for job in jobs})
    _enqueue_after_commit(jobs)


def pages_process(*, pages: list[Page]) -> list[Job]:
    """Queue a segment and a recognize job for each of ``pages``; segmentation starts after commit."""
    jobs = []
    for page in pages:
        jobs.append(Job(document=page.document, page=page, stage=JobStage.SEGMENT))
        jobs.append(Job(document=page.document, page=page, stage=JobStage.RECOGNIZE))
    Job.objects.bulk_create(jobs)
    pages_processing_sync(page_ids={page.pk for page in pages})
    _enqueue_after_commit([job for job in jobs if job.stage == JobStage.SEGMENT])
    return jobs


# Tasks are sent by name: the web process never imports the workers' code (and torch).
TASK_FOR_STAGE = {
    JobStage.SEGMENT: "recognition.tasks.segment_page",
    JobStage.RECOGNIZE: "recognition.tasks.recognize_page",
    JobStage.PLACES: "recognition.tasks.find_places",
    JobStage.READ_AGAIN: "recognition.tasks.read_page_again",
}


def _enqueue_after_commit(jobs: list[Job]) -> None:
    messages = [(TASK_FOR_STAGE[JobStage(job.stage)], str(job.id)) for job in jobs]
    if messages:
        transaction.on_commit(lambda: _send(messages))


def _send(messages: list[tuple[str, str]]) -> None:
    for name, job_id in messages:
        try:
            celery_app.send_task(name, args=[job_id])
        except KombuOperationalError:
            # The job stays queued; jobs_recover_stale sends it again later.
            logger.exception("could not send %s for job %s", name, job_id)


def job_claim(*, job_id: UUID | str) -> Job | None:
    """Move a queued job to running, owned by this process; None when it is done, failed or running
    in a live worker. A message delivered again for a job whose owner died (a pool process killed
    under it) takes the job over as another attempt, or fails it after MAX_ATTEMPTS."""
    now = timezone.now()
    me = heartbeat.worker_name()
    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, worker=me, started=now, heartbeat=now, attempts=F("attempts") + 1, error=""
    )
    if not claimed and not _job_take_over(job_id, me, now):
        return None
    return Job.objects.select_related("page", "document", "model").get(pk=job_id)


def _job_take_over(job_id: UUID | str, me: str, now: datetime) -> bool:
    job = Job.objects.filter(pk=job_id, state=JobState.RUNNING).first()
    if job is None or job.worker == me or not heartbeat.owner_gone(job.worker, job.heartbeat, now):
        return False
    if job.attempts >= MAX_ATTEMPTS:
        job_fail(job_id=job.id, error=_gave_up(job.attempts))
        return False
    return bool(Job.objects.filter(pk=job.pk, state=JobState.RUNNING, worker=job.worker, heartbeat=job.heartbeat).update(
        worker=me, started=now, heartbeat=now, attempts=F("attempts") + 1,
        error="The worker stopped while running this job; tried again."))


def _gave_up(attempts: int) -> str:
    return f"The worker stopped while running this job, {attempts} times; giving up."


def job_beat(*, job: Job) -> None:
    """The job's worker is alive (recognition.heartbeat.beating calls this while the job runs)."""
    Job.objects.filter(pk=job.pk, state=JobState.RUNNING, worker=heartbeat.worker_name()).update(
        heartbeat=timezone.now())


def job_progress(*, job: Job, progress: float) -> None:
    Job.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
        progress=progress, heartbeat=timezone.now()
    )


def job_finish(*, job: Job) -> None:
    """Mark the job done; a page whose lines are found goes on to be read."""
    Job.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
        state=JobState.DONE, progress=1.0, finished=timezone.now(), heartbeat=timezone.now()
    )
    if job.stage == JobStage.SEGMENT:
        _enqueue_after_commit(list(_queued_recognition(job)))
    pages_processing_sync(page_ids=[job.page_id])


def _queued_recognition(job: Job) -> QuerySet[Job]:
    return Job.objects.filter(page_id=job.page_id, stage=JobStage.RECOGNIZE, state=JobState.QUEUED)


def job_requeue(*, job: Job, error: str) -> None:
    """Put a running job back in the queue before its task retries."""
    Job.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
        state=JobState.QUEUED, error=f"Retrying after: {error}"
    )


def job_fail(*, job_id: UUID | str, error: str) -> None:
    """Fail a job that has not finished; reading a page whose lines were not found fails too."""
    now = timezone.now()
    active = (JobState.QUEUED, JobState.RUNNING)
    with transaction.atomic():
        failed = Job.objects.filter(pk=job_id, state__in=active).update(
            state=JobState.FAILED, error=error, finished=now
        )
        job = Job.objects.filter(pk=job_id).first()
        if failed and job and job.stage == JobStage.SEGMENT:
            _queued_recognition(job).update(
                state=JobState.FAILED,
                finished=now,
                error="Not started: the lines of this page could not be found.",
            )
        if job:
            pages_processing_sync(page_ids=[job.page_id])


class Recovery(NamedTuple):
    requeued: int  # running jobs of dead workers, queued again
    failed: int  # the same, given up after MAX_ATTEMPTS
    resent: int  # queued jobs whose message may have been lost, sent again


def jobs_recover_stale(*, now: datetime | None = None) -> Recovery:
    """Find jobs that stopped moving and set them going again.

    A running job is known dead when its heartbeat is older than JOB_STALE_AFTER_SECONDS (a live
    worker stamps it every HEARTBEAT_SECONDS): it is queued again, or failed after MAX_ATTEMPTS.
    A job queued that long ago may have lost its message (the broker was down when it was sent,
    or the worker that had taken it died): it is sent again once its queue stands still (no job
    of that queue running or finished within that time), so that a long queue that is moving is
    not flooded with copies. A copy is harmless: only one message claims the job.
    """
    now = now or timezone.now()
    cutoff = heartbeat.stale_cutoff(now)
    requeued: list[Job] = []
    failed = 0
    for job in Job.objects.filter(state=JobState.RUNNING, heartbeat__lt=cutoff):
        if job.attempts >= MAX_ATTEMPTS:
            job_fail(job_id=job.id, error=_gave_up(job.attempts))
            failed += 1
        elif Job.objects.filter(pk=job.pk, state=JobState.RUNNING, heartbeat__lt=cutoff).update(
            state=JobState.QUEUED,
            worker="",
            heartbeat=now,
            error="The worker stopped while running this job; queued again.",
        ):
            requeued.append(job)
    waiting = [job for job in _jobs_waiting_since(cutoff) if not _queue_moving(job.stage, cutoff)]
    # For a queued job the heartbeat is when its message was last sent.
    Job.objects.filter(pk__in=[job.pk for job in waiting]).update(heartbeat=now)
    _enqueue_after_commit(requeued + waiting)
    return Recovery(len(requeued), failed, len(waiting))


def _jobs_waiting_since(cutoff: datetime) -> QuerySet[Job]:
    """Queued jobs that were due to be sent before ``cutoff`` and not sent again since."""
    not_sent_since = Q(heartbeat__isnull=True) | Q(heartbeat__lt=cutoff)
    # Reading is sent when the page's lines are found; a page without a segment job (imported,
    # with a line drawn on it) sends it at once.
    segment_not_done_by_then = Job.objects.filter(page=OuterRef("page"), stage=JobStage.SEGMENT).filter(
        Q(state__in=(JobState.QUEUED, JobState.RUNNING)) | Q(finished__gte=cutoff)
    )
    sent_at_once = Q(stage__in=(JobStage.SEGMENT, JobStage.PLACES, JobStage.READ_AGAIN), created__lt=cutoff)
    due = sent_at_once | Q(~Exists(segment_not_done_by_then), stage=JobStage.RECOGNIZE)
    return Job.objects.filter(not_sent_since, due, state=JobState.QUEUED)


# The stages each queue runs (settings.CELERY_TASK_ROUTES).
QUEUE_STAGES = ((JobStage.SEGMENT, JobStage.PLACES), (JobStage.RECOGNIZE, JobStage.READ_AGAIN))


def _queue_moving(stage: str, cutoff: datetime) -> bool:
    stages = next(stages for stages in QUEUE_STAGES if stage in stages)
    return Job.objects.filter(stage__in=stages).filter(
        Q(state=JobState.RUNNING, heartbeat__gte=cutoff) | Q(finished__gte=cutoff)).exists()


def model_current(kind: str = "") -> RecognitionModel:
    """The model new pages of ``kind`` are read with: the one chosen for that kind, else the current
    (default) model. The shipped model file is registered on first use, again when an upgrade
    replaced it, and in place of a shipped file an upgrade removed: readings must name the model
    that made them; a kind given a shipped model an upgrade replaced follows the default again."""
    chosen = KindModel.objects.filter(kind=kind).select_related("model").first() if kind else None
    if chosen and not _replaced_by_upgrade(chosen.model, default_model_path()):
        return chosen.model
    if chosen:
        chosen.delete()
    model = RecognitionModel.objects.filter(is_current=True).first()
    shipped = default_model_path()
    if model is None or _replaced_by_upgrade(model, shipped):
        return model_register(path=shipped, make_current=True)
    return model


def model_for_document(document: Document) -> RecognitionModel:
    """The model that reads ``document``: the one tuned to its handwriting, else the one for its kind."""
    tuned = tuned_model(document)
    if tuned:
        return tuned
    if DocumentModel.objects.filter(document=document).exists():  # jobs name the model that read each page
        logger.warning("the model file tuned to document %s is gone: reading it with its kind's model", document.pk)
    return model_current(document.kind)


def _replaced_by_upgrade(model: RecognitionModel, shipped: str) -> bool:
    if model.file_path == shipped:
        return recognizer_load(shipped).info.version != model.version
    path = Path(model.file_path)
    if path.resolve().parent == shipped_models_dir() and not path.exists():
        logger.warning("model file %s, shipped before, is gone: %s is the current model now", path, shipped)
        return True
    return False  # a file someone registered: if it is missing, jobs say so


def model_register(*, path: str, make_current: bool, kind: str = "") -> RecognitionModel:
    """Add a model file to the registry with the name, version and metrics it carries; with
    ``make_current``, read new pages of ``kind`` (of every kind: blank) with it."""
    info = recognizer_load(path).info
    with transaction.atomic():
        model, _ = RecognitionModel.objects.get_or_create(
            version=info.version,
            defaults={"name": info.name, "file_path": path, "metrics": dict(info.metrics)},
        )
        if make_current:
            model_make_current(model=model, kind=kind)
    return model


def model_make_current(*, model: RecognitionModel, kind: str = "") -> None:
    """Read new pages of ``kind`` with ``model`` from now on; blank ``kind``: make it the current
    model, which reads every kind that has no model of its own. Pages read before keep their text."""
    if not Path(model.file_path).is_file():
        raise ModelFileMissing(f"The model file {model.file_path} is gone: this model cannot be used.")
    with transaction.atomic():
        if kind and model.is_current:
            KindModel.objects.filter(kind=kind).delete()  # the kind follows the current model again
        elif kind:
            KindModel.objects.update_or_create(kind=kind, defaults={"model": model})
        else:
            RecognitionModel.objects.filter(is_current=True).exclude(pk=model.pk).update(is_current=False)
            RecognitionModel.objects.filter(pk=model.pk).update(is_current=True)
            model.is_current = True


def document_model_set(*, document: Document, model: RecognitionModel) -> None:
    """Read ``document``'s lines with ``model`` from now on (a model tuned to its handwriting)."""
    DocumentModel.objects.update_or_create(document=document, defaults={"model": model})


FINE_TUNING_ACTIVE = (JobState.QUEUED, JobState.RUNNING)


def model_delete(*, model: RecognitionModel) -> None:
    """Delete a model that reads nothing and read nothing (kept aside by a fine-tuning, say), with
    the folder a worker's run made for it; the runs that made or started from it keep their figures."""
    if model.id in models_reading_new_pages():
        raise ModelInUse("This model reads new pages: give them another model first.")
    if Job.objects.filter(model=model).exists():
        raise ModelInUse("Pages were read with this model: it stays, so that their readings name it.")
    with transaction.atomic():
        FineTuning.objects.filter(base_model=model).update(base_model=None)
        FineTuning.objects.filter(model=model).update(model=None)
        model.delete()
    transaction.on_commit(lambda: _run_folder_delete(model))


def _run_folder_delete(model: RecognitionModel) -> None:
    folder = Path(model.file_path).parent
    if folder.resolve().parent == Path(settings.FINE_TUNING_DIR).resolve():  # a worker's run, not a CLI's OUT
        shutil.rmtree(folder, ignore_errors=True)


def document_tuning_sync(*, document_id: object) -> None:
    """Tell documents whether a model is being tuned to the document: it and its pages stay meanwhile."""
    if document_id is not None:
        active = FineTuning.objects.filter(document_id=document_id, state__in=FINE_TUNING_ACTIVE).exists()
        documents.document_tuning_set(document_id=document_id, being_tuned=active)


def document_delete(*, document: Document, by: AbstractBaseUser) -> None:
    """Delete the document (documents.services.document_delete: its owner only, not while a model is
    tuned to it), then the models tuned to it (their weights learned its text) with their folders,
    but for one staff put to use elsewhere."""
    model_ids = list(FineTuning.objects.filter(document=document).exclude(model=None).values_list("model_id", flat=True))
    documents.document_delete(document=document, by=by)
    transaction.on_commit(lambda: _models_delete(model_ids))


def documents_delete_expired(*, now: datetime | None = None) -> int:
    """Delete the prescriptions kept longer than PRESCRIPTION_RETENTION_DAYS, as their owners would;
    one a model is being tuned to waits for the next round."""
    deleted = 0
    for document in documents_expired(now=now):
        try:
            document_delete(document=document, by=document.owner)
        except DocumentNotDeleted as error:
            logger.info("prescription %s is past its retention but was not deleted: %s", document.pk, error)
            continue
        deleted += 1
    return deleted


def _models_delete(model_ids: list[int]) -> None:
    for model in RecognitionModel.objects.filter(pk__in=model_ids):
        try:
            model_delete(model=model)
        except ModelInUse as why:  # staff put it to use for a kind, or other documents were read with it
            logger.info("kept model %s, tuned to a deleted document: %s", model.version, why)


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
        run = FineTuning.objects.create(requested_by=user, kind=kind, document=document, epochs=epochs,
                                        heartbeat=timezone.now())
        document_tuning_sync(document_id=run.document_id)
    transaction.on_commit(lambda: _fine_tuning_sent(run))
    return run


def _fine_tuning_sent(run: FineTuning) -> None:
    if not _fine_tuning_send(run):
        raise QueueUnreachable(QUEUE_UNREACHABLE)


def fine_tuning_documents(*, kind: str, document: Document | None) -> QuerySet[Document]:
    """The documents whose verified lines a run trains and judges on."""
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
    tunes to, or staff. Its worker stops at the end of the epoch it is in; the models in use stay."""
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


def error_message(error: BaseException) -> str:
    """What a person reading the job's status should be told."""
    if isinstance(error, PermanentJobError):
        return str(error)
    if isinstance(error, SoftTimeLimitExceeded):
        return f"The page took longer than {settings.CELERY_TASK_SOFT_TIME_LIMIT} seconds; stopped."
    return f"Unexpected error ({type(error).__name__}): {error}"
