"""Fixing what the segmenter got wrong: a person draws a line it missed (then read by the model),
draws a wrong line's box again, or removes one that is not text; nobody's saved text is lost,
and a busy page is left alone."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from rest_framework.test import APIClient

from documents.layouts import drawn_box, insertion_index
from documents.models import Line, Page
from documents.services import (
    LineEditRefused, LineRemoved, StaleRevision, line_add, line_redraw, line_remove, line_text_save,
)
from documents.services.unread_ink import places_save
from ml.layout.geometry import bounding_box
from ml.segment.drawn_line import writing_direction
from recognition import services as recognition
from recognition.models import Job, JobStage, JobState
from tests import scans
from tests.conftest import jobs_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    messages = []
    monkeypatch.setattr(recognition.celery_app, "send_task", lambda name, args: messages.append((name, args)))
    return messages


@pytest.fixture
def page(document_with_lines):
    """The document's page, its processing over: three lines at y 10-50, 60-100, 110-150."""
    jobs_set(Job.objects.filter(page__document=document_with_lines), JobState.DONE)
    return document_with_lines.pages.get()


def texts(page) -> list[str]:
    return [line.versions.last().text if line.versions.exists() else "(new)" for line in page.lines.order_by("order")]


def test_a_drawn_line_takes_its_place_in_reading_order_and_is_queued_to_be_read(
    page, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        line = line_add(page=page, box=(12, 101, 190, 109.4))  # between the second and third lines
        recognition.lines_read(page=page, lines=[line])  # as the web layer does

    assert texts(page) == ["line 0", "line 1", "(new)", "line 2"]
    assert list(page.lines.order_by("order").values_list("order", flat=True)) == [0, 1, 2, 3]
    assert line.polygon == [[12, 101], [190, 101], [190, 109], [12, 109]]
    assert line.baseline[0][1] == line.baseline[1][1] and 101 < line.baseline[0][1] <= 109
    job = Job.objects.get(page=page, state=JobState.QUEUED)
    assert job.stage == JobStage.RECOGNIZE
    assert sent == [("recognition.tasks.recognize_page", [str(job.id)])]


def test_the_reading_of_a_line_drawn_on_an_imported_page_is_sent_again_if_its_message_was_lost(
    page, settings, monkeypatch, django_capture_on_commit_callbacks
):
    Job.objects.filter(page=page).delete()  # imported: no job ever ran on this page

    def broker_down(name, args):
        raise KombuOperationalError("Connection refused.")

    monkeypatch.setattr(recognition.celery_app, "send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        line = line_add(page=page, box=(10, 300, 200, 340))  # saved; its job stays queued
        recognition.lines_read(page=page, lines=[line])
    sent = []
    monkeypatch.setattr(recognition.celery_app, "send_task", lambda name, args: sent.append(name))
    stale = timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert recognition.jobs_recover_stale() == (0, 0, 0)  # just sent (and lost)
        assert recognition.jobs_recover_stale(now=timezone.now() + stale) == (0, 0, 1)
    assert sent == ["recognition.tasks.recognize_page"]


def test_lines_drawn_above_all_and_below_all_go_first_and_last(page, sent):
    line_add(page=page, box=(10, 0, 200, 9))
    jobs_set(Job.objects.filter(page=page), JobState.DONE)
    line_add(page=page, box=(10, 400, 200, 440))
    assert texts(page) == ["(new)", "line 0", "line 1", "line 2", "(new)"]


def test_reading_order_follows_columns():
    left = [(0, 0, 100, 30), (0, 40, 100, 70), (0, 80, 100, 110)]
    right = [(300, 0, 400, 30), (300, 40, 400, 70)]
    # A line drawn at the top of the right column goes after the whole left column.
    assert insertion_index(left + right[1:], right[0]) == 3
    assert insertion_index(left + right, (0, 120, 100, 150)) == 3


def test_a_box_is_cut_to_the_page_and_a_box_off_the_page_is_refused():
    assert drawn_box((-20, 5, 50, 40), width=100, height=200) == (0, 5, 50, 40)
    assert drawn_box((50, 40, 10, 5), width=100, height=200) == (10, 5, 50, 40)  # drawn from the corner up
    with pytest.raises(ValueError, match="at least 8 pixels"):
        drawn_box((95, 5, 300, 40), width=100, height=200)
    with pytest.raises(ValueError, match="at least 8 pixels"):
        drawn_box((10, 5, 80, 9), width=100, height=200)


def test_no_line_is_added_or_removed_while_the_page_is_being_processed(page, sent):
    job = Job.objects.create(document=page.document, page=page, stage=JobStage.RECOGNIZE)
    jobs_set(Job.objects.filter(pk=job.pk), JobState.RUNNING)
    with pytest.raises(LineEditRefused, match="still being processed"):
        line_add(page=page, box=(10, 300, 200, 340))
    with pytest.raises(LineEditRefused, match="still being processed"):
        line_remove(line=page.lines.first())
    assert texts(page) == ["line 0", "line 1", "line 2"] and not sent


def test_a_redrawn_line_is_read_again_from_its_new_box(page, sent, django_capture_on_commit_callbacks):
    line = page.lines.get(order=1)
    with django_capture_on_commit_callbacks(execute=True):
        redrawn = line_redraw(line=line, box=(8, 58, 260, 104))  # the segmenter cut it short
        recognition.lines_read(page=page, lines=[redrawn])  # as the web layer does

    assert redrawn.pk == line.pk and redrawn.order == 1
    x0, y0, x1, y1 = bounding_box(Line.objects.get(pk=line.pk).polygon)
    assert 8 <= x0 and 58 <= y0 and x1 <= 260 and y1 <= 104  # fitted to the writing in the box
    assert texts(page) == ["line 0", "(new)", "line 2"]  # the old box's reading is gone
    job = Job.objects.get(page=page, state=JobState.QUEUED)
    assert sent == [("recognition.tasks.recognize_page", [str(job.id)])]


def test_a_loosely_drawn_box_is_fitted_to_the_line_it_was_drawn_round(page, sent):
    """The page's second handwritten line lies at y 200-266, its neighbours end at 149 and begin at 320."""
    line = line_add(page=page, box=(40, 140, 1000, 330))

    x0, y0, x1, y1 = bounding_box(line.polygon)
    assert 190 <= y0 and y1 <= 276 and x0 <= 90 and x1 >= 900
    assert 200 < line.baseline[0][1] < 266  # under its own writing, not a neighbour's


def test_a_fault_in_the_fitting_keeps_the_box_as_drawn(page, sent, monkeypatch, caplog):
    def broken(gray, box, direction):
        raise RuntimeError("a bug")

    monkeypatch.setattr("documents.services.lines.fit_drawn_line", broken)
    line = line_add(page=page, box=(40, 140, 1000, 330))

    assert line.polygon == [[40, 140], [1000, 140], [1000, 330], [40, 330]]
    assert Line.objects.filter(pk=line.pk).exists() and "taken as drawn" in caplog.text


def test_a_page_image_that_cannot_be_read_keeps_the_box_as_drawn_and_the_places(page, sent, monkeypatch, caplog):
    places_save(page, [{"id": 1, "polygon": [[40, 140], [1000, 140], [1000, 330], [40, 330]]}])
    monkeypatch.setattr(Page, "gray", lambda self: (_ for _ in ()).throw(OSError("image file is truncated")))

    line = line_add(page=page, box=(40, 140, 1000, 330))

    assert line.polygon == [[40, 140], [1000, 140], [1000, 330], [40, 330]]
    page.refresh_from_db()
    assert [place["id"] for place in page.unread_ink] == [1] and "could not be read" in caplog.text


def test_an_edit_begun_on_the_old_reading_of_a_redrawn_line_is_stale(page, owner):
    line = page.lines.get(order=1)
    seen = line.revision
    line_redraw(line=line, box=(8, 58, 260, 104))
    with pytest.raises(StaleRevision):
        line_text_save(line=line, author=owner, text="typed on the old reading", revision=seen)


def test_a_persons_text_stays_with_a_redrawn_line_and_is_not_read_again(page, owner, sent):
    line = page.lines.get(order=1)
    line_text_save(line=line, author=owner, text="Rx amoxicillin 500 mg", revision=line.revision)
    redrawn = line_redraw(line=line, box=(8, 58, 260, 104))
    assert recognition.lines_read(page=page, lines=[redrawn]) is None

    assert texts(page) == ["line 0", "Rx amoxicillin 500 mg", "line 2"]
    assert redrawn.versions.count() == 2  # the model's reading is kept beside the person's
    assert not Job.objects.filter(page=page, state=JobState.QUEUED).exists() and not sent


def test_a_line_redrawn_elsewhere_takes_its_place_in_reading_order(page, sent):
    line_redraw(line=page.lines.get(order=0), box=(10, 160, 200, 200))  # below the others now
    assert texts(page) == ["line 1", "line 2", "(new)"]
    assert list(page.lines.order_by("order").values_list("order", flat=True)) == [0, 1, 2]
    jobs_set(Job.objects.filter(page=page), JobState.DONE)
    line_redraw(line=page.lines.get(order=2), box=(10, 0, 200, 9))  # above them all
    assert texts(page) == ["(new)", "line 1", "line 2"]
    assert list(page.lines.order_by("order").values_list("order", flat=True)) == [0, 1, 2]


def test_redrawing_takes_in_the_unread_ink_of_the_new_box(page, sent):
    x0, y0, x1, y1 = scans.pasted_box(0)  # writing on the scan that no line held
    places_save(page, [{"id": 1, "polygon": [[x0 + 200, y0], [x0 + 400, y0], [x0 + 400, y1], [x0 + 200, y1]]}])
    line_redraw(line=page.lines.get(order=1), box=(x0 - 5, y0 - 5, x1 + 5, y1 + 5))
    page.refresh_from_db()
    assert page.unread_ink == []


def test_a_line_is_not_redrawn_while_the_page_is_processed_nor_once_removed(page, sent):
    line = page.lines.get(order=1)
    job = Job.objects.create(document=page.document, page=page, stage=JobStage.RECOGNIZE)
    jobs_set(Job.objects.filter(pk=job.pk), JobState.RUNNING)
    with pytest.raises(LineEditRefused, match="still being processed"):
        line_redraw(line=line, box=(8, 58, 260, 104))
    assert texts(page) == ["line 0", "line 1", "line 2"]
    assert Line.objects.get(pk=line.pk).polygon == line.polygon

    jobs_set(Job.objects.filter(page=page), JobState.DONE)
    stale_copy = Line.objects.get(pk=line.pk)
    line_remove(line=line)
    with pytest.raises(LineRemoved, match="removed by someone else meanwhile"):
        line_redraw(line=stale_copy, box=(8, 58, 260, 104))


def test_a_removed_line_goes_and_the_others_close_up(page):
    line_remove(line=page.lines.get(order=1))
    assert texts(page) == ["line 0", "line 2"]
    assert list(page.lines.order_by("order").values_list("order", flat=True)) == [0, 1]


def test_a_line_with_a_persons_text_is_not_removed(page, owner):
    line = page.lines.get(order=1)
    line_text_save(line=line, author=owner, text="Rx amoxicillin 500 mg", revision=line.revision)
    with pytest.raises(LineEditRefused, match="would lose that text"):
        line_remove(line=line)
    assert page.lines.count() == 3


def test_saving_a_line_removed_meanwhile_says_so(page, owner):
    line = page.lines.get(order=1)
    stale_copy = Line.objects.get(pk=line.pk)
    line_remove(line=line)
    with pytest.raises(LineRemoved, match="removed by someone else"):
        line_text_save(line=stale_copy, author=owner, text="my text", revision=stale_copy.revision)


@pytest.fixture
def api(collaborator) -> APIClient:
    client = APIClient()
    client.force_authenticate(collaborator)  # the document is shared with them
    return client


def test_the_api_adds_and_removes_lines(api, page, sent):
    url = reverse("api-page-lines", args=[page.id])
    added = api.post(url, {"box": [10, 160, 200, 200]}, format="json")
    assert added.status_code == 201, added.content
    assert added.json()["order"] == 3 and added.json()["text"] == ""

    busy = api.delete(reverse("api-line-detail", args=[added.json()["id"]]))
    assert busy.status_code == 409 and "still being processed" in busy.json()["detail"]

    jobs_set(Job.objects.filter(page=page), JobState.DONE)
    removed = api.delete(reverse("api-line-detail", args=[added.json()["id"]]))
    assert removed.status_code == 204
    assert page.lines.count() == 3


def test_the_api_redraws_a_line(api, page, sent):
    line = page.lines.get(order=1)
    url = reverse("api-line-box", args=[line.id])
    redrawn = api.put(url, {"box": [8, 58, 260, 104]}, format="json")
    assert redrawn.status_code == 200, redrawn.content
    assert redrawn.json()["id"] == str(line.id) and redrawn.json()["text"] == ""
    x0, y0, x1, y1 = bounding_box(redrawn.json()["polygon"])
    assert 8 <= x0 and 58 <= y0 and x1 <= 260 and y1 <= 104

    busy = api.put(url, {"box": [8, 58, 260, 100]}, format="json")
    assert busy.status_code == 409 and "still being processed" in busy.json()["detail"]
    jobs_set(Job.objects.filter(page=page), JobState.DONE)
    off_page = api.put(url, {"box": [5000, 5000, 6000, 6000]}, format="json")
    assert off_page.status_code == 400 and "on the page" in off_page.json()["detail"]
    line_remove(line=line)
    assert api.put(url, {"box": [8, 58, 260, 100]}, format="json").status_code == 404


def test_the_api_takes_the_direction_of_the_writing(api, page, sent):
    url = reverse("api-page-lines", args=[page.id])
    assert api.post(url, {"box": [300, 10, 340, 300], "direction": "sideways"}, format="json").status_code == 400
    added = api.post(url, {"box": [300, 10, 340, 300], "direction": "up"}, format="json")
    assert added.status_code == 201, added.content
    assert writing_direction(added.json()["baseline"]) == "up"


def test_the_api_explains_a_bad_box(api, page):
    url = reverse("api-page-lines", args=[page.id])
    off_page = api.post(url, {"box": [5000, 5000, 6000, 6000]}, format="json")
    assert off_page.status_code == 400 and "on the page" in off_page.json()["detail"]
    assert api.post(url, {"box": [1, 2, 3]}, format="json").status_code == 400
    assert page.lines.count() == 3


def test_someone_elses_page_and_line_are_not_found(page, stranger):
    client = APIClient()
    client.force_authenticate(stranger)
    assert client.post(reverse("api-page-lines", args=[page.id]), {"box": [10, 160, 200, 200]}, format="json").status_code == 404
    assert client.delete(reverse("api-line-detail", args=[page.lines.first().id])).status_code == 404
    assert client.put(reverse("api-line-box", args=[page.lines.first().id]), {"box": [8, 8, 260, 52]}, format="json").status_code == 404
    assert page.lines.count() == 3 and page.lines.first().polygon[0] == [10, 10]
