"""Exports of large documents made by a worker: progress, then a download link for those who may
export the document; recovery when the worker dies; the file swept once kept its time."""
import io
import os
import socket
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from docx import Document as WordDocument

from documents import tasks
from documents.exports import document_export
from documents.models import AuditEntry, DocumentKind, ExportJob, ExportState, Line, LineText, TextSource
from documents.services import document_delete, document_unshare, export_jobs
from htr_platform.celery import app as celery_app
from recognition import services as recognition
from recognition import tasks as recognition_tasks

pytestmark = pytest.mark.django_db

EXPORT_TASK = "documents.tasks.export_document"


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, str]]:
    messages: list[tuple[str, str]] = []
    monkeypatch.setattr(celery_app, "send_task", lambda name, args: messages.append((name, args[0])))
    return messages


@pytest.fixture
def large(settings) -> None:
    """Documents of more than two lines are exported by a worker."""
    settings.EXPORT_IN_BACKGROUND_ABOVE_LINES = 2


def add_lines(document, texts: list[str]) -> None:
    """A line a page read by a model, one page after the other."""
    for page, text in zip(document.pages.order_by("number"), texts):
        line = Line.objects.create(page=page, order=0, polygon=[[10, 10], [300, 10], [300, 60], [10, 60]],
                                   baseline=[[10, 55], [300, 55]], revision=1)
        LineText.objects.create(line=line, text=text, confidences=[0.99] * len(text), source=TextSource.MODEL,
                                model_version="test-model-1")


def run_sent(sent: list[tuple[str, str]]) -> None:
    """Run the export messages sent so far, as the worker does."""
    for name, export_id in sent:
        assert name == EXPORT_TASK
        tasks.export_document.apply(args=[export_id])
    sent.clear()


def test_a_large_document_is_exported_by_a_worker_then_downloaded(client, owner, document_with_lines, large, sent,
                                                                   django_capture_on_commit_callbacks):
    client.force_login(owner)
    detail = client.get(reverse("document-detail", args=[document_with_lines.id])).content.decode()
    assert 'id="export-jobs"' in detail and reverse("document-download", args=[document_with_lines.id, "txt"]) not in detail
    at_once = client.get(reverse("document-download", args=[document_with_lines.id, "txt"]), follow=True)
    assert "This document has 3 lines on 1 page, more than an export made at once may have (2 lines or 30 pages)" in at_once.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("document-export-start", args=[document_with_lines.id]), {"format": "txt"})
    job = ExportJob.objects.get()
    assert started.url == reverse("export-detail", args=[job.id]) and sent == [(EXPORT_TASK, str(job.id))]
    waiting = client.get(started.url).content.decode()
    assert "Waiting for a worker" in waiting and 'http-equiv="refresh"' in waiting
    assert client.get(reverse("export-file", args=[job.id])).status_code == 302  # not ready: back to its page

    run_sent(sent)
    job.refresh_from_db()
    assert (job.state, job.progress, job.attempts) == (ExportState.DONE, 1.0, 1)
    assert job.expires - job.finished == timedelta(hours=24)
    ready = client.get(started.url).content.decode()
    assert reverse("export-file", args=[job.id]) in ready and 'http-equiv="refresh"' not in ready
    download = client.get(reverse("export-file", args=[job.id]))
    assert download["Content-Disposition"] == 'attachment; filename="Notes.txt"'
    assert b"".join(download.streaming_content) == document_export(document=document_with_lines, fmt="txt")
    assert AuditEntry.objects.filter(action="export", detail="txt", user=owner).count() == 1
    assert reverse("export-detail", args=[job.id]) in client.get(reverse("document-detail", args=[document_with_lines.id])).content.decode()


def test_a_small_document_is_still_exported_at_once(client, owner, document_with_lines, sent):
    client.force_login(owner)
    assert client.get(reverse("document-download", args=[document_with_lines.id, "txt"])).status_code == 200
    detail = client.get(reverse("document-detail", args=[document_with_lines.id])).content.decode()
    assert 'id="export-jobs"' not in detail and not ExportJob.objects.exists() and sent == []


def test_the_export_tells_its_progress_page_by_page(make_document, owner, large, sent, monkeypatch,
                                                    django_capture_on_commit_callbacks):
    document = make_document(pages=3)
    add_lines(document, ["one", "two", "three"])
    with django_capture_on_commit_callbacks(execute=True):
        job = export_jobs.export_job_start(document=document, by=owner, fmt="docx")
    seen = []
    told = export_jobs._progress

    def progress(job, done):
        told(job, done)
        seen.append(ExportJob.objects.values_list("state", "progress").get(pk=job.pk))

    monkeypatch.setattr(export_jobs, "_progress", progress)
    run_sent(sent)
    assert seen == [(ExportState.RUNNING, pytest.approx(n / 3)) for n in (1, 2, 3)]
    job.refresh_from_db()
    word = WordDocument(job.file.open("rb"))
    assert [p.text for p in word.paragraphs if p.text in ("one", "two", "three")] == ["one", "two", "three"]


