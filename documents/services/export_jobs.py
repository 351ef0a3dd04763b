"""Exports made by a worker: a document with more lines or pages than EXPORT_IN_BACKGROUND_ABOVE_LINES
or _PAGES takes longer to export than a request may last, so a job on queue "cpu" writes the file,
telling its progress page by page; the file is kept EXPORT_FILES_KEEP_HOURS, then swept.

A job is claimed and recovered as recognition's page jobs are (htr_platform.heartbeat): a message
delivered again for a job whose worker died takes it over as another attempt; the sweep queues
again the running jobs whose heartbeat stopped and sends again the queued ones whose message may
have been lost. A copy of a message is harmless: only one claims the job.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import NamedTuple
from uuid import UUID

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import pluralize
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from documents.errors import Refused
from documents.exports import EXPORT_FORMATS, document_export
from documents.models import Document, ExportJob, ExportState, Line
from htr_platform import heartbeat
from htr_platform.celery import app as celery_app

logger = logging.getLogger(__name__)

EXPORT_TASK = "documents.tasks.export_document"
EXPORTS = "exports"  # the storage folder: exports/<document id>/<job id>.<extension>
# A job is tried at most this many times when its worker dies under it.
MAX_ATTEMPTS = 3
ACTIVE = (ExportState.QUEUED, ExportState.RUNNING)


class UnknownFormat(Refused):
    http_status = 404

    def __init__(self, fmt: str) -> None:
        super().__init__(f"No such export format “{fmt}”: use {', '.join(EXPORT_FORMATS)}.")


class ExportTooLarge(Refused):
    """A document too large to export within a request: an export job makes it."""


def export_size_check(*, document: Document) -> None:
    """Refuse (ExportTooLarge) to export within a request a document over the sizes that need a job."""
    pages = document.pages.count()
    lines = Line.objects.filter(page__document=document).count()
    if pages > settings.EXPORT_IN_BACKGROUND_ABOVE_PAGES or lines > settings.EXPORT_IN_BACKGROUND_ABOVE_LINES:
        raise ExportTooLarge(
            f"This document has {lines} line{pluralize(lines)} on {pages} page{pluralize(pages)}, more than an "
            "export made at once may have "
            f"({settings.EXPORT_IN_BACKGROUND_ABOVE_LINES} lines or {settings.EXPORT_IN_BACKGROUND_ABOVE_PAGES} "
            "pages): it is exported in the background, with progress and then a download link.")


def export_in_background(*, document: Document) -> bool:
    """Whether exports of ``document`` are made by a worker."""
    try:
        export_size_check(document=document)
    except ExportTooLarge:
        return True
    return False


def export_job_start(*, document: Document, by: AbstractBaseUser, fmt: str) -> ExportJob:
    """Queue the export of ``document`` in ``fmt`` for ``by`` (who may see the document); the same
    person's export of the same format that is queued or running already, if there is one."""
    if fmt not in EXPORT_FORMATS:
        raise UnknownFormat(fmt)
    active = ExportJob.objects.filter(document=document, requested_by=by, format=fmt, state__in=ACTIVE).first()
    if active:
        return active
    job = ExportJob.objects.create(document=document, requested_by=by, format=fmt, heartbeat=timezone.now())
    transaction.on_commit(lambda: _send(job.id))
    return job


def _send(export_id: UUID) -> None:
    try:
        celery_app.send_task(EXPORT_TASK, args=[str(export_id)])
    except KombuOperationalError:  # the job stays queued: export_jobs_recover_stale sends it again
        logger.exception("could not send export %s", export_id)


def export_job_run(*, export_id: UUID | str) -> ExportJob | None:
    """Claim the job, write its file while its heartbeat beats, and mark it done; None when it is
    not this worker's to run (done, failed, or running in a live worker)."""
    job = export_job_claim(export_id=export_id)
    if job is None:
        return None
    with heartbeat.beating(lambda: _beat(job)):
        data = document_export(document=job.document, fmt=job.format, progress=lambda done: _progress(job, done))
    extension = EXPORT_FORMATS[job.format][0]
    name = default_storage.save(f"{EXPORTS}/{job.document_id}/{job.id}.{extension}", ContentFile(data))
    now = timezone.now()
    if not _mine(job).update(state=ExportState.DONE, progress=1.0, file=name, finished=now, heartbeat=now,
                             expires=now + keep_time()):
        default_storage.delete(name)  # another worker took it over, or its document was deleted
    return job


