"""Places with ink that no line covers: kept from the segmenter, shown until a line is drawn
round them or a person dismisses them (which can be undone), counted where exports are made."""
import pytest
from PIL import Image
from django.urls import reverse
from rest_framework.test import APIClient

from documents.exports import export_json
from documents.models import Page, UnreadInk
from documents.selectors import document_checks
from documents.layouts import LEFT_OUT_NOTE, REMOVED_NOTE, place_at_scan_edge
from ml.segment.drawn_line import writing_direction
from documents.services import (
    LineEditRefused,
    PlaceGone,
    line_add,
    line_remove,
    line_redraw,
    line_text_save,
    page_lines_create,
    page_lines_set_aside,
    place_read,
    places_read_all,
    unread_ink_mark,
)
from documents.services.unread_ink import places_save
from ml.layout import PageLayout, TextLine
from ml.layout.geometry import bounding_box, box_polygon
from recognition import services as recognition
from recognition.models import Job, JobState
from tests import scans
from tests.conftest import jobs_set

pytestmark = pytest.mark.django_db

STAMP = [(900, 100), (1100, 100), (1100, 250), (900, 250)]
DOSE = [(700, 600), (820, 600), (820, 640), (700, 640)]


@pytest.fixture
def page(make_document, monkeypatch):
    page = make_document(pages=1).pages.get()
    layout = PageLayout(width=page.width, height=page.height, unread_ink=[STAMP, DOSE])
    layout.lines.append(TextLine(id="l1", polygon=[(60, 80), (600, 80), (600, 130), (60, 130)], baseline=[(60, 120), (600, 120)]))
    page_lines_create(page=page, layout=layout)
    jobs_set(Job.objects.filter(page=page), JobState.DONE)
    return Page.objects.get(pk=page.pk)


def test_the_segmenters_places_are_kept_numbered_and_counted(page):
    assert page.unread_ink == [{"id": 1, "polygon": [list(p) for p in STAMP]}, {"id": 2, "polygon": [list(p) for p in DOSE]}]
    assert [check.unread_places for check in document_checks(document=page.document)] == [2]
    assert [place["id"] for place in export_json(page.document)["pages"][0]["unread_ink"]] == [1, 2]


def test_saving_places_writes_only_the_difference_and_keeps_who_dismissed_one_and_when(page, owner):
    unread_ink_mark(page=page, place_id=1, user=owner, dismissed=True)
    dismissed = UnreadInk.objects.get(page=page, number=1)
    stamp, dose = page.unread_ink
    smaller_dose = [[700, 600], [760, 600], [760, 640], [700, 640]]

    places_save(page, [stamp, {**dose, "polygon": smaller_dose}, {"id": 3, "polygon": smaller_dose, "note": "left out",
                                                                   "dismissed_by": owner.username}])

    assert UnreadInk.objects.get(page=page, number=1).dismissed_at == dismissed.dismissed_at
    assert page.unread_ink == [stamp, {**dose, "polygon": smaller_dose},
                               {"id": 3, "polygon": smaller_dose, "note": "left out", "dismissed_by": owner.username}]
    places_save(page, [stamp])
    assert list(UnreadInk.objects.filter(page=page).values_list("number", "state", "dismissed_by")) == [
        (1, UnreadInk.State.DISMISSED, owner.pk)]


def test_a_line_drawn_round_a_place_takes_it_in(page, monkeypatch):
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: None)
    line_add(page=page, box=(690, 590, 830, 650))
    page.refresh_from_db()
    assert [place["id"] for place in page.unread_ink] == [1]  # the stamp is still to be looked at


def test_a_line_drawn_over_part_of_a_place_leaves_the_rest_of_it_to_look_at(page, monkeypatch):
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: None)
    second, third = scans.pasted_box(1), scans.pasted_box(2)
    over_both = [[second[0], second[1]], [third[2], second[1]], [third[2], third[3]], [second[0], third[3]]]
    places_save(page, [{"id": 1, "polygon": over_both}, {"id": 2, "polygon": [list(p) for p in DOSE]}])

    line_add(page=page, box=(second[0] - 5, second[1] - 5, second[2] + 5, second[3] + 5))

    page.refresh_from_db()
    assert [place["id"] for place in page.unread_ink] == [1, 2]
    x0, y0, x1, y1 = bounding_box(page.unread_ink[0]["polygon"])
    assert y0 > second[1] + 0.5 * (second[3] - second[1]) and y1 > third[1]  # the third line's ink is still shown

    jobs_set(Job.objects.filter(page=page), JobState.DONE)  # the drawn line was read
    line_add(page=page, box=(third[0] - 5, third[1] - 5, third[2] + 5, third[3] + 5))

    page.refresh_from_db()
    assert [place["id"] for place in page.unread_ink] == [2]


