"""Exports made by real Celery workers on PostgreSQL and Redis: one made and downloaded through the
API, and one whose worker is killed with SIGKILL mid-export, finished by another worker."""
import time

import pytest
from django.urls import reverse

from documents.exports import document_export
from documents.models import ExportJob, ExportState, Line, LineText, TextSource
from documents.services import document_upload, export_job_start
from tests import scans
from tests.conftest import upload_file
from tests.integration.test_worker_deaths import RECOVERY_SECONDS, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def read_document(owner, pages: int, lines_per_page: int):
    """A document whose pages hold ``lines_per_page`` lines a model read (no page is processed)."""
    files = [upload_file(f"p{n}.png", scans.png_bytes(scans.handwritten_page(first=n))) for n in range(pages)]
    document = document_upload(owner=owner, kind="lecture_notes", title="Lecture", files=files)
    for page in document.pages.all():
        lines = Line.objects.bulk_create(
            Line(page=page, order=n, polygon=[[10, 10], [900, 10], [900, 40], [10, 40]], baseline=[[10, 35], [900, 35]])
            for n in range(lines_per_page))
        LineText.objects.bulk_create(
            LineText(line=line, text=f"line {line.order} of page {page.number}", confidences=[0.9] * 20,
                     source=TextSource.MODEL, model_version="test-model-1") for line in lines)
    return document


def state(job: ExportJob) -> ExportJob:
    job.refresh_from_db()
    return job


def test_an_export_is_made_by_the_worker_and_downloaded_through_the_api(celery_worker, client, owner):
    document = read_document(owner, pages=2, lines_per_page=3)
    client.force_login(owner)
    started = client.post(reverse("api-document-exports", args=[document.id]), {"format": "csv"},
                          content_type="application/json")
    assert started.status_code == 202
    status_url = reverse("api-export-detail", args=[started.json()["id"]])
    wait_for(lambda: client.get(status_url).json()["state"] == "done", 60, "the export being made")
    download = client.get(client.get(status_url).json()["file"])
    assert b"".join(download.streaming_content) == document_export(document=document, fmt="csv")


def test_an_export_worker_killed_mid_export_is_replaced_and_the_export_finishes(worker_processes, owner):
    document = read_document(owner, pages=10, lines_per_page=1500)
    first = worker_processes("exports-a", "cpu")
    job = export_job_start(document=document, by=owner, fmt="json")
    wait_for(lambda: state(job).state == ExportState.RUNNING and 0 < job.progress < 1, 240, "the export writing pages")
    first.kill()
    killed = time.monotonic()
    worker_processes("exports-b", "cpu", beat=True)

    wait_for(lambda: state(job).worker and not job.worker.endswith(f":{first.pid}"), RECOVERY_SECONDS + 30,
             "the sweep taking the export back")
    assert time.monotonic() - killed <= RECOVERY_SECONDS
    wait_for(lambda: state(job).state == ExportState.DONE, 240, "the export being made again")
    assert job.attempts == 2 and job.file.open("rb").read() == document_export(document=document, fmt="json")
