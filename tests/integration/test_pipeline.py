"""The whole pipeline through a real Celery worker, PostgreSQL and Redis, on a PDF made here."""
import io
import re
import time

import pytest
from django.core.management import call_command
from django.urls import reverse

from documents.models import Line, LineText, TextSource
from documents.selectors import page_lines
from documents.services import document_import, document_upload, line_text_save
from htr_platform.celery import app as celery_app
from recognition.models import FineTuning, Job, JobStage, JobState, RecognitionModel
from recognition.selectors import document_status
from recognition.services import document_imported_follow, document_process, document_read_again, model_register
from tests import scans
from tests.conftest import upload_file
from tests.recognition.conftest import save_tiny_model

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def wait_until_finished(document, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = document_status(document=document)
        if status["finished"]:
            return status
        time.sleep(0.5)
    pytest.fail(f"the pipeline did not finish in {timeout} s: {document_status(document=document)}")


def upload_pdf(owner, pages: int):
    pdf = scans.pdf_bytes([scans.handwritten_page(first=2 * n, count=3) for n in range(pages)])
    document = document_upload(owner=owner, kind="lecture_notes", title="Lecture", files=[upload_file("lecture.pdf", pdf)])
    document_process(document=document)  # as the web layer does
    return document


def test_an_uploaded_pdf_is_segmented_and_read(celery_worker, owner):
    document = upload_pdf(owner, pages=3)
    status = wait_until_finished(document)
    assert [(j["page_number"], j["stage"], j["state"]) for j in status["jobs"]] == [
        (n, stage, "done") for n in (1, 2, 3) for stage in ("segment", "recognize")
    ]
    model = RecognitionModel.objects.get(is_current=True)
    for page in document.pages.all():
        views = page_lines(page=page)
        assert len(views) == 3
        for view in views:
            assert view.current.source == TextSource.MODEL
            assert view.current.model_version == model.version
            assert view.text and len(view.confidences) == len(view.text)
    assert Job.objects.filter(document=document, stage=JobStage.RECOGNIZE, model=model).count() == 3


def test_an_imported_page_is_searched_for_ink_its_lines_leave_out_by_the_worker(celery_worker, owner):
    scan = upload_file("scan.png", scans.png_bytes(scans.handwritten_page()))
    document = document_import(owner=owner, kind="prescription", title="Rx", images=[scan],
                               layouts=[upload_file("scan.xml", scans.page_xml([0, 1, 3]))])  # the third line left out
    document_imported_follow(document=document)  # as the web layer does
    status = wait_until_finished(document)
    assert [(j["page_number"], j["stage"], j["state"]) for j in status["jobs"]] == [(1, "places", "done")]
    (place,) = document.pages.get().unread_ink
    x0, y0, x1, y1 = scans.pasted_box(2)
    assert y0 - 15 <= min(y for _, y in place["polygon"]) < max(y for _, y in place["polygon"]) <= y1 + 15
    assert [view.text for view in page_lines(page=document.pages.get())] == ["line 0", "line 1", "line 3"]


def test_redelivered_messages_change_nothing(celery_worker, owner):
    document = upload_pdf(owner, pages=1)
    wait_until_finished(document)
    line = Line.objects.filter(page__document=document).order_by("order").first()
    line_text_save(line=line, author=owner, text="a person's reading", revision=line.revision)

    def counts():
        return (
            Line.objects.filter(page__document=document).count(),
            LineText.objects.filter(line__page__document=document).count(),
        )

    before = counts()

    for job in Job.objects.filter(document=document):  # as if the broker delivered each again
        job_name = {JobStage.SEGMENT: "segment_page", JobStage.RECOGNIZE: "recognize_page"}[job.stage]
        celery_app.send_task(f"recognition.tasks.{job_name}", args=[str(job.id)])
    # Each queue is worked in order, so once a later document is done the duplicates were handled.
    wait_until_finished(upload_pdf(owner, pages=1))

    assert counts() == before
    assert page_lines(page=document.pages.get())[0].text == "a person's reading"
    assert set(Job.objects.filter(document=document).values_list("state", flat=True)) == {JobState.DONE}


def test_time_pipeline_reports_the_time_to_the_first_line(celery_worker, tmp_path):
    pdf = tmp_path / "two.pdf"
    pdf.write_bytes(scans.pdf_bytes([scans.handwritten_page(count=2), scans.handwritten_page(first=2, count=2)]))
    out = io.StringIO()
    call_command("time_pipeline", str(pdf), stdout=out)
    assert re.fullmatch(r"2 pages: first recognized line after [\d.]+ s, all done after [\d.]+ s \(0 failed jobs\)\n", out.getvalue())


def test_fine_tuning_started_on_the_models_page_is_run_by_the_worker(celery_worker, client, django_user_model,
                                                                     verified_pages, monkeypatch, settings):
    monkeypatch.undo()  # the pages were made without sending messages; the run's must go
    settings.FINE_TUNING_MIN_TRAIN_LINES, settings.FINE_TUNING_MIN_HELD_OUT_LINES = 12, 4  # of its 20 checked lines
    staff = django_user_model.objects.create_user("staff", password="staff-password-1", is_staff=True)
    client.force_login(staff)
    client.post(reverse("models"), {"steps": 1})
    run = FineTuning.objects.get()

    deadline = time.monotonic() + 180
    while run.state in (JobState.QUEUED, JobState.RUNNING) and time.monotonic() < deadline:
        time.sleep(0.5)
        run.refresh_from_db()
    assert (run.state, run.error, run.step, run.train_lines, run.holdout_lines) == (JobState.DONE, "", 1, 12, 5)
    assert RecognitionModel.objects.get(is_current=True) == (run.model if run.promoted else run.base_model)


def test_a_document_is_read_again_with_a_newer_model_by_the_worker(celery_worker, owner, tmp_path):
    document = upload_pdf(owner, pages=1)
    wait_until_finished(document)
    newer = model_register(path=save_tiny_model(tmp_path / "newer.pt"), make_current=True)

    document_read_again(document=document)

    status = wait_until_finished(document)
    assert [(j["stage"], j["state"], j["model_version"]) for j in status["jobs"] if j["stage"] == "read_again"] == [
        ("read_again", "done", newer.version)]
    assert {view.current.model_version for view in page_lines(page=document.pages.get())} == {newer.version}
