"""Recovery from dead workers: owners and heartbeats of jobs and fine-tuning runs, the sweep, and
stopping a run by hand."""
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from kombu.exceptions import OperationalError as KombuOperationalError
from django.urls import reverse
from django.utils import timezone

from documents.models import Document
from documents.services import document_delete, document_share
from htr_platform import heartbeat
from recognition import fine_tuning, services
from recognition.errors import FineTuningNotYours, FineTuningRefused
from ml.train.adapt import Progress
from recognition.models import FineTuning, Job, JobStage, JobState

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, str]]:
    messages: list[tuple[str, str]] = []
    monkeypatch.setattr(services.celery_app, "send_task", lambda name, args: messages.append((name, args[0])))
    return messages


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("staff", password="staff-password-1", is_staff=True)


def dead_pid() -> int:
    """The id of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def segment_job(document: Document) -> Job:
    return Job.objects.get(document=document, page__number=1, stage=JobStage.SEGMENT)


def stale(settings) -> timedelta:
    return timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS + 1)


def test_a_redelivered_message_for_a_job_whose_worker_process_died_takes_it_over(make_document):
    job = services.job_claim(job_id=segment_job(make_document(pages=1)).id)
    Job.objects.filter(pk=job.pk).update(worker=f"{socket.gethostname()}:{dead_pid()}")  # its pool process killed

    taken = services.job_claim(job_id=job.id)

    assert (taken.state, taken.attempts, taken.worker) == (JobState.RUNNING, 2, heartbeat.worker_name())
    assert "tried again" in taken.error


def test_a_redelivered_message_leaves_a_job_whose_worker_lives_alone(make_document, settings):
    job = services.job_claim(job_id=segment_job(make_document(pages=1)).id)
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        Job.objects.filter(pk=job.pk).update(worker=f"{socket.gethostname()}:{parent.pid}")
        assert services.job_claim(job_id=job.id) is None
        Job.objects.filter(pk=job.pk).update(worker="another-host:12")  # only its heartbeat tells
        assert services.job_claim(job_id=job.id) is None
        Job.objects.filter(pk=job.pk).update(heartbeat=timezone.now() - stale(settings))
        assert services.job_claim(job_id=job.id).attempts == 2
    finally:
        parent.kill()
        parent.wait()


def test_a_job_taken_over_too_often_fails(make_document):
    job = services.job_claim(job_id=segment_job(make_document(pages=1)).id)
    Job.objects.filter(pk=job.pk).update(worker=f"{socket.gethostname()}:{dead_pid()}", attempts=services.MAX_ATTEMPTS)
    assert services.job_claim(job_id=job.id) is None
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "3 times" in job.error


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_keeps_a_running_job_alive(make_document):
    job = services.job_claim(job_id=segment_job(make_document(pages=1)).id)
    Job.objects.filter(pk=job.pk).update(heartbeat=timezone.now() - timedelta(hours=1))
    with heartbeat.beating(lambda: services.job_beat(job=job), every=0.05):
        deadline = time.monotonic() + 10
        while Job.objects.get(pk=job.pk).heartbeat < timezone.now() - timedelta(minutes=1):
            assert time.monotonic() < deadline, "no heartbeat in 10 s"
            time.sleep(0.05)
    assert services.jobs_recover_stale() == (0, 0, 0)


def test_a_queued_job_is_not_sent_again_while_its_queue_is_moving(make_document, settings, sent,
                                                                     django_capture_on_commit_callbacks):
    first, second = make_document(pages=1), make_document(pages=1)
    sent.clear()
    Job.objects.update(created=timezone.now() - stale(settings), heartbeat=timezone.now() - stale(settings))
    services.job_claim(job_id=segment_job(first).id)  # a live worker is on the cpu queue

    with django_capture_on_commit_callbacks(execute=True):
        assert services.jobs_recover_stale() == (0, 0, 0)
    Job.objects.filter(pk=segment_job(first).pk).update(heartbeat=timezone.now() - stale(settings))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.jobs_recover_stale() == (1, 0, 1)  # its worker died: the queue stands still
    assert sorted(sent) == sorted([("recognition.tasks.segment_page", str(segment_job(first).id)),
                                   ("recognition.tasks.segment_page", str(segment_job(second).id))])


def running_run(user, document=None, *, beat_age: timedelta = timedelta(0), worker: str = "") -> FineTuning:
    now = timezone.now()
    run = FineTuning.objects.create(requested_by=user, document=document, steps=1, state=JobState.RUNNING,
                                    started=now - beat_age, heartbeat=now - beat_age, worker=worker or "h:1")
    services.document_tuning_sync(document_id=run.document_id)
    return run


def test_a_run_whose_heartbeat_stopped_is_failed_and_its_document_can_be_deleted(owner, make_document, settings):
    document = make_document(pages=1)
    run = running_run(owner, document)
    assert services.fine_tunings_recover_stale() == (0, 0)
    assert Document.objects.get(pk=document.pk).being_tuned

    assert services.fine_tunings_recover_stale(now=timezone.now() + stale(settings)) == (1, 0)
    run.refresh_from_db()
    assert run.state == JobState.FAILED and "worker stopped" in run.error
    document.refresh_from_db()
    assert not document.being_tuned
    document_delete(document=document, by=owner)
    assert not Document.objects.filter(pk=document.pk).exists()


def test_a_queued_run_whose_message_was_lost_is_sent_again_once_no_run_moves(staff, settings, sent,
                                                                              django_capture_on_commit_callbacks):
    old = timezone.now() - stale(settings)
    queued = FineTuning.objects.create(requested_by=staff, steps=1, heartbeat=old)
    FineTuning.objects.filter(pk=queued.pk).update(created=old)
    moving = running_run(staff)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.fine_tunings_recover_stale() == (0, 0)  # it waits its turn behind a live run
    FineTuning.objects.filter(pk=moving.pk).update(heartbeat=old)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.fine_tunings_recover_stale() == (1, 1)
        assert services.fine_tunings_recover_stale() == (0, 0)  # just sent
    assert sent == [("recognition.tasks.fine_tune_model", str(queued.id))]


def test_the_owner_and_staff_stop_a_run_and_no_one_else(owner, stranger, staff, make_document):
    document = make_document(pages=1)
    run = running_run(owner, document)
    with pytest.raises(FineTuningNotYours):
        services.fine_tuning_cancel(run=run, by=stranger)
    services.fine_tuning_cancel(run=run, by=owner)
    run.refresh_from_db()
    assert (run.state, run.error) == (JobState.FAILED, "Stopped by owner.")
    document.refresh_from_db()
    assert not document.being_tuned
    with pytest.raises(FineTuningRefused, match="already ended"):
        services.fine_tuning_cancel(run=run, by=staff)

    other = running_run(owner)
    services.fine_tuning_cancel(run=other, by=staff)
    assert FineTuning.objects.get(pk=other.pk).error == "Stopped by staff."


def test_a_stopped_run_ends_at_the_next_step_without_a_model(owner, make_document, monkeypatch):
    run = running_run(owner, make_document(pages=1), worker=heartbeat.worker_name())

    def fine_tune(*, on_step, **kwargs):
        services.fine_tuning_cancel(run=run, by=owner)
        on_step(Progress(step=1, total=2, elapsed=1.0, eta=1.0))
        pytest.fail("training went on after the run was stopped")

    monkeypatch.setattr(fine_tuning, "fine_tune", fine_tune)
    fine_tuning._run(run, documents=Document.objects.none(), out=None)
    run.refresh_from_db()
    assert (run.state, run.error, run.model) == (JobState.FAILED, "Stopped by owner.", None)


def test_a_stuck_run_is_stopped_through_the_api_by_its_documents_owner_not_a_stranger(client, owner, stranger,
                                                                                       make_document):
    run = running_run(owner, make_document(pages=1))
    url = reverse("api-fine-tuning-stop", args=[run.id])
    client.force_login(stranger)
    assert client.post(url).status_code == 404
    client.force_login(owner)
    answer = client.post(url)
    assert (answer.status_code, answer.json()["state"]) == (200, "failed")
    assert client.post(url).status_code == 409


def test_staff_stop_a_run_on_the_models_page(client, staff):
    run = running_run(staff)
    client.force_login(staff)
    page = client.post(reverse("fine-tuning-stop", args=[run.id]), follow=True)
    assert "The run is stopped" in page.content.decode()
    assert FineTuning.objects.get(pk=run.pk).state == JobState.FAILED


@pytest.mark.django_db(transaction=True)  # the message is sent as the request's writes commit
def test_a_staff_run_started_while_the_broker_is_down_answers_503_not_queued(client, staff, verified_pages,
                                                                              monkeypatch, settings):
    settings.FINE_TUNING_MIN_TRAIN_LINES, settings.FINE_TUNING_MIN_HELD_OUT_LINES = 12, 4  # of its 20 checked lines
    def broker_down(name, args):
        raise KombuOperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(services.celery_app, "send_task", broker_down)
    client.force_login(staff)
    answer = client.post(reverse("api-fine-tunings"), {"steps": 1}, content_type="application/json")
    assert answer.status_code == 503 and "could not be reached" in answer.json()["detail"]
    assert FineTuning.objects.get().state == JobState.FAILED


def test_the_documents_owner_stops_a_stuck_run_from_the_document_page_and_an_editor_cannot(client, owner, collaborator,
                                                                                          make_document):
    document = make_document(pages=1)
    document_share(document=document, user=collaborator, role="editor")
    run = running_run(owner, document, beat_age=timedelta(minutes=30), worker="gone-host:1")
    page_url, stop_url = reverse("document-detail", args=[document.id]), reverse("fine-tuning-stop", args=[run.id])
    stop_form = 'id="tuning-stop"'

    client.force_login(collaborator)
    assert stop_form not in client.get(page_url).content.decode()
    refused = client.post(stop_url, follow=True)
    assert "Only the person who started this run, the document&#x27;s owner or staff can stop it." in refused.content.decode()
    assert FineTuning.objects.get(pk=run.pk).state == JobState.RUNNING

    client.force_login(owner)
    assert stop_form in client.get(page_url).content.decode()
    assert client.get(reverse("document-status", args=[document.id])).json()["tuning"]["run"]["id"] == str(run.id)
    stopped = client.post(stop_url)
    assert stopped.url == page_url
    run.refresh_from_db()
    assert (run.state, run.error) == (JobState.FAILED, "Stopped by owner.")
    assert not Document.objects.get(pk=document.pk).being_tuned
