"""Job life cycle: claim, finish, fail, retry and recovery from dead workers."""
import logging
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from documents.services import document_delete
from htr_platform.logs import CeleryTaskChatter
from recognition import pipeline, services, tasks
from recognition.errors import PermanentJobError
from recognition.models import Job, JobStage, JobState

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """Task messages sent to the broker, as (task name, job id)."""
    messages = []
    monkeypatch.setattr(
        services.celery_app, "send_task", lambda name, args: messages.append((name, args[0]))
    )
    return messages


def job_of(document, stage):
    return Job.objects.get(document=document, page__number=1, stage=stage)


def test_a_job_is_claimed_once(make_document):
    job = job_of(make_document(pages=1), JobStage.SEGMENT)
    claimed = services.job_claim(job_id=job.id)
    assert (claimed.state, claimed.attempts) == (JobState.RUNNING, 1)
    assert services.job_claim(job_id=job.id) is None


def test_finished_segmentation_queues_reading_of_that_page(make_document, sent, django_capture_on_commit_callbacks):
    document = make_document(pages=2)
    job = services.job_claim(job_id=job_of(document, JobStage.SEGMENT).id)
    with django_capture_on_commit_callbacks(execute=True):
        services.job_finish(job=job)
    job.refresh_from_db()
    assert (job.state, job.progress) == (JobState.DONE, 1.0)
    assert sent == [("recognition.tasks.recognize_page", str(job_of(document, JobStage.RECOGNIZE).id))]


def test_failed_segmentation_fails_the_reading_of_its_page(make_document):
    document = make_document(pages=2)
    job = services.job_claim(job_id=job_of(document, JobStage.SEGMENT).id)
    services.job_fail(job_id=job.id, error="The page image could not be read.")
    assert job_of(document, JobStage.SEGMENT).error == "The page image could not be read."
    recognize = job_of(document, JobStage.RECOGNIZE)
    assert recognize.state == JobState.FAILED and "could not be found" in recognize.error
    assert Job.objects.filter(document=document, page__number=2, state=JobState.QUEUED).count() == 2


def test_a_redelivered_message_for_a_finished_job_does_nothing(make_document, monkeypatch):
    job = job_of(make_document(pages=1), JobStage.SEGMENT)
    Job.objects.filter(pk=job.pk).update(state=JobState.DONE)
    monkeypatch.setattr(pipeline, "job_segment", lambda job: pytest.fail("ran a finished job"))
    tasks.segment_page.apply(args=[str(job.id)])
    assert job_of(job.document, JobStage.SEGMENT).attempts == 0


def test_a_transient_error_is_retried(make_document, monkeypatch, sent):
    job = job_of(make_document(pages=1), JobStage.SEGMENT)
    calls = []

    def flaky(job):
        calls.append(job.attempts)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return 3

    monkeypatch.setattr(pipeline, "job_segment", flaky)
    tasks.segment_page.apply(args=[str(job.id)])  # eager: the retry runs at once
    job.refresh_from_db()
    assert calls == [1, 2]
    assert (job.state, job.attempts, job.error) == (JobState.DONE, 2, "")


def test_a_permanent_error_fails_the_job_with_its_message(make_document, monkeypatch):
    job = job_of(make_document(pages=1), JobStage.SEGMENT)

    def broken(job):
        raise PermanentJobError("The page image is missing.")

    monkeypatch.setattr(pipeline, "job_segment", broken)
    tasks.segment_page.apply(args=[str(job.id)])
    job.refresh_from_db()
    assert (job.state, job.error) == (JobState.FAILED, "The page image is missing.")


