"""Turning a page scanned the wrong way round: the image turns, its lines are found again,
and nobody's saved text is lost."""
import io

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from documents.models import Line
from documents.services import PageNotTurned, line_text_save, page_turn
from documents.services.unread_ink import places_save
from recognition import services as recognition
from recognition.models import Job, JobStage, JobState
from recognition.selectors import document_status
from tests.conftest import jobs_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    messages = []
    monkeypatch.setattr(recognition.celery_app, "send_task", lambda name, args: messages.append(name))
    return messages


def finish_jobs(page) -> None:
    jobs_set(Job.objects.filter(page=page), JobState.DONE)
    page.refresh_from_db()


def pixels(page) -> np.ndarray:
    with page.image.open("rb") as stored:
        return np.asarray(Image.open(io.BytesIO(stored.read())).convert("L"))


def test_a_turned_page_has_its_image_turned_its_lines_gone_and_is_read_again(
    document_with_lines, sent, django_capture_on_commit_callbacks
):
    page = document_with_lines.pages.get()
    finish_jobs(page)
    places_save(page, [{"id": 1, "polygon": [[0, 0], [9, 0], [9, 9], [0, 9]]}])
    before, old_name = pixels(page), page.image.name

    with django_capture_on_commit_callbacks(execute=True):
        page_turn(page=page, quarter_turns=1)
        recognition.page_process_again(page=page)  # as the web layer does

    page.refresh_from_db()
    assert (page.width, page.height) == (before.shape[0], before.shape[1])
    assert np.array_equal(pixels(page), np.rot90(before, -1))  # a quarter turn clockwise, losslessly (PNG)
    assert not page.lines.exists() and page.unread_ink == []  # both are found again on the turned image
    assert not default_storage.exists(old_name)
    queued = Job.objects.filter(page=page, state=JobState.QUEUED)
    assert sorted(queued.values_list("stage", flat=True)) == [JobStage.RECOGNIZE, JobStage.SEGMENT]
    assert sent == ["recognition.tasks.segment_page"]
    status = document_status(document=document_with_lines)  # the earlier, finished run no longer counts
    assert [(job["stage"], job["state"]) for job in status["jobs"]] == [("segment", "queued"), ("recognize", "queued")]
    assert not status["finished"] and status["progress"] == 0


def test_a_page_with_a_persons_text_is_not_turned(document_with_lines, owner):
    page = document_with_lines.pages.get()
    finish_jobs(page)
    line = Line.objects.filter(page=page).first()
    line_text_save(line=line, author=owner, text="checked", revision=line.revision)
    name = page.image.name

    with pytest.raises(PageNotTurned, match="would lose that text"):
        page_turn(page=page, quarter_turns=2)

    page.refresh_from_db()
    assert page.image.name == name and page.lines.count() == 3


def test_a_page_still_being_processed_is_not_turned_and_keeps_its_image(make_document):
    page = make_document(pages=1).pages.get()  # its jobs are queued
    name, files_before = page.image.name, default_storage.listdir(page.image.name.rsplit("/", 1)[0])[1]

    with pytest.raises(PageNotTurned, match="still being processed"):
        page_turn(page=page, quarter_turns=3)

    page.refresh_from_db()
    assert page.image.name == name
    assert default_storage.listdir(name.rsplit("/", 1)[0])[1] == files_before  # the turned copy was removed


def test_the_review_page_turns_a_page_and_says_what_happens(client, owner, document_with_lines, sent):
    page = document_with_lines.pages.get()
    finish_jobs(page)
    client.force_login(owner)
    image_url = f'{reverse("page-image", args=[page.id])}?v={page.image_version}"'
    assert image_url in client.get(reverse("page-review", args=[page.id])).content.decode()
    response = client.post(reverse("page-turn", args=[page.id]), {"turns": "2"}, follow=True)
    assert "Page turned: its lines are being found and read again." in response.content.decode()
    assert image_url not in response.content.decode()  # a new URL: no browser shows the cached old image
    assert not page.lines.exists()
    refused = client.post(reverse("page-turn", args=[page.id]), {"turns": "2"}, follow=True)
    assert "still being processed" in refused.content.decode()
