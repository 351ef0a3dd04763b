"""A model tuned to one document's handwriting: the people of a document start it from its page
(or the API), it trains and is judged on that document's checked lines, and it reads that
document only, never another one or a kind, and only if it reads the held-out lines better.
A tiny model stands in for the shipped one, and its judgement is given (test_fine_tuning.py tests
the judging): here what a judgement leads to is tested."""
import io
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from documents.models import Document, LineText
from documents.services import DocumentNotDeleted, document_pages_add
from documents.uploads import UploadedFile
from recognition import fine_tuning, pipeline
from recognition.fine_tuning import Judgement, fine_tune
from recognition.models import DocumentModel, FineTuning, JobStage, JobState, RecognitionModel
from recognition.selectors import document_status, fine_tuning_outcome
from tests import scans
from tests.conftest import fine_tuning_set
from recognition.errors import FineTuningRefused
from recognition.services import document_delete, pages_process
from recognition.services import (
    document_read_again,
    fine_tuning_start,
    job_claim as claim,
    model_current,
    model_for_document,
    model_make_current,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, list]]:
    messages: list[tuple[str, list]] = []
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: messages.append((name, args)))
    return messages


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user("staff", password="staff-password-1", is_staff=True)


@pytest.fixture
def few_lines_needed(settings):
    """16 of verified_pages' 20 checked lines: 12 to learn from, 4 more to judge by."""
    settings.FINE_TUNING_MIN_TRAIN_LINES = 12
    settings.FINE_TUNING_MIN_HELD_OUT_LINES = 4


@pytest.fixture
def judged(monkeypatch, tiny_model, few_lines_needed):
    """Tuning starts from a tiny model, and ``judged(better)`` says how the tuned one reads the held-out lines."""
    def judge(better: bool) -> None:
        judgement = Judgement(0.3, 0.1, 1.0) if better else Judgement(0.3, 0.4, 0.0)
        monkeypatch.setattr(fine_tuning, "_judge", lambda base, tuned, lines: judgement)
    judge(True)
    return judge


def tune(document: Document, out):
    return fine_tune(documents=Document.objects.filter(pk=document.pk), out=out, kind=document.kind,
                     document=document, steps=2, time_budget_s=0)


def status(client, document) -> dict:
    return client.get(reverse("document-status", args=[document.id])).json()


def test_a_model_tuned_to_a_document_reads_that_document_only(verified_pages, make_document, tmp_path, judged):
    other = make_document(pages=1)  # lecture notes too
    before = model_current()

    result = tune(verified_pages, tmp_path / "ft")

    assert result.promoted and result.base == before and (result.train_lines, result.holdout_lines) == (12, 5)
    assert model_for_document(verified_pages) == result.model
    assert model_for_document(other) == model_current("lecture_notes") == model_current() == before
    assert not result.model.is_current


def test_a_second_tuning_starts_from_the_first_and_a_worse_one_changes_nothing(verified_pages, tmp_path, judged):
    first = tune(verified_pages, tmp_path / "first").model
    judged(False)

    second = tune(verified_pages, tmp_path / "second")

    assert second.base == first and not second.promoted
    assert model_for_document(verified_pages) == first


def test_the_pages_of_a_tuned_document_are_read_with_its_model(verified_pages, tmp_path, judged, monkeypatch):
    tuned = tune(verified_pages, tmp_path / "ft").model
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: None)
    verified_pages.jobs.update(state=JobState.DONE)

    job = document_read_again(document=verified_pages)[0]
    pipeline.job_read_again(job=job)

    job.refresh_from_db()
    assert job.model == tuned


def test_its_people_start_a_tuning_from_the_document_page(client, collaborator, verified_pages, few_lines_needed, sent,
                                                          django_capture_on_commit_callbacks):
    verified_pages.collaborators.add(collaborator)
    client.force_login(collaborator)
    assert status(client, verified_pages)["tuning"] == {"checked_lines": 20, "lines_needed": 16, "tuned": False,
                                                        "run": None}
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("document-fine-tune", args=[verified_pages.id]), follow=True)

    run = FineTuning.objects.get()
    assert (run.document, run.kind, run.requested_by, run.steps) == (
        verified_pages, "lecture_notes", collaborator, FineTuning.DOCUMENT_STEPS)
    assert sent[-1] == ("recognition.tasks.fine_tune_model", [str(run.id)])
    assert "being tuned to this handwriting" in page.content.decode()
    assert status(client, verified_pages)["tuning"]["run"]["state"] == "queued"

    again = client.post(reverse("document-fine-tune", args=[verified_pages.id]), follow=True)
    assert FineTuning.objects.count() == 1 and "already being tuned to this document" in again.content.decode()


