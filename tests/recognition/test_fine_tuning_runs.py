"""Staff start fine-tuning from the models page; a worker on queue "train" runs it and the page
shows how it ended. Pages and models serve every user, so only staff may do either."""
from pathlib import Path

import pytest
from django.urls import reverse

from documents.models import Line
from documents.services import line_text_save
from recognition import fine_tuning
from recognition.models import FineTuning, JobState, RecognitionModel
from recognition.services import model_current, model_register
from tests.recognition.conftest import save_tiny_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("staff", password="staff-password-1", is_staff=True)


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, list]]:
    messages: list[tuple[str, list]] = []
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: messages.append((name, args)))
    return messages


@pytest.fixture
def few_lines_needed(settings):
    """16 of verified_pages' 20 checked lines: 12 to learn from, 4 more to judge by."""
    settings.FINE_TUNING_MIN_TRAIN_LINES = 12
    settings.FINE_TUNING_MIN_HELD_OUT_LINES = 4


def start(client, **fields):
    return client.post(reverse("models"), {"steps": 2, **fields}, follow=True)


def test_only_staff_see_the_models_page(client, owner, staff):
    assert client.get(reverse("models")).status_code == 302  # to the login page
    client.force_login(owner)
    assert client.get(reverse("models")).status_code == 403
    assert "Models" not in client.get(reverse("document-list")).content.decode()
    client.force_login(staff)
    assert client.get(reverse("models")).status_code == 200
    assert 'href="/models/"' in client.get(reverse("document-list")).content.decode()


def test_a_person_who_is_not_staff_cannot_start_a_run(client, owner, verified_pages, few_lines_needed, sent):
    client.force_login(owner)
    assert start(client).status_code == 403
    assert not FineTuning.objects.exists() and not sent


def test_staff_start_a_run_that_is_sent_to_the_train_queue(client, staff, verified_pages, few_lines_needed, sent,
                                                           django_capture_on_commit_callbacks):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        page = start(client, kind="lecture_notes")

    run = FineTuning.objects.get()
    assert (run.state, run.kind, run.steps, run.requested_by) == (JobState.QUEUED, "lecture_notes", 2, staff)
    assert sent[-1] == ("recognition.tasks.fine_tune_model", [str(run.id)])
    assert "Fine-tuning queued" in page.content.decode()
    assert '<meta http-equiv="refresh"' in page.content.decode()  # the page follows the run


def test_a_second_run_waits_for_the_first(client, staff, verified_pages, few_lines_needed, sent):
    client.force_login(staff)
    start(client)
    page = start(client)
    assert FineTuning.objects.count() == 1
    assert "already queued or running" in page.content.decode()


def test_a_run_needs_enough_checked_lines_to_learn_from_and_to_judge_by(client, staff, document_with_lines, sent):
    line = Line.objects.get(page__document=document_with_lines, order=0)
    line_text_save(line=line, author=document_with_lines.owner, text="one line only", revision=line.revision)
    client.force_login(staff)
    page = start(client).content.decode()
    assert not FineTuning.objects.exists()
    assert "needs 70 checked lines (50 to learn from, 20 more held out" in page and "there is 1: check 69 more" in page


def test_a_run_with_no_checked_lines_of_the_kind_chosen_is_refused(client, staff, verified_pages, few_lines_needed,
                                                                   sent):
    client.force_login(staff)
    page = start(client, kind="prescription")  # the checked pages are lecture notes
    assert not FineTuning.objects.exists() and "there are 0: check 16 more" in page.content.decode()


