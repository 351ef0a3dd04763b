"""Workers killed with SIGKILL mid-task, as processes of their own on PostgreSQL and Redis: their
jobs and runs recover by themselves within RECOVERY_SECONDS, and no line is lost or doubled."""
import os
import signal
import time

import pytest

from documents.models import Document, Line, LineText, TextSource
from recognition.models import FineTuning, Job, JobState
from recognition.services import document_delete, fine_tuning_start
from tests.integration.test_pipeline import upload_pdf, wait_until_finished

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# docs/operations.md, "When a worker dies": JOB_STALE_AFTER_SECONDS (60) and a sweep every 20 s.
RECOVERY_SECONDS = 120


def running_job(document: Document, timeout: float = 240) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.filter(document=document, state=JobState.RUNNING).first()
        if job:
            return job
        time.sleep(0.05)
    pytest.fail(f"no job of the document ran within {timeout} s")


def wait_for(condition, timeout: float, what: str) -> float:
    """Seconds until ``condition()`` holds."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"{what} did not happen within {timeout} s")
        time.sleep(0.25)
    return time.monotonic() - started


def assert_read_once(document: Document, lines_per_page: int) -> None:
    """Every job done, every page with its lines once, every line with one reading by the model."""
    assert set(Job.objects.filter(document=document).values_list("state", flat=True)) == {JobState.DONE}
    for page in document.pages.all():
        assert Line.objects.filter(page=page).count() == lines_per_page
    texts = LineText.objects.filter(line__page__document=document)
    assert texts.count() == Line.objects.filter(page__document=document).count()
    assert set(texts.values_list("source", flat=True)) == {TextSource.MODEL}


def test_a_page_worker_killed_mid_page_is_replaced_and_its_job_recovers(worker_processes, owner):
    first = worker_processes("pages-a", "cpu,gpu")
    document = upload_pdf(owner, pages=2)
    job = running_job(document)
    assert job.worker.endswith(f":{first.pid}")
    first.kill()  # its message stays unacknowledged in Redis until the visibility timeout, 30 minutes
    killed = time.monotonic()
    worker_processes("pages-b", "cpu,gpu", beat=True)

    def moving_again() -> bool:
        job.refresh_from_db()
        return not (job.state == JobState.RUNNING and job.worker.endswith(f":{first.pid}"))

    wait_for(moving_again, RECOVERY_SECONDS + 30, "the sweep taking the job back")
    assert time.monotonic() - killed <= RECOVERY_SECONDS
    wait_until_finished(document, timeout=600)
    assert_read_once(document, lines_per_page=3)


def test_a_pool_process_killed_mid_page_has_its_job_retried_at_once(worker_processes, owner):
    worker = worker_processes("pages-p", "cpu,gpu", pool="prefork", beat=True)
    document = upload_pdf(owner, pages=1)
    job = running_job(document)
    pool_process = int(job.worker.rpartition(":")[2])
    assert pool_process != worker.pid
    os.kill(pool_process, signal.SIGKILL)  # the worker requeues the message: the job's owner is gone

    def taken_over() -> bool:
        job.refresh_from_db()
        return job.attempts >= 2 or job.state == JobState.DONE

    assert wait_for(taken_over, RECOVERY_SECONDS, "the job being tried again") <= RECOVERY_SECONDS
    wait_until_finished(document, timeout=600)
    assert_read_once(document, lines_per_page=3)
    assert Job.objects.get(pk=job.pk).attempts == 2


def test_a_training_worker_killed_mid_run_frees_the_document_and_the_next_run_goes_on(
        worker_processes, owner, django_user_model, verified_pages, monkeypatch, settings):
    monkeypatch.undo()  # the pages were made without sending messages; the runs' must go
    settings.FINE_TUNING_MIN_TRAIN_LINES, settings.FINE_TUNING_MIN_HELD_OUT_LINES = 12, 4  # of its 20 checked lines
    staff = django_user_model.objects.create_user("staff", password="staff-password-1", is_staff=True)
    trainer = worker_processes("train-a", "train")
    worker_processes("sweeper", "cpu", beat=True)
    tuning = fine_tuning_start(user=owner, document=verified_pages, steps=5000)
    waiting = fine_tuning_start(user=staff, steps=1)  # the worker may take its message in advance

    def state(run: FineTuning) -> str:
        run.refresh_from_db()
        return run.state

    wait_for(lambda: state(tuning) == JobState.RUNNING, 240, "the first run starting")
    time.sleep(1)
    trainer.kill()
    killed = time.monotonic()
    worker_processes("train-b", "train")

    wait_for(lambda: state(tuning) == JobState.FAILED, RECOVERY_SECONDS + 30, "the dead run failing")
    assert time.monotonic() - killed <= RECOVERY_SECONDS
    assert "worker stopped" in tuning.error
    wait_for(lambda: state(waiting) != JobState.QUEUED, RECOVERY_SECONDS + 30, "the waiting run starting")
    assert time.monotonic() - killed <= RECOVERY_SECONDS
    assert waiting.state in (JobState.RUNNING, JobState.DONE), waiting.error

    verified_pages.refresh_from_db()
    assert not verified_pages.being_tuned
    document_delete(document=verified_pages, by=owner)
    assert not Document.objects.filter(pk=verified_pages.pk).exists()