def test_runs_for_other_documents_and_for_the_kinds_wait_their_turn_instead_of_being_refused(
        owner, staff_user, verified_pages, few_lines_needed, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        fine_tuning_start(user=staff_user, kind="")
        fine_tuning_start(user=owner, document=verified_pages)
    with pytest.raises(FineTuningRefused, match="already queued or running"):
        fine_tuning_start(user=staff_user, kind="lecture_notes")
    assert FineTuning.objects.filter(state=JobState.QUEUED).count() == 2
    assert [name for name, _ in sent] == ["recognition.tasks.fine_tune_model"] * 2


def test_a_document_with_too_few_checked_lines_is_not_tuned_and_strangers_cannot_try(
        client, owner, stranger, document_with_lines, sent):
    client.force_login(stranger)
    assert client.post(reverse("document-fine-tune", args=[document_with_lines.id])).status_code == 404
    assert client.post(reverse("api-document-fine-tunings", args=[document_with_lines.id])).status_code == 404
    client.force_login(owner)
    tuning = status(client, document_with_lines)["tuning"]
    assert (tuning["checked_lines"], tuning["lines_needed"]) == (0, 70)
    page = client.post(reverse("document-fine-tune", args=[document_with_lines.id]), follow=True)
    assert not FineTuning.objects.exists() and "there are 0: check 70 more" in page.content.decode()
    refused = client.post(reverse("api-document-fine-tunings", args=[document_with_lines.id]))
    assert refused.status_code == 400 and refused.json()["detail"].startswith("Tuning needs 70 checked lines")


def test_the_worker_tunes_it_and_the_document_says_how_it_ended(client, owner, verified_pages, sent, judged,
                                                               django_capture_on_commit_callbacks):
    client.force_login(owner)
    url = reverse("api-document-fine-tunings", args=[verified_pages.id])
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(url)
    assert started.status_code == 202 and started.json()["document"] == str(verified_pages.id)

    fine_tuning.fine_tuning_run(run_id=started.json()["id"])

    runs = client.get(url).json()
    assert [run["state"] for run in runs] == ["done"] and runs[0]["promoted"]
    assert runs[0]["outcome"].endswith("it read them better, so it reads this document's lines now, and the lines "
                                       "nobody checked are read again with it.")
    tuning = status(client, verified_pages)["tuning"]
    assert tuning["tuned"] and tuning["run"]["outcome"] == runs[0]["outcome"]
    assert (tuning["run"]["cer_before"], tuning["run"]["cer_after"], tuning["run"]["step"]) == (0.3, 0.1, runs[0]["step"])
    assert DocumentModel.objects.get(document=verified_pages).model.version == runs[0]["model"]
    assert model_current().version == runs[0]["base_model"]  # the other documents are read as before
    owner.is_staff = True
    owner.save()
    models_page = client.get(reverse("models")).content.decode()
    assert models_page.count("the document “Notes”") == 2  # the run's lines, and what its model reads


def test_a_document_whose_tuned_model_file_is_gone_is_read_with_its_kinds_model(verified_pages, tiny_model, tmp_path):
    before = model_current()
    gone = RecognitionModel.objects.create(name="tuned", version="tuned-gone", file_path=str(tmp_path / "gone.pt"))
    DocumentModel.objects.create(document=verified_pages, model=gone)
    assert model_for_document(verified_pages) == before
    status = document_status(document=verified_pages)  # what the document page says reads it
    assert status["read_again"]["model"] == before.version and not status["tuning"]["tuned"]


def test_the_command_tunes_the_one_document_it_is_given(verified_pages, make_document, tmp_path, capsys, judged):
    other = make_document(pages=1)
    call_command("fine_tune", str(tmp_path / "ft"), "--document", str(verified_pages.id), "--steps", "1")

    run = FineTuning.objects.get()
    assert (run.document, run.kind, run.steps, run.train_lines, run.holdout_lines) == (
        verified_pages, "lecture_notes", 1, 12, 5)
    assert capsys.readouterr().out.strip() == fine_tuning_outcome(run)
    assert "document" in fine_tuning_outcome(run).rsplit(":", 1)[1]  # what it reads now, or that it reads as before
    assert model_for_document(other) == model_current() and model_for_document(verified_pages) == run.model
    with pytest.raises(CommandError, match="is not empty"):
        call_command("fine_tune", str(tmp_path / "ft"), "--document", str(verified_pages.id))
    with pytest.raises(CommandError, match="There is no document"):
        call_command("fine_tune", str(tmp_path / "ft2"), "--document", str(uuid.uuid4()))


def test_deleting_a_document_deletes_the_models_tuned_to_it(verified_pages, owner, tmp_path, settings, judged,
                                                            django_capture_on_commit_callbacks):
    run = FineTuning.objects.create(document=verified_pages, kind=verified_pages.kind, steps=3,
                                    state=JobState.RUNNING)
    fine_tuning_set(run, JobState.RUNNING)
    out = settings.FINE_TUNING_DIR / str(run.id)
    with pytest.raises(DocumentNotDeleted, match="being tuned"):
        document_delete(document=verified_pages, by=owner)
    tuned = tune(verified_pages, out).model
    FineTuning.objects.filter(pk=run.pk).update(model=tuned)
    fine_tuning_set(run, JobState.DONE)
    shipped = model_current()

    with django_capture_on_commit_callbacks(execute=True):
        document_delete(document=verified_pages, by=owner)

    assert not RecognitionModel.objects.filter(pk=tuned.pk).exists() and not out.exists()
    assert not FineTuning.objects.exists() and RecognitionModel.objects.filter(pk=shipped.pk).exists()


def test_a_model_tuned_to_a_deleted_document_that_staff_gave_a_kind_is_kept(verified_pages, owner, tmp_path, judged,
                                                                           django_capture_on_commit_callbacks):
    tuned = tune(verified_pages, tmp_path / "ft").model
    FineTuning.objects.create(document=verified_pages, steps=3, state=JobState.DONE, model=tuned)
    model_make_current(model=tuned, kind="prescription")

    with django_capture_on_commit_callbacks(execute=True):
        document_delete(document=verified_pages, by=owner)

    assert model_current("prescription") == tuned and Path(tuned.file_path).is_file()


def test_pages_added_to_a_tuned_document_are_read_with_its_model(verified_pages, owner, tmp_path, judged,
                                                                 monkeypatch):
    tuned = tune(verified_pages, tmp_path / "ft").model
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: None)
    image = scans.png_bytes(scans.handwritten_page(first=6))
    [page] = document_pages_add(document=verified_pages, by=owner,
                                files=[UploadedFile(name="next.png", file=io.BytesIO(image), size=len(image))])
    pages_process(pages=[page])  # as the web layer does

    for stage, step in ((JobStage.SEGMENT, pipeline.job_segment), (JobStage.RECOGNIZE, pipeline.job_recognize)):
        job = claim(job_id=page.jobs.get(stage=stage).id)
        step(job=job)
    assert page.jobs.get(stage=JobStage.RECOGNIZE).model == tuned
    assert {text.model_version for text in LineText.objects.filter(line__page=page)} == {tuned.version}


def test_a_documents_run_trains_on_that_document_alone_within_its_budget(owner, staff_user, verified_pages,
                                                                         settings, monkeypatch):
    settings.FINE_TUNING_TIME_BUDGET, settings.FINE_TUNING_STAFF_TIME_BUDGET = 120, 900
    given = []

    def fine_tune(**arguments):
        given.append(arguments)
        raise FineTuningRefused("stopped by the test")

    monkeypatch.setattr(fine_tuning, "fine_tune", fine_tune)
    run = FineTuning.objects.create(document=verified_pages, kind=verified_pages.kind, steps=FineTuning.DOCUMENT_STEPS)
    staff_run = FineTuning.objects.create(requested_by=staff_user, kind="", steps=FineTuning.STAFF_STEPS)
    fine_tuning.fine_tuning_run(run_id=str(run.id))
    fine_tuning.fine_tuning_run(run_id=str(staff_run.id))
    assert [(list(call["documents"]), call["steps"], call["time_budget_s"]) for call in given] == [
        ([verified_pages], 100, 120), ([verified_pages], 400, 900)]
    assert FineTuning.objects.get(pk=run.pk).error == "stopped by the test"
