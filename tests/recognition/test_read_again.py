"""After a better model came, a document's lines nobody verified can be read again with it: the
document page offers it, and the API does it too."""
import pytest
from django.urls import reverse

from documents.models import Line, LineText, TextSource
from documents.services import line_text_save
from recognition.models import Job, JobState, JobStage, KindModel, RecognitionModel
from tests.conftest import jobs_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def newer_model(document_with_lines) -> RecognitionModel:
    """The three lines were read by test-model-1; lecture notes are read by another model now."""
    jobs_set(Job.objects.filter(document=document_with_lines), JobState.DONE)
    model = RecognitionModel.objects.create(name="tuned", version="tuned-2", file_path="tuned.pt")
    KindModel.objects.create(kind=document_with_lines.kind, model=model)
    return model


def status(client, document) -> dict:
    return client.get(reverse("document-status", args=[document.id])).json()


def test_the_status_counts_the_lines_an_earlier_model_read_that_nobody_checked(client, owner, document_with_lines,
                                                                                newer_model):
    client.force_login(owner)
    assert status(client, document_with_lines)["read_again"] == {"lines": 3, "model": "tuned-2"}

    line = Line.objects.get(page__document=document_with_lines, order=0)
    line_text_save(line=line, author=owner, text="checked", revision=line.revision)
    LineText.objects.create(line=Line.objects.get(page__document=document_with_lines, order=1), text="new reading",
                            source=TextSource.MODEL, model_version="tuned-2")
    assert status(client, document_with_lines)["read_again"] == {"lines": 1, "model": "tuned-2"}


def test_people_it_is_shared_with_can_have_it_read_again(client, collaborator, document_with_lines, newer_model,
                                                        django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: sent.append(name))
    client.force_login(collaborator)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("document-read-again", args=[document_with_lines.id]), follow=True)
    assert "being read again" in page.content.decode()
    assert sent == ["recognition.tasks.read_page_again"]

    again = client.post(reverse("api-document-read-again", args=[document_with_lines.id]))
    assert again.status_code == 409 and "still being processed" in again.json()["detail"]


def test_the_api_reads_it_again_and_strangers_cannot(client, owner, stranger, document_with_lines, newer_model):
    client.force_login(stranger)
    assert client.post(reverse("api-document-read-again", args=[document_with_lines.id])).status_code == 404
    client.force_login(owner)
    started = client.post(reverse("api-document-read-again", args=[document_with_lines.id]))
    assert started.status_code == 202
    again = [(job["step"], job["state"]) for job in started.json()["jobs"] if job["stage"] == JobStage.READ_AGAIN]
    assert again == [("Read again", "queued")] and not started.json()["finished"]
