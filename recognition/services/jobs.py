"""Processing jobs: start processing pages, claim, finish, fail and recover jobs.

Job state only moves through conditional updates here, so a re-delivered or
retried task message can never run a job twice at the same time.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Iterable, NamedTuple
from uuid import UUID

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from documents import services as documents
from documents.models import Document, Line, Page
from htr_platform.celery import app as celery_app
from htr_platform import heartbeat
from recognition.errors import PermanentJobError, ReadAgainRefused
from recognition.models import Job, JobStage, JobState
from recognition.prescription_flags import document_flag

logger = logging.getLogger(__name__)

# A job is tried at most this many times when its worker dies under it.
MAX_ATTEMPTS = 3


def document_process(*, document: Document) -> list[Job]:
    """Queue a segment and a recognize job for every page; segmentation starts after commit."""
    return pages_process(pages=list(document.pages.order_by("number")))


def document_imported_follow(*, document: Document) -> list[Job]:
    """Flag the imported lines of a prescription (a verified text is checked too), and queue the
    search for ink the lines of every imported page leave out."""
    document_flag(document=document)
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
    """The job's worker is alive (htr_platform.heartbeat.beating calls this while the job runs)."""
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

# The stages each queue runs (settings.CELERY_TASK_ROUTES).
QUEUE_STAGES = ((JobStage.SEGMENT, JobStage.PLACES), (JobStage.RECOGNIZE, JobStage.READ_AGAIN))


def _queue_moving(stage: str, cutoff: datetime) -> bool:
    stages = next(stages for stages in QUEUE_STAGES if stage in stages)
    return Job.objects.filter(stage__in=stages).filter(
        Q(state=JobState.RUNNING, heartbeat__gte=cutoff) | Q(finished__gte=cutoff)).exists()



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


def error_message(error: BaseException) -> str:
    """What a person reading the job's status should be told."""
    if isinstance(error, PermanentJobError):
        return str(error)
    if isinstance(error, SoftTimeLimitExceeded):
        return f"The page took longer than {settings.CELERY_TASK_SOFT_TIME_LIMIT} seconds; stopped."
    return f"Unexpected error ({type(error).__name__}): {error}"