def test_the_worker_runs_it_and_the_page_shows_how_it_ended(client, staff, verified_pages, tiny_model,
                                                           few_lines_needed, sent, settings):
    settings.FINE_TUNING_MIN_SURE_PERCENT = 0  # five held-out lines cannot make it sure; that is tested elsewhere
    before = model_current()
    run = FineTuning.objects.create(requested_by=staff, kind="", steps=2)

    fine_tuning.fine_tuning_run(run_id=str(run.id))

    run.refresh_from_db()
    assert (run.state, run.progress, run.step, run.error) == (JobState.DONE, 1.0, 2, "")
    assert (run.train_lines, run.holdout_lines, run.base_model) == (12, 5, before)
    assert Path(run.model.file_path).is_file() and run.model.metrics["fine_tuning"]["from"] == before.version
    kept = Path(run.model.file_path).parent  # only the model: no copy of the pages
    assert [path.name for path in kept.rglob("*")] == ["model.pt"]
    assert run.promoted == (run.cer_after < run.cer_before)
    assert model_current() == (run.model if run.promoted else before)
    client.force_login(staff)
    page = client.get(reverse("models")).content.decode()
    verdict = "reads new pages of every kind now" if run.promoted else "kept aside"
    assert f"On 5 held-out lines {run.model.version} has {100 * run.cer_after:.1f} % CER" in page and verdict in page
    assert page.count('<option value="" selected>Every kind</option>') == 2  # trained on every kind
    assert '<meta http-equiv="refresh"' not in page

    fine_tuning.fine_tuning_run(run_id=str(run.id))  # delivered again: nothing happens
    assert RecognitionModel.objects.count() == 2


def test_a_running_run_shows_its_step_and_the_time_left(client, staff):
    FineTuning.objects.create(requested_by=staff, steps=400, state=JobState.RUNNING, step=37, progress=37 / 400,
                              eta_seconds=912.4)
    client.force_login(staff)
    page = client.get(reverse("models")).content.decode()
    assert "step 37 of 400, 912 s left at most" in page and '<meta http-equiv="refresh"' in page


def test_a_run_whose_lines_went_before_it_started_fails_with_the_reason(staff, verified_pages, sent):
    run = FineTuning.objects.create(requested_by=staff, kind="prescription", steps=1)
    fine_tuning.fine_tuning_run(run_id=str(run.id))
    run.refresh_from_db()
    assert run.state == JobState.FAILED and "there are 0: check 70 more" in run.error and run.model is None


def test_staff_choose_the_model_that_reads_new_pages(client, staff, tiny_model, tmp_path):
    shipped = model_current()
    other = model_register(path=save_tiny_model(tmp_path / "other.pt"), make_current=False)
    client.force_login(staff)

    page = client.post(reverse("model-use", args=[other.id]), follow=True).content.decode()
    assert model_current() == other and "from now on" in page

    Path(shipped.file_path).unlink()
    page = client.post(reverse("model-use", args=[shipped.id]), follow=True).content.decode()
    assert model_current() == other and "is gone" in page


def test_the_api_is_for_staff_only(client, owner):
    client.force_login(owner)
    for url in (reverse("api-models"), reverse("api-fine-tunings")):
        assert client.get(url).status_code == 403
    assert client.post(reverse("api-fine-tunings"), {"steps": 1}, content_type="application/json").status_code == 403


def test_staff_start_and_follow_a_run_through_the_api(client, staff, verified_pages, tiny_model, few_lines_needed,
                                                      sent, django_capture_on_commit_callbacks):
    client.force_login(staff)
    url = reverse("api-fine-tunings")
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(url, {"kind": "lecture_notes", "steps": 2}, content_type="application/json")
    assert started.status_code == 202
    assert (started.json()["state"], started.json()["kind"], started.json()["requested_by"]) == ("queued", "lecture_notes", "staff")
    assert sent[-1] == ("recognition.tasks.fine_tune_model", [started.json()["id"]])

    again = client.post(url, {"steps": 1}, content_type="application/json")
    assert again.status_code == 409 and "already queued or running" in again.json()["detail"]

    fine_tuning.fine_tuning_run(run_id=started.json()["id"])
    run = client.get(reverse("api-fine-tuning-detail", args=[started.json()["id"]])).json()
    assert (run["state"], run["steps"], run["step"], run["train_lines"]) == ("done", 2, 2, 12)
    assert run["outcome"].startswith("Trained on 12 checked lines (2 steps")
    assert run["promoted"] == (run["cer_after"] < run["cer_before"] and run["sure"] >= 0.95)
    models = client.get(reverse("api-models")).json()
    assert [model["version"] for model in models if model["is_current"]] == [run["model"] if run["promoted"] else run["base_model"]]


def test_the_api_says_what_is_wrong_with_a_request(client, staff, document_with_lines, sent):
    client.force_login(staff)
    url = reverse("api-fine-tunings")
    wrong_kind = client.post(url, {"kind": "letters"}, content_type="application/json")
    assert wrong_kind.status_code == 400 and "is not a kind of document" in str(wrong_kind.json())
    too_few = client.post(url, {}, content_type="application/json")
    assert too_few.status_code == 400 and "there are 0: check 70 more" in too_few.json()["detail"]


