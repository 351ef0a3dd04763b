"""Thin Celery tasks: take a job id, claim the job, run one pipeline step, record the outcome."""
from __future__ import annotations

import logging
import time
from typing import Callable

from celery import Task, shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import InterfaceError, OperationalError

from documents import services as documents
from htr_platform import heartbeat
from recognition import fine_tuning, pipeline, services
from recognition.models import JobStage

logger = logging.getLogger(__name__)

# What the count a step returns is of, for its line in the log.
COUNTED = {JobStage.SEGMENT: "lines found", JobStage.RECOGNIZE: "lines read", JobStage.READ_AGAIN: "lines read",
           JobStage.PLACES: "places of unread ink"}

# Worth another try: the database or broker was briefly unreachable.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


class JobTask(Task):
    max_retries = 3

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        services.job_fail(job_id=args[0], error=services.error_message(exc))


def _run(task: Task, job_id: str, step: Callable[..., int]) -> None:
    job = None
    started = time.monotonic()
    try:
        job = services.job_claim(job_id=job_id)
        if job is None:
            return  # already done, failed, or running elsewhere: a re-delivered message
        with heartbeat.beating(lambda: services.job_beat(job=job)):
            count = step(job=job)
    except TRANSIENT_ERRORS as error:
        if task.request.retries >= task.max_retries:
            raise
        if job is not None:
            services.job_requeue(job=job, error=str(error))
        raise task.retry(exc=error, countdown=5 * 2**task.request.retries)
    services.job_finish(job=job)
    # The worker's one line for this step (htr_platform/logs.py drops Celery's own).
    logger.info("%s, page %d of document %s: %d %s in %.1f s", job.get_stage_display(), job.page.number,
                job.document_id, count, COUNTED[job.stage], time.monotonic() - started)


@shared_task(bind=True, base=JobTask)
def segment_page(self: Task, job_id: str) -> None:
    _run(self, job_id, pipeline.job_segment)


@shared_task(bind=True, base=JobTask)
def recognize_page(self: Task, job_id: str) -> None:
    _run(self, job_id, pipeline.job_recognize)


@shared_task(bind=True, base=JobTask)
def read_page_again(self: Task, job_id: str) -> None:
    _run(self, job_id, pipeline.job_read_again)


@shared_task(bind=True, base=JobTask)
def find_places(self: Task, job_id: str) -> None:
    _run(self, job_id, pipeline.job_places_find)


# Acked on receipt: a run whose worker died is failed (services.fine_tunings_recover_stale), not
# delivered again to start its training over unasked; a queued run whose message died with a worker
# is sent again by the same sweep.
@shared_task(acks_late=False, soft_time_limit=settings.FINE_TUNING_TIME_LIMIT,
             time_limit=settings.FINE_TUNING_TIME_LIMIT + 60)
def fine_tune_model(run_id: str) -> None:
    fine_tuning.fine_tuning_run(run_id=run_id)


@shared_task
def recover_stale_jobs() -> None:
    recovery = services.jobs_recover_stale()
    if any(recovery):  # silent when, as nearly always, every job is moving
        logger.info("stalled jobs: %d queued again, %d failed, %d sent again", *recovery)
    runs = services.fine_tunings_recover_stale()
    if any(runs):
        logger.info("stalled fine-tunings: %d failed, %d sent again", *runs)
    exports = documents.export_jobs_recover_stale()
    if any(exports):
        logger.info("stalled exports: %d queued again, %d failed, %d sent again", *exports)


@shared_task
def delete_expired_documents() -> None:
    services.documents_delete_expired()


@shared_task
def delete_orphan_files() -> None:
    """Hourly: the files no row points to, and the export files kept their time."""
    deleted = documents.orphan_files_delete()
    if deleted:
        logger.info("deleted %d files no row points to (left by a crash mid-upload or mid-export): %s", len(deleted),
                    ", ".join(deleted[:20]) + (" …" if len(deleted) > 20 else ""))
    expired = documents.export_jobs_delete_expired()
    if expired:
        logger.info("deleted %d exports kept %d hours, with their files", expired, settings.EXPORT_FILES_KEEP_HOURS)


@worker_ready.connect
def register_current_model(**kwargs: object) -> None:
    """Register the current model as a worker starts, so that after an upgrade replaced the shipped
    model the web pages name the new one before any page is read."""
    try:
        services.model_current()
    except Exception:  # a missing model file must not stop the worker: the jobs that need it say so
        logger.exception("could not register the current recognition model")