def _overlap(box, other) -> float:
    """How much of ``other``'s height ``box`` covers, where they overlap across."""
    return max(0, min(box[3], other[3]) - max(box[1], other[1])) / (other[3] - other[1])


def test_a_place_over_two_lines_is_read_as_two_lines_in_one_job_and_other_places_stay(page, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: sent.append(name))
    second, third = scans.pasted_box(1), scans.pasted_box(2)
    over_both = [[second[0], second[1]], [third[2], second[1]], [third[2], third[3]], [second[0], third[3]]]
    places_save(page, [{"id": 1, "polygon": over_both}, {"id": 2, "polygon": [list(p) for p in DOSE]}])

    with django_capture_on_commit_callbacks(execute=True):
        lines = place_read(page=page, place_id=1)
        recognition.lines_read(page=page, lines=lines)  # as the web layer does

    assert sent == ["recognition.tasks.recognize_page"]  # one job reads both
    read = sorted((bounding_box(line.polygon) for line in lines), key=lambda box: box[1])
    assert len(read) == 2 and all(_overlap(got, box) > 0.6 for got, box in zip(read, (second, third)))
    assert _overlap(read[0], third) < 0.3 and _overlap(read[1], second) < 0.3  # one line each
    page.refresh_from_db()
    assert [place["id"] for place in page.unread_ink] == [2]  # the dose is still to be looked at
    assert [line.order for line in page.lines.order_by("order")] == [0, 1, 2]
    with pytest.raises(PlaceGone):
        place_read(page=page, place_id=1)


def test_the_api_reads_an_open_place_and_says_when_it_cannot(page, owner, stranger, monkeypatch):
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: None)
    x0, y0, x1, y1 = scans.pasted_box(2)
    places_save(page, [*page.unread_ink, {"id": 3, "polygon": [list(p) for p in box_polygon((x0 + 10, y0 + 10, x1 - 10, y1 - 10))]}])
    client = APIClient()
    client.force_authenticate(stranger)
    url = reverse("api-page-unread-ink-read", args=[page.id, 3])
    assert client.post(url).status_code == 404
    client.force_authenticate(owner)
    unread_ink_mark(page=page, place_id=1, user=owner, dismissed=True)
    dismissed = client.post(reverse("api-page-unread-ink-read", args=[page.id, 1]))
    assert dismissed.status_code == 404 and "no longer on the page" in dismissed.json()["detail"]
    no_ink = client.post(reverse("api-page-unread-ink-read", args=[page.id, 2]))  # the dose's place is blank paper here
    assert no_ink.status_code == 400 and "No writing was found" in no_ink.json()["detail"]

    answer = client.post(url)

    assert answer.status_code == 201 and len(answer.json()) == 1
    got = bounding_box(answer.json()[0]["polygon"])
    assert _overlap(got, (x0, y0, x1, y1)) > 0.6 and got[0] < x0 + 40 and got[2] > x1 - 40  # the line, found in the place
    page.refresh_from_db()
    assert [place["id"] for place in page.unread_ink] == [1, 2]
    unread_ink_mark(page=page, place_id=1, user=owner, dismissed=False)
    busy = client.post(reverse("api-page-unread-ink-read", args=[page.id, 1]))  # the new line is being read
    assert busy.status_code == 409 and "still being processed" in busy.json()["detail"]