def test_staff_choose_the_model_through_the_api(client, staff, tiny_model, tmp_path):
    shipped = model_current()
    other = model_register(path=save_tiny_model(tmp_path / "other.pt"), make_current=False)
    client.force_login(staff)
    assert client.post(reverse("api-model-use", args=[other.id])).json()["is_current"] is True
    assert model_current() == other
    Path(shipped.file_path).unlink()
    gone = client.post(reverse("api-model-use", args=[shipped.id]))
    assert gone.status_code == 409 and "is gone" in gone.json()["detail"]


def test_staff_give_a_kind_of_document_a_model_of_its_own(client, staff, tiny_model, tmp_path):
    default = model_current()
    other = model_register(path=save_tiny_model(tmp_path / "rx.pt"), make_current=False)
    client.force_login(staff)

    page = client.post(reverse("model-use", args=[other.id]), {"kind": "prescription"}, follow=True).content.decode()

    assert "New pages of Prescription are read with" in page
    assert (model_current("prescription"), model_current("lecture_notes"), model_current()) == (other, default, default)
    rows = {row["version"]: row["reads"] for row in client.get(reverse("api-models")).json()}
    assert rows == {other.version: ["Prescription"], default.version: ["Lecture notes"]}
    assert client.post(reverse("api-model-use", args=[other.id]), {"kind": "x"}, content_type="application/json").status_code == 400


def test_a_model_tuned_on_one_kind_is_offered_for_that_kind(client, staff, tiny_model, tmp_path):
    base = model_current()
    tuned = model_register(path=save_tiny_model(tmp_path / "rx.pt"), make_current=False)
    FineTuning.objects.create(kind="prescription", steps=1, state=JobState.DONE, model=tuned, base_model=base,
                              train_lines=80, holdout_lines=20, cer_before=0.2, cer_after=0.25, sure=0.0)
    client.force_login(staff)
    page = client.get(reverse("models")).content.decode()
    assert page.count('<option value="prescription" selected>Prescription</option>') == 1
    assert page.count('<option value="" selected>Every kind</option>') == 1


def test_staff_delete_a_model_kept_aside_but_not_one_that_reads_or_read_pages(client, staff, owner, tiny_model, settings,
                                                                             django_capture_on_commit_callbacks):
    shipped = model_current()
    run = FineTuning.objects.create(requested_by=staff, steps=1, state=JobState.DONE)
    folder = settings.FINE_TUNING_DIR / str(run.id)
    aside = model_register(path=save_tiny_model(folder / "model.pt"), make_current=False)
    FineTuning.objects.filter(pk=run.pk).update(model=aside, base_model=shipped, train_lines=16, holdout_lines=4,
                                                cer_before=0.2, cer_after=0.3, promoted=False)
    client.force_login(owner)
    assert client.post(reverse("model-delete", args=[aside.id])).status_code == 403
    client.force_login(staff)
    page = client.get(reverse("models")).content.decode()
    assert page.count('class="small danger"') == 1 and f'action="{reverse("model-delete", args=[aside.id])}"' in page

    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("model-delete", args=[aside.id]), follow=True).content.decode()

    assert "was deleted, with its file" in page and not folder.exists()
    assert not RecognitionModel.objects.filter(pk=aside.pk).exists()
    assert "the new model (deleted since) has 30.0 % CER" in page  # the run keeps its figures
    refused = client.delete(reverse("api-model-detail", args=[shipped.id]))
    assert refused.status_code == 409 and "reads new pages" in refused.json()["detail"]
    assert Path(shipped.file_path).is_file()


def test_a_model_that_read_pages_stays(client, staff, document_with_lines, tiny_model, tmp_path):
    model_current()
    older = model_register(path=save_tiny_model(tmp_path / "older.pt"), make_current=False)
    document_with_lines.jobs.update(model=older)  # it read the document's page
    client.force_login(staff)
    refused = client.delete(reverse("api-model-detail", args=[older.id]))
    assert refused.status_code == 409 and "Pages were read with this model" in refused.json()["detail"]
