"""The review page of a page still being processed shows its lines when they are ready,
without a reload by hand and without dropping text a person is typing; the document page's
bar shows how far processing is, and the page shows the results once it ends. The test plays the
worker (it claims and finishes the jobs itself), so it decides when each step ends."""
import pytest
from django.db import connections
from playwright.sync_api import expect

from documents.models import Line
from documents.services import line_text_save, line_texts_add_model
from ml.layout import LinePrediction
from recognition import services
from recognition.models import DocumentModel, FineTuning, Job, JobStage, RecognitionModel
from recognition.services import fine_tunings, jobs
from tests.browser.conftest import logged_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def document(make_document, monkeypatch):
    monkeypatch.setattr(jobs, "_send", lambda messages: None)  # no worker: this test is the worker
    yield make_document(pages=1)
    # ORM calls made under Playwright's event loop use a connection of their own.
    connections.close_all()


@pytest.fixture
def review_tab(live_server, browser, document):
    return logged_in_page(browser, live_server, f"/documents/pages/{document.pages.get().id}/")


def run_job(document, stage: JobStage, step=lambda page: None) -> None:
    job = services.job_claim(job_id=Job.objects.get(document=document, stage=stage, state="queued").id)
    step(job.page)
    services.job_finish(job=job)


def find_two_lines(page) -> None:
    for order in range(2):
        y = 40 + 60 * order
        Line.objects.create(page=page, order=order, polygon=[[10, y], [300, y], [300, y + 40], [10, y + 40]],
                            baseline=[[10, y + 35], [300, y + 35]])


def read_lines(page) -> None:
    line_texts_add_model(
        predictions={line.id: LinePrediction(f"read {line.order}", [0.9] * 6) for line in page.lines.all()},
        model_version="test-model",
    )


def test_lines_appear_once_the_page_is_read(review_tab, document):
    note = review_tab.locator("#page-progress")
    expect(note).to_contain_text("still being processed (step: find lines")
    expect(review_tab.locator("#no-lines")).to_be_visible()

    run_job(document, JobStage.SEGMENT, find_two_lines)
    expect(note).to_contain_text("(step: read lines")

    run_job(document, JobStage.RECOGNIZE, read_lines)
    expect(review_tab.locator("textarea.line-text")).to_have_count(2)
    expect(review_tab.locator("textarea.line-text").nth(0)).to_have_value("read 0")
    expect(review_tab.locator("#page-progress")).to_be_hidden()


def test_typed_text_is_not_dropped_when_readings_arrive(review_tab, document):
    run_job(document, JobStage.SEGMENT, find_two_lines)
    line = review_tab.locator("textarea.line-text").nth(0)
    expect(line).to_have_count(1)  # the page reloaded with its lines, still to be read
    line.fill("typed by hand")

    run_job(document, JobStage.RECOGNIZE, read_lines)
    expect(review_tab.locator("#page-progress button")).to_have_text("Show them")
    expect(line).to_have_value("typed by hand")


def test_a_finished_documents_bar_is_full_at_once_and_a_running_ones_moves(live_server, browser, document):
    """The document page's bar shows its first figure as it is (it used to fill up from 0 on every visit)."""
    width = "() => document.getElementById('progress-fill').getBoundingClientRect().width / document.querySelector('.bar').getBoundingClientRect().width"
    tab = logged_in_page(browser, live_server, f"/documents/{document.id}/")
    expect(tab.locator("#progress-text")).to_have_text("Processing: 0% done.")
    run_job(document, JobStage.SEGMENT, find_two_lines)
    expect(tab.locator("#progress-text")).to_have_text("Processing: 50% done.")
    assert tab.evaluate("() => getComputedStyle(document.getElementById('progress-fill')).transitionDuration") == "0.4s"

    run_job(document, JobStage.RECOGNIZE, read_lines)
    tab.goto(f"{live_server.url}/documents/{document.id}/")
    expect(tab.locator("#progress-text")).to_have_text("All pages are read. Open a page to review its lines.")
    assert tab.evaluate(width) == pytest.approx(1.0, abs=0.01)


def test_the_document_page_shows_the_results_when_processing_ends(live_server, browser, document):
    """Its warnings and page counts are drawn by the server: the page reloads once to show them."""
    tab = logged_in_page(browser, live_server, f"/documents/{document.id}/")
    expect(tab.locator("#progress-text")).to_have_text("Processing: 0% done.")
    expect(tab.locator(".page-check")).to_have_count(0)

    run_job(document, JobStage.SEGMENT, find_two_lines)
    run_job(document, JobStage.RECOGNIZE, read_lines)

    expect(tab.locator(".page-check")).to_have_text("0 of 2 lines checked")
    expect(tab.locator("#progress-text")).to_have_text("All pages are read. Open a page to review its lines.")


def test_a_name_being_typed_to_share_with_is_not_dropped_when_processing_ends(live_server, browser, document):
    tab = logged_in_page(browser, live_server, f"/documents/{document.id}/")
    expect(tab.locator("#progress-text")).to_have_text("Processing: 0% done.")
    tab.fill("#share-form input[name=username]", "colleague")

    run_job(document, JobStage.SEGMENT, find_two_lines)
    run_job(document, JobStage.RECOGNIZE, read_lines)

    expect(tab.locator("#progress-text")).to_have_text(
        "All pages are read. Open a page to review its lines. Reload the page to see the results."
    )
    expect(tab.locator("#share-form input[name=username]")).to_have_value("colleague")