def test_a_job_made_export_of_a_prescription_warns_of_its_flags(make_document, owner, sent,
                                                                django_capture_on_commit_callbacks):
    document = make_document(pages=1, kind=DocumentKind.PRESCRIPTION)
    add_lines(document, ["Amoxicilin 5000 mg tds x 70 days"])
    recognition.lines_flag(lines=list(Line.objects.filter(page__document=document)))
    with django_capture_on_commit_callbacks(execute=True):
        jobs = [export_jobs.export_job_start(document=document, by=owner, fmt=fmt) for fmt in ("txt", "docx")]
    run_sent(sent)
    text, word = (ExportJob.objects.get(pk=job.pk).file.open("rb").read() for job in jobs)
    assert text.decode().startswith("WARNING: NOT CONFIRMED BY A PHARMACIST.")
    assert "NOT CONFIRMED BY A PHARMACIST" in WordDocument(io.BytesIO(word)).paragraphs[1].text


def test_whoever_may_export_the_document_may_download_and_no_one_else(client, owner, collaborator, stranger,
                                                                      document_with_lines, large, sent,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = export_jobs.export_job_start(document=document_with_lines, by=owner, fmt="csv")
    run_sent(sent)
    file_url = reverse("export-file", args=[job.id])
    client.force_login(stranger)
    assert client.get(reverse("export-detail", args=[job.id])).status_code == 404
    assert client.get(file_url).status_code == 404
    assert client.post(reverse("document-export-start", args=[document_with_lines.id]), {"format": "csv"}).status_code == 404
    client.force_login(collaborator)  # shared with them to read and export
    assert client.get(file_url).status_code == 200
    assert AuditEntry.objects.filter(action="export", user=collaborator, detail="csv").exists()
    document_unshare(document=document_with_lines, by=owner, username=collaborator.username)
    assert client.get(file_url).status_code == 404
    client.logout()
    assert client.get(file_url).status_code == 302  # to the login page


def test_the_api_starts_follows_and_downloads_an_export(client, owner, stranger, document_with_lines, large, sent,
                                                        django_capture_on_commit_callbacks):
    client.force_login(owner)
    at_once = client.get(reverse("api-document-export", args=[document_with_lines.id, "json"]))
    assert at_once.status_code == 409 and "exported in the background" in at_once.json()["detail"]
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("api-document-exports", args=[document_with_lines.id]), {"format": "json"},
                              content_type="application/json")
        again = client.post(reverse("api-document-exports", args=[document_with_lines.id]), {"format": "json"},
                            content_type="application/json")
    body = started.json()
    assert started.status_code == 202 and (body["state"], body["file"]) == ("queued", None)
    assert again.json()["id"] == body["id"] and len(sent) == 1  # the export queued already
    status_url = reverse("api-export-detail", args=[body["id"]])
    assert client.get(reverse("api-export-file", args=[body["id"]])).status_code == 409

    run_sent(sent)
    done = client.get(status_url).json()
    assert (done["state"], done["progress"], done["file"]) == ("done", 1.0, reverse("api-export-file", args=[body["id"]]))
    download = client.get(done["file"])
    assert b"".join(download.streaming_content) == document_export(document=document_with_lines, fmt="json")
    unknown = client.post(reverse("api-document-exports", args=[document_with_lines.id]), {"format": "odt"},
                          content_type="application/json")
    assert unknown.status_code == 404 and "txt, docx" in unknown.json()["detail"]
    client.force_login(stranger)
    assert client.get(status_url).status_code == 404 and client.get(done["file"]).status_code == 404


def claimed(document, owner, worker: str, beat_age: timedelta = timedelta(0), attempts: int = 1) -> ExportJob:
    """An export a worker claimed: ``worker`` ("host:pid"), its heartbeat ``beat_age`` old."""
    job = ExportJob.objects.create(document=document, requested_by=owner, format="txt")
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.RUNNING, worker=worker, attempts=attempts,
                                               started=timezone.now(), heartbeat=timezone.now() - beat_age)
    return job


def stale(settings) -> timedelta:
    return timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS + 1)


def test_a_redelivered_message_takes_over_an_export_whose_worker_died(document_with_lines, owner, settings, sent):
    alive = claimed(document_with_lines, owner, "another-host:12")
    assert export_jobs.export_job_claim(export_id=alive.id) is None  # its heartbeat is fresh: left alone
    gone = claimed(document_with_lines, owner, "another-host:13", beat_age=stale(settings))
    tasks.export_document.apply(args=[str(gone.id)])  # the message delivered again
    gone.refresh_from_db()
    assert (gone.state, gone.attempts, gone.error) == (
        ExportState.DONE, 2, "The worker stopped while making this export; tried again.")
    tired = claimed(document_with_lines, owner, "another-host:14", beat_age=stale(settings),
                    attempts=export_jobs.MAX_ATTEMPTS)
    assert export_jobs.export_job_claim(export_id=tired.id) is None
    tired.refresh_from_db()
    assert tired.state == ExportState.FAILED and "3 times" in tired.error