def test_a_block_of_notes_along_the_margin_is_offered_and_read_a_note_at_a_time_running_down(page, owner, client, monkeypatch):
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: None)
    notes = _with_notes_down_the_margin(page, at=(1300, 1400), top=100)
    block = [list(p) for p in box_polygon((notes[0][0], notes[0][1], notes[1][2], notes[1][3]))]
    places_save(page, [{"id": 1, "polygon": [list(p) for p in STAMP]}, {"id": 2, "polygon": block}])
    client.force_login(owner)
    body = client.get(reverse("page-review", args=[page.id])).content.decode()
    assert body.count('data-direction="down"') == 1 and 'data-direction="up"' not in body  # for the tall place only
    assert body.count('class="small read-place" data-direction="right"') == 2

    api = APIClient()
    api.force_authenticate(owner)
    url = reverse("api-page-unread-ink-read", args=[page.id, 2])
    assert api.post(url, {"direction": "sideways"}, format="json").status_code == 400
    answer = api.post(url, {"direction": "down"}, format="json")

    assert answer.status_code == 201
    assert [writing_direction(line["baseline"]) for line in answer.json()] == ["down", "down"]
    read = sorted((bounding_box(line["polygon"]) for line in answer.json()), key=lambda box: box[0])
    for got, note in zip(read, notes):  # one line a note, across its width and down its length
        assert note[0] - 15 <= got[0] < got[2] <= note[2] + 15 and abs(got[1] - note[1]) < 40 and abs(got[3] - note[3]) < 40
    page.refresh_from_db()
    assert [place["id"] for place in page.unread_ink] == [1]


def _with_notes_down_the_margin(page, at: tuple[int, ...], top: int) -> list[tuple[int, int, int, int]]:
    """Paste real lines of handwriting into the page image turned to run down the margin, at the
    ``at`` columns; their boxes."""
    image = Image.fromarray(page.gray())
    boxes = []
    for n, x in enumerate(at, start=4):
        note = scans.line_crops()[n].rotate(-90, expand=True)
        image.paste(note, (x, top))
        boxes.append((x, top, x + note.width, top + note.height))
    with open(page.image.path, "wb") as file:
        image.save(file, "PNG")
    return boxes


def test_reading_all_places_reads_each_line_of_them_in_one_job_and_leaves_the_rest_to_a_person(page, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: sent.append(name))
    second, third, fourth = (scans.pasted_box(n) for n in (1, 2, 3))
    over_two = [[second[0], second[1]], [third[2], second[1]], [third[2], third[3]], [second[0], third[3]]]
    margin_note = [[1440, 100], [1480, 100], [1480, 400], [1440, 400]]
    many_lines_high = [list(p) for p in box_polygon((1000, 600, 1420, 990))]
    crumb = [list(p) for p in box_polygon((700, 900, 706, 904))]
    places_save(page, [{"id": 1, "polygon": over_two}, {"id": 2, "polygon": [list(p) for p in box_polygon(fourth)]},
                       {"id": 3, "polygon": margin_note}, {"id": 4, "polygon": many_lines_high}, {"id": 5, "polygon": crumb}])
    page.lines.update(polygon=[list(p) for p in box_polygon(scans.pasted_box(0))])  # the first line as found

    with django_capture_on_commit_callbacks(execute=True):
        lines = places_read_all(page=page)
        recognition.lines_read(page=page, lines=lines)  # as the web layer does

    assert sent == ["recognition.tasks.recognize_page"]  # one job reads them all
    read = sorted((bounding_box(line.polygon) for line in lines), key=lambda box: box[1])
    assert len(read) == 3 and all(_overlap(got, box) > 0.5 for got, box in zip(read, (second, third, fourth)))
    page.refresh_from_db()
    assert [place["id"] for place in page.unread_ink] == [3, 4, 5]  # left for a person to judge
    assert [line.order for line in page.lines.order_by("order")] == [0, 1, 2, 3]

    jobs_set(Job.objects.filter(page=page), JobState.DONE)
    assert places_read_all(page=page) == []


def test_reading_all_places_is_refused_while_the_page_is_processed_and_adds_nothing(page, monkeypatch):
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: None)
    jobs_set(Job.objects.filter(page=page), JobState.RUNNING)
    with pytest.raises(LineEditRefused):
        places_read_all(page=page)
    page.refresh_from_db()
    assert page.lines.count() == 1 and [place["id"] for place in page.unread_ink] == [1, 2]


def test_the_api_reads_all_places(page, owner, stranger, monkeypatch):
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: None)
    client = APIClient()
    url = reverse("api-page-unread-ink-read-all", args=[page.id])
    client.force_authenticate(stranger)
    assert client.post(url).status_code == 404
    client.force_authenticate(owner)
    answer = client.post(url)
    assert answer.status_code == 201 and len(answer.json()) >= 2  # the stamp's place holds the ends of two lines
    page.refresh_from_db()
    assert [place["id"] for place in page.unread_places] == [2]  # the dose's place, blank paper here, is left to a person
    assert client.post(url).json() == []  # nothing left to read