def test_jobs_left_running_by_a_dead_worker_are_requeued_then_failed(make_document, settings, sent, django_capture_on_commit_callbacks):
    document = make_document(pages=1)
    job = services.job_claim(job_id=job_of(document, JobStage.SEGMENT).id)
    later = timezone.now() + timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS + 1)
    assert services.jobs_recover_stale(now=timezone.now()) == (0, 0, 0)  # still alive

    with django_capture_on_commit_callbacks(execute=True):
        assert services.jobs_recover_stale(now=later) == (1, 0, 0)
    assert job_of(document, JobStage.SEGMENT).state == JobState.QUEUED
    assert sent == [("recognition.tasks.segment_page", str(job.id))]

    for _ in range(services.MAX_ATTEMPTS - 1):
        services.job_claim(job_id=job.id)
        Job.objects.filter(pk=job.pk).update(heartbeat=timezone.now() - timedelta(days=1))
        services.jobs_recover_stale()
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.FAILED, services.MAX_ATTEMPTS)
    assert "worker stopped" in job.error


def test_a_lost_message_is_sent_again_once_per_stale_period(make_document, settings, django_capture_on_commit_callbacks, monkeypatch):
    def broker_down(name, args):
        raise KombuOperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(services.celery_app, "send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        document = make_document(pages=1)  # the upload still succeeds; its job stays queued
    monkeypatch.undo()
    sent = []
    monkeypatch.setattr(services.celery_app, "send_task", lambda name, args: sent.append(name))

    stale = timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.jobs_recover_stale() == (0, 0, 0)  # not waiting long yet
        assert services.jobs_recover_stale(now=timezone.now() + stale) == (0, 0, 1)
        assert services.jobs_recover_stale(now=timezone.now() + stale) == (0, 0, 0)  # just sent
    assert sent == ["recognition.tasks.segment_page"]  # reading waits for its page's lines

    segment = services.job_claim(job_id=job_of(document, JobStage.SEGMENT).id)
    services.job_finish(job=segment)
    Job.objects.filter(pk=segment.pk).update(finished=timezone.now() - stale)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.jobs_recover_stale() == (0, 0, 1)
    assert sent[-1] == "recognition.tasks.recognize_page"


def test_error_messages_are_for_people():
    assert services.error_message(PermanentJobError("The model file is missing.")) == "The model file is missing."
    assert services.error_message(ValueError("bad")) == "Unexpected error (ValueError): bad"


def test_the_messages_of_a_document_deleted_while_it_was_processed_do_nothing(make_document, owner, monkeypatch):
    document = make_document(pages=1)
    segment, recognize = job_of(document, JobStage.SEGMENT), job_of(document, JobStage.RECOGNIZE)
    running = services.job_claim(job_id=segment.id)
    monkeypatch.setattr(pipeline, "job_segment", lambda job: pytest.fail("ran a job of a deleted document"))
    document_delete(document=document, by=owner)

    tasks.recognize_page.apply(args=[str(recognize.id)], throw=True)  # queued: its message comes after
    tasks.segment_page.apply(args=[str(segment.id)], throw=True)  # delivered again
    services.job_finish(job=running)  # a step that was running when it went ends on no row
    services.job_fail(job_id=running.id, error="the page went")
    assert not Job.objects.exists()


def test_a_job_step_is_one_line_in_the_log(make_document, monkeypatch, sent, caplog):
    job = job_of(make_document(pages=1), JobStage.SEGMENT)
    monkeypatch.setattr(pipeline, "job_segment", lambda job: 7)
    with caplog.at_level(logging.INFO):
        tasks.segment_page.apply(args=[str(job.id)])
    (line,) = [record.getMessage() for record in caplog.records if record.name == "recognition.tasks"]
    assert line.startswith(f"Find lines, page 1 of document {job.document_id}: 7 lines found in ")


def test_celerys_own_lines_per_task_are_dropped_and_its_warnings_kept():
    def kept(level: int) -> bool:
        return CeleryTaskChatter().filter(logging.LogRecord("celery.app.trace", level, "", 0, "Task succeeded", None, None))

    assert not kept(logging.INFO)
    assert kept(logging.WARNING) and kept(logging.ERROR)