def test_the_sweep_queues_again_an_export_whose_heartbeat_stopped(document_with_lines, owner, settings, sent,
                                                                  django_capture_on_commit_callbacks):
    job = claimed(document_with_lines, owner, "another-host:12")
    with django_capture_on_commit_callbacks(execute=True):
        recognition_tasks.recover_stale_jobs.apply()
    assert sent == []
    ExportJob.objects.filter(pk=job.pk).update(heartbeat=timezone.now() - stale(settings))
    with django_capture_on_commit_callbacks(execute=True):
        assert export_jobs.export_jobs_recover_stale() == (1, 0, 0)
    assert sent == [(EXPORT_TASK, str(job.id))]
    run_sent(sent)
    assert ExportJob.objects.get(pk=job.pk).state == ExportState.DONE


def test_a_queued_export_whose_message_was_lost_is_sent_again(document_with_lines, owner, settings, sent,
                                                               django_capture_on_commit_callbacks):
    job = ExportJob.objects.create(document=document_with_lines, requested_by=owner, format="txt",
                                   heartbeat=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert export_jobs.export_jobs_recover_stale() == (0, 0, 0)
        assert export_jobs.export_jobs_recover_stale(now=timezone.now() + stale(settings)) == (0, 0, 1)
    assert sent == [(EXPORT_TASK, str(job.id))]


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_keeps_a_slow_export_alive(document_with_lines, owner, settings, monkeypatch):
    settings.HEARTBEAT_SECONDS = 0.05
    job = ExportJob.objects.create(document=document_with_lines, requested_by=owner, format="txt")

    def slow(**kwargs):
        started = ExportJob.objects.get(pk=job.pk).started
        deadline = time.monotonic() + 10
        while ExportJob.objects.get(pk=job.pk).heartbeat <= started:
            assert time.monotonic() < deadline, "no heartbeat in 10 s"
            time.sleep(0.05)
        return b"text"

    monkeypatch.setattr(export_jobs, "document_export", slow)
    export_jobs.export_job_run(export_id=job.id)
    assert ExportJob.objects.get(pk=job.pk).state == ExportState.DONE


def test_a_failing_export_says_why(document_with_lines, owner, monkeypatch):
    job = ExportJob.objects.create(document=document_with_lines, requested_by=owner, format="pdf")

    def no_font(**kwargs):
        raise FileNotFoundError("A searchable PDF needs DejaVu Sans")

    monkeypatch.setattr(export_jobs, "document_export", no_font)
    tasks.export_document.apply(args=[str(job.id)])
    job.refresh_from_db()
    assert job.state == ExportState.FAILED and job.error == (
        "The export failed (FileNotFoundError): A searchable PDF needs DejaVu Sans")
    assert job.expires is not None


def test_the_hourly_sweep_deletes_exports_kept_their_time_and_files_no_export_points_to(
        document_with_lines, owner, settings, large, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        kept, expired = (export_jobs.export_job_start(document=document_with_lines, by=owner, fmt=fmt)
                         for fmt in ("txt", "csv"))
    run_sent(sent)
    kept.refresh_from_db()
    expired.refresh_from_db()
    ExportJob.objects.filter(pk=expired.pk).update(expires=timezone.now() - timedelta(minutes=1))
    crashed = default_storage.save(f"exports/{document_with_lines.id}/crashed.txt", ContentFile(b"half"))
    old = time.time() - settings.ORPHAN_FILES_GRACE_SECONDS - 60
    os.utime(default_storage.path(crashed), (old, old))

    recognition_tasks.delete_orphan_files.apply()

    assert list(ExportJob.objects.values_list("pk", flat=True)) == [kept.pk]
    assert default_storage.exists(kept.file.name)
    assert not default_storage.exists(expired.file.name) and not default_storage.exists(crashed)


def test_deleting_a_document_deletes_its_exported_files(document_with_lines, owner, sent,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = export_jobs.export_job_start(document=document_with_lines, by=owner, fmt="txt")
    run_sent(sent)
    job.refresh_from_db()
    assert default_storage.exists(job.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        document_delete(document=document_with_lines, by=owner)
    assert not default_storage.exists(job.file.name) and not ExportJob.objects.exists()


def test_an_export_taken_over_meanwhile_keeps_no_file_of_the_first_worker(document_with_lines, owner, monkeypatch):
    job = ExportJob.objects.create(document=document_with_lines, requested_by=owner, format="txt")

    def taken_over(**kwargs):
        ExportJob.objects.filter(pk=job.pk).update(worker=f"{socket.gethostname()}-other:1")
        return b"text"

    monkeypatch.setattr(export_jobs, "document_export", taken_over)
    export_jobs.export_job_run(export_id=job.id)
    job.refresh_from_db()
    assert job.state == ExportState.RUNNING and job.file.name == ""
    assert default_storage.listdir(f"exports/{document_with_lines.id}")[1] == []