def test_the_ink_of_a_line_already_there_is_not_a_places_own(page, monkeypatch):
    """A place's box is a rectangle and takes in part of a line beside it: that line's ink was
    counted as the place's, and stayed a place once the place's own writing was read."""
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: None)
    second, third = scans.pasted_box(1), scans.pasted_box(2)
    page.lines.create(order=1, polygon=[list(p) for p in box_polygon(second)], baseline=[])
    reaching_into_the_second = box_polygon((third[0], (second[1] + second[3]) // 2, third[2], third[3]))
    places_save(page, [{"id": 1, "polygon": [list(p) for p in reaching_into_the_second]}])

    line_add(page=page, box=(third[0] - 5, third[1] - 5, third[2] + 5, third[3] + 5))

    page.refresh_from_db()
    assert page.unread_ink == []


def test_a_line_run_into_its_neighbour_and_drawn_again_leaves_the_neighbours_ink_shown(page, monkeypatch):
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: None)
    second, third = scans.pasted_box(1), scans.pasted_box(2)
    merged = page.lines.get()  # the segmenter ran the second and third lines into one
    merged.polygon = [[second[0], second[1]], [third[2], second[1]], [third[2], third[3]], [second[0], third[3]]]
    merged.save()

    line_redraw(line=merged, box=(second[0] - 5, second[1] - 5, second[2] + 5, second[3] + 5))

    page.refresh_from_db()
    (left,) = [place for place in page.unread_ink if place["id"] > 2]
    assert left["note"] == LEFT_OUT_NOTE
    x0, y0, x1, y1 = bounding_box(left["polygon"])
    assert y0 >= second[3] - 10 and y1 > third[1] + 0.5 * (third[3] - third[1])  # the third line's ink

    jobs_set(Job.objects.filter(page=page), JobState.DONE)
    line_redraw(line=page.lines.get(), box=(second[0] - 5, second[1] - 5, second[2] + 5, second[3] + 5))

    page.refresh_from_db()
    assert [place for place in page.unread_ink if place.get("note")] == [left]  # nothing more is left out


def test_lines_set_aside_become_places_saying_why_and_a_persons_line_stays(page, owner):
    first = page.lines.get()
    second, third = (
        page.lines.create(order=order, polygon=[[60, y], [600, y], [600, y + 50], [60, y + 50]], baseline=[])
        for order, y in ((1, 200), (2, 300))
    )
    line_text_save(line=first, author=owner, text="Amoxicillin 500 mg", revision=0)

    assert page_lines_set_aside(page=page, line_ids=[first.id, second.id], note="mirror writing") == 1

    page.refresh_from_db()
    assert [(line.id, line.order) for line in page.lines.order_by("order")] == [(first.id, 0), (third.id, 1)]
    assert page.unread_ink[-1] == {"id": 3, "polygon": second.polygon, "note": "mirror writing"}
    assert [place["id"] for place in page.unread_places] == [1, 2, 3]


def test_a_dismissed_place_is_kept_with_who_dismissed_it_and_can_be_restored(page, owner):
    assert unread_ink_mark(page=page, place_id=1, user=owner, dismissed=True)
    page.refresh_from_db()
    assert [place["id"] for place in page.unread_places] == [2]
    assert page.dismissed_places == [{"id": 1, "polygon": [list(p) for p in STAMP], "dismissed_by": owner.username}]
    assert [check.unread_places for check in document_checks(document=page.document)] == [1]

    assert unread_ink_mark(page=page, place_id=1, user=owner, dismissed=False)
    page.refresh_from_db()
    assert [place["id"] for place in page.unread_places] == [1, 2]
    assert not unread_ink_mark(page=page, place_id=3, user=owner, dismissed=True)


def test_the_api_lists_dismisses_and_restores_places(page, collaborator, stranger):
    from documents.services import document_share

    document_share(document=page.document, user=collaborator)
    client = APIClient()
    client.force_authenticate(collaborator)
    url = reverse("api-page-unread-ink", args=[page.id, 2])
    listed = client.get(reverse("api-document-pages", args=[page.document.id])).json()
    assert [place["id"] for place in listed[0]["unread_ink"]] == [1, 2]
    assert client.patch(url, {"dismissed": True}, format="json").status_code == 204
    page.refresh_from_db()
    assert [place["id"] for place in page.unread_places] == [1]
    assert client.patch(url, {}, format="json").status_code == 400
    assert client.patch(reverse("api-page-unread-ink", args=[page.id, 9]), {"dismissed": True}, format="json").status_code == 404
    assert client.patch(url, {"dismissed": False}, format="json").status_code == 204
    page.refresh_from_db()
    assert [place["id"] for place in page.unread_places] == [1, 2]

    client.force_authenticate(stranger)
    assert client.patch(url, {"dismissed": True}, format="json").status_code == 404
    page.refresh_from_db()
    assert [place["id"] for place in page.unread_places] == [1, 2]


def test_the_document_page_warns_before_export_while_places_remain(client, owner, page):
    client.force_login(owner)
    url = reverse("document-detail", args=[page.document.id])
    assert "2 places on the pages have ink that no line covers" in client.get(url).content.decode()
    unread_ink_mark(page=page, place_id=1, user=owner, dismissed=True)
    unread_ink_mark(page=page, place_id=2, user=owner, dismissed=True)
    assert "unread-warning" not in client.get(url).content.decode()


def test_the_review_page_says_why_a_place_was_set_aside(client, owner, page):
    second = page.lines.create(order=1, polygon=[[60, 200], [600, 200], [600, 250], [60, 250]], baseline=[])
    page_lines_set_aside(page=page, line_ids=[second.id], note="reads as mirror writing")
    client.force_login(owner)
    body = client.get(reverse("page-review", args=[page.id])).content.decode()
    assert body.count("set aside: reads as mirror writing") == 1
    assert "Set aside: reads as mirror writing: nothing here was read" in body


def test_the_ink_of_a_line_removed_as_not_a_line_stays_as_a_place_the_person_dismissed(page, owner, client):
    first = page.lines.get()  # round the first handwritten line's left part

    line_remove(line=first, by=owner)

    page.refresh_from_db()
    removed = [place for place in page.unread_ink if place.get("note") == REMOVED_NOTE]
    assert removed and all(place["dismissed_by"] == owner.username for place in removed)
    assert [place["id"] for place in page.unread_places] == [1, 2]  # nothing new to look at
    x0, y0, x1, y1 = bounding_box(removed[0]["polygon"])
    assert 50 <= x0 and x1 <= 610 and 70 <= y0 and y1 <= 140  # the ink it held
    client.force_login(owner)
    assert f"{REMOVED_NOTE}</span>, dismissed by {owner.username}" in client.get(reverse("page-review", args=[page.id])).content.decode()

    assert unread_ink_mark(page=page, place_id=removed[0]["id"], user=owner, dismissed=False)  # a mistake: undone
    page.refresh_from_db()
    assert removed[0]["id"] in [place["id"] for place in page.unread_places]


def test_the_ink_of_a_line_down_the_margin_removed_stays_one_place_not_a_place_a_word(page, owner):
    (note,) = _with_notes_down_the_margin(page, at=(1300,), top=100)
    line = page.lines.create(order=1, polygon=[list(p) for p in box_polygon(note)],
                             baseline=[[note[0] + 15, note[1]], [note[0] + 15, note[3]]])

    line_remove(line=line, by=owner)

    page.refresh_from_db()
    removed = [bounding_box(place["polygon"]) for place in page.unread_ink if place.get("note") == REMOVED_NOTE]
    assert len(removed) == 1 and removed[0][3] - removed[0][1] > 0.9 * (note[3] - note[1])


def test_a_place_at_the_edge_of_the_scan_says_so(page, owner, client):
    edge = [(0, 300), (12, 300), (12, page.height), (0, page.height)]  # a dark strip down the paper's edge
    places_save(page, [{"id": 1, "polygon": [list(p) for p in STAMP]}, {"id": 2, "polygon": [list(p) for p in edge]}])
    assert place_at_scan_edge(edge, page.width, page.height) and not place_at_scan_edge(STAMP, page.width, page.height)
    client.force_login(owner)
    body = client.get(reverse("page-review", args=[page.id])).content.decode()
    assert body.count("at the edge of the scan") == 1