def export_job_claim(*, export_id: UUID | str) -> ExportJob | None:
    """Move a queued job to running, owned by this process; a job whose owner died is taken over
    as another attempt, or failed after MAX_ATTEMPTS. None when there is nothing to run."""
    now = timezone.now()
    me = heartbeat.worker_name()
    claimed = ExportJob.objects.filter(pk=export_id, state=ExportState.QUEUED).update(
        state=ExportState.RUNNING, worker=me, started=now, heartbeat=now, attempts=F("attempts") + 1, error="")
    if not claimed and not _take_over(export_id, me, now):
        return None
    return ExportJob.objects.select_related("document").get(pk=export_id)


def _take_over(export_id: UUID | str, me: str, now: datetime) -> bool:
    job = ExportJob.objects.filter(pk=export_id, state=ExportState.RUNNING).first()
    if job is None or job.worker == me or not heartbeat.owner_gone(job.worker, job.heartbeat, now):
        return False
    if job.attempts >= MAX_ATTEMPTS:
        export_job_fail(export_id=job.id, error=_gave_up(job.attempts))
        return False
    return bool(ExportJob.objects.filter(pk=job.pk, state=ExportState.RUNNING, worker=job.worker,
                                         heartbeat=job.heartbeat).update(
        worker=me, started=now, heartbeat=now, attempts=F("attempts") + 1,
        error="The worker stopped while making this export; tried again."))


def _gave_up(attempts: int) -> str:
    return f"The worker stopped while making this export, {attempts} times; giving up. Export it again."


def _mine(job: ExportJob):
    return ExportJob.objects.filter(pk=job.pk, state=ExportState.RUNNING, worker=heartbeat.worker_name())


def _beat(job: ExportJob) -> None:
    _mine(job).update(heartbeat=timezone.now())


def _progress(job: ExportJob, done: float) -> None:
    _mine(job).update(progress=done, heartbeat=timezone.now())


def keep_time() -> timedelta:
    return timedelta(hours=settings.EXPORT_FILES_KEEP_HOURS)


def export_job_fail(*, export_id: UUID | str, error: str) -> None:
    """Fail a job that has not finished; it is swept with the others after EXPORT_FILES_KEEP_HOURS."""
    now = timezone.now()
    ExportJob.objects.filter(pk=export_id, state__in=ACTIVE).update(
        state=ExportState.FAILED, error=error, finished=now, expires=now + keep_time())


def export_error_message(error: BaseException) -> str:
    """What a person following the export should be told."""
    if isinstance(error, SoftTimeLimitExceeded):
        return f"The export took longer than {settings.CELERY_TASK_SOFT_TIME_LIMIT} seconds; stopped."
    return f"The export failed ({type(error).__name__}): {error}"


class ExportRecovery(NamedTuple):
    requeued: int  # running jobs of dead workers, queued again
    failed: int  # the same, given up after MAX_ATTEMPTS
    resent: int  # queued jobs whose message may have been lost, sent again


def export_jobs_recover_stale(*, now: datetime | None = None) -> ExportRecovery:
    """Queue again the running jobs whose heartbeat is older than JOB_STALE_AFTER_SECONDS (failed
    after MAX_ATTEMPTS), and send again the queued ones not sent within that time."""
    now = now or timezone.now()
    cutoff = heartbeat.stale_cutoff(now)
    requeued: list[UUID] = []
    failed = 0
    for job in ExportJob.objects.filter(state=ExportState.RUNNING, heartbeat__lt=cutoff):
        if job.attempts >= MAX_ATTEMPTS:
            export_job_fail(export_id=job.id, error=_gave_up(job.attempts))
            failed += 1
        elif ExportJob.objects.filter(pk=job.pk, state=ExportState.RUNNING, heartbeat__lt=cutoff).update(
                state=ExportState.QUEUED, worker="", heartbeat=now,
                error="The worker stopped while making this export; queued again."):
            requeued.append(job.id)
    waiting = ExportJob.objects.filter(state=ExportState.QUEUED, heartbeat__lt=cutoff)
    resent = list(waiting.values_list("pk", flat=True))
    waiting.update(heartbeat=now)  # for a queued job: when its message was last sent
    for export_id in requeued + resent:
        transaction.on_commit(lambda export_id=export_id: _send(export_id))
    return ExportRecovery(len(requeued), failed, len(resent))


def export_jobs_delete_expired(*, now: datetime | None = None) -> int:
    """Delete the jobs (and their files) kept EXPORT_FILES_KEEP_HOURS since they ended; how many."""
    expired = ExportJob.objects.filter(expires__lt=now or timezone.now())
    names = [name for name in expired.values_list("file", flat=True) if name]
    count, _ = expired.delete()
    for name in names:
        default_storage.delete(name)
    return count