def test_lines_an_earlier_model_read_are_offered_to_be_read_again(live_server, browser, document):
    run_job(document, JobStage.SEGMENT, find_two_lines)
    run_job(document, JobStage.RECOGNIZE, read_lines)  # by "test-model"
    RecognitionModel.objects.create(name="tuned", version="tuned-2", file_path="tuned.pt", is_current=True)
    tab = logged_in_page(browser, live_server, f"/documents/{document.id}/")

    offer = tab.locator("#read-again")
    expect(offer).to_contain_text("2 lines nobody checked were read by another model than tuned-2, which reads")
    offer.get_by_role("button", name="Read them again").click()

    expect(tab.locator(".message")).to_contain_text("being read again")
    assert Job.objects.filter(document=document, stage=JobStage.READ_AGAIN, state="queued").count() == 1


def test_a_document_with_enough_checked_lines_can_be_tuned_to_its_handwriting(live_server, browser, make_document,
                                                                             monkeypatch, owner, tmp_path, settings):
    settings.FINE_TUNING_MIN_TRAIN_LINES, settings.FINE_TUNING_MIN_HELD_OUT_LINES = 1, 1
    monkeypatch.setattr(jobs, "_send", lambda messages: None)
    monkeypatch.setattr(fine_tunings, "_fine_tuning_send", lambda run: True)  # sent; this test is the worker
    document = make_document(pages=2)
    for stage, step in ((JobStage.SEGMENT, find_two_lines), (JobStage.RECOGNIZE, read_lines)):
        for job in Job.objects.filter(document=document, stage=stage):
            job = services.job_claim(job_id=job.id)
            step(job.page)
            services.job_finish(job=job)
    tab = logged_in_page(browser, live_server, f"/documents/{document.id}/")
    tuning = tab.locator("#tuning")
    expect(tuning).to_contain_text("A tuning needs 2 checked lines, to learn from and to judge it by; 0 are checked so far.")
    expect(tuning.get_by_role("button", name="Check 2 more lines to tune the model")).to_be_disabled()

    for page in document.pages.all():
        line = page.lines.get(order=0)
        line_text_save(line=line, author=owner, text="checked", revision=line.revision)
    tab.reload()
    tuning.get_by_role("button", name="Tune the model to this handwriting").click()

    expect(tab.locator(".message")).to_contain_text("being tuned to this handwriting")
    expect(tuning).to_contain_text("waiting for a worker")
    run = FineTuning.objects.get(document=document)
    FineTuning.objects.filter(pk=run.pk).update(state="running", step=37, progress=0.37, eta_seconds=130)
    slow = 12_000  # while only a tuning runs, the page looks every 5 s
    expect(tuning).to_contain_text(f"step 37 of at most {run.steps}, about 2 minutes left.", timeout=slow)
    expect(tuning.get_by_role("button", name="Tune the model to this handwriting")).to_be_hidden()
    expect(tuning.get_by_role("button", name="Stop the tuning")).to_be_visible()

    base = RecognitionModel.objects.create(name="shipped", version="base-1", file_path="base.pt", is_current=True)
    (tmp_path / "tuned.pt").write_bytes(b"")  # the page names a tuned model only while its file is there
    tuned = RecognitionModel.objects.create(name="tuned", version="tuned-1", file_path=str(tmp_path / "tuned.pt"))
    DocumentModel.objects.create(document=document, model=tuned)
    FineTuning.objects.filter(pk=run.pk).update(
        state="done", progress=1.0, step=60, best_step=40, model=tuned, base_model=base, train_lines=1, holdout_lines=1,
        cer_before=0.2, cer_after=0.1, sure=1.0, promoted=True)

    expect(tuning).to_contain_text("This document is read with a model tuned to its handwriting. Last tuning: "
                                   "Trained on 1 checked lines (60 steps, step 40 kept). On 1 held-out lines tuned-1 "
                                   "has 10.0 % CER against 20.0 % for base-1", timeout=slow)
    expect(tab.locator("#read-again")).to_contain_text("2 lines nobody checked were read by another model than tuned-1")
    connections.close_all()


def test_the_owner_stops_a_stuck_tuning_from_the_document_page(live_server, browser, document, owner):
    run = FineTuning.objects.create(requested_by=owner, document=document, steps=100, state="running",
                                    worker="gone-host:1")
    services.document_tuning_sync(document_id=document.id)
    tab = logged_in_page(browser, live_server, f"/documents/{document.id}/")
    tab.locator("#tuning").get_by_role("button", name="Stop the tuning").click()

    expect(tab.locator(".message")).to_contain_text("The run is stopped; the models in use stay.")
    expect(tab.locator("#tuning")).to_contain_text("The last tuning failed: Stopped by owner.")
    expect(tab.locator("#tuning").get_by_role("button", name="Stop the tuning")).to_be_hidden()
    run.refresh_from_db()
    assert run.state == "failed"
    connections.close_all()


def test_a_document_says_how_many_more_checked_lines_a_tuning_needs(live_server, browser, document):
    run_job(document, JobStage.SEGMENT, find_two_lines)
    run_job(document, JobStage.RECOGNIZE, read_lines)
    tab = logged_in_page(browser, live_server, f"/documents/{document.id}/")
    tuning = tab.locator("#tuning")
    expect(tuning).to_contain_text("This document is read with the model for its kind. A tuning needs 70 checked "
                                   "lines, to learn from and to judge it by; 0 are checked so far.")
    expect(tuning.get_by_role("button", name="Check 70 more lines to tune the model")).to_be_disabled()