"""The first reading of a page reads the places of unread ink that look like a line, with the
real segmenter and the shipped model: those read surely become lines, noise stays a place."""
import cv2
import numpy as np
import pytest
from PIL import Image

from documents.models import LineText, TextSource
from documents.selectors import page_lines
from documents.services import PlaceLine, line_text_save, page_place_lines_add, page_state
from ml.layout import LinePrediction
from ml.read.codec import normalize_text
from ml.read.metrics import cer
from ml.segment.segmenter import segment_page
from recognition import pipeline, services
from tests import scans
from tests.conftest import upload_file
from tests.recognition.test_pipeline import uploaded

pytestmark = pytest.mark.django_db

MISSED = 2  # the line the segmenter leaves as a place


def leaving_out(index: int):
    """The segmenter, but for its line ``index``, whose box is left as a place of unread ink."""

    def segment(gray, config):
        layout = segment_page(gray, config)
        x0, y0, x1, y1 = scans.pasted_box(index)
        layout.lines = [line for line in layout.lines if not y0 <= line.baseline[0][1] <= y1]
        layout.unread_ink.append([(x0, y0 + 10), (x1, y0 + 10), (x1, y1 - 5), (x0, y1 - 5)])
        return layout

    return segment


def page_with_a_missed_line(owner, monkeypatch, image=None, missed: int = MISSED):
    """An uploaded page (by default of five handwritten lines), segmented with its line ``missed``
    left as a place."""
    image = image or scans.handwritten_page(count=5)
    files = [upload_file("page.png", scans.png_bytes(image))]
    page = uploaded(owner=owner, kind="lecture_notes", title="Missed", files=files).pages.get()
    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "segment_page", leaving_out(missed))
        pipeline.page_segment(page=page)
    assert len(page.unread_places) == 1
    return page


def expected_text(index: int) -> str:
    return normalize_text(sorted(scans.LINES_DIR.glob("*.gt.txt"))[index].read_text("utf-8").strip())


def test_a_line_left_as_a_place_is_read_and_becomes_a_line_in_reading_order(owner, monkeypatch):
    page = page_with_a_missed_line(owner, monkeypatch)
    assert page.lines.count() == 4
    model = services.model_current()

    assert pipeline.page_recognize(page=page, model=model) == 5

    views = page_lines(page=page)
    assert [view.line.order for view in views] == [0, 1, 2, 3, 4]
    tops = [min(y for _, y in view.line.polygon) for view in views]
    assert tops == sorted(tops)
    x0, y0, x1, y1 = scans.pasted_box(MISSED)
    assert y0 - 15 <= tops[MISSED] and max(y for _, y in views[MISSED].line.polygon) <= y1 + 15
    assert cer([expected_text(MISSED)], [normalize_text(views[MISSED].text)]) < 0.4
    assert all(view.current.source == TextSource.MODEL and view.current.model_version == model.version
               and len(view.current.confidences) == len(view.text) for view in views)
    page.refresh_from_db()
    assert page.unread_places == []


def test_a_page_whose_only_line_was_left_as_a_place_gets_it_as_a_line(owner, monkeypatch):
    page = page_with_a_missed_line(owner, monkeypatch, image=scans.handwritten_page(count=1), missed=0)
    assert page.lines.count() == 0

    assert pipeline.page_recognize(page=page, model=services.model_current()) == 1

    [view] = page_lines(page=page)
    assert cer([expected_text(0)], [normalize_text(view.text)]) < 0.4
    assert pipeline.page_recognize(page=page, model=services.model_current()) == 0


def test_a_line_read_in_a_place_of_a_prescription_is_flagged(owner, monkeypatch, tiny_model):
    files = [upload_file("rx.png", scans.png_bytes(scans.handwritten_page(count=3)))]
    page = uploaded(owner=owner, kind="prescription", title="Rx", files=files).pages.get()
    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "segment_page", leaving_out(1))
        pipeline.page_segment(page=page)
    text = "Amoxicilin 5000 mg tds"
    monkeypatch.setattr(pipeline.Recognizer, "recognize", lambda self, images, *args, **kwargs: [
        LinePrediction(text, [0.99] * len(text)) for _ in images])

    assert pipeline.page_recognize(page=page, model=services.model_current()) == 3

    added = page_lines(page=page)[1]
    assert added.text == text
    assert {flag.kind for flag in added.flags} == {"unknown_drug", "unusual_strength"}


def test_reading_a_page_twice_adds_nothing(owner, monkeypatch):
    page = page_with_a_missed_line(owner, monkeypatch)
    model = services.model_current()
    read_from = page_state(page)
    pipeline.page_recognize(page=page, model=model)
    added = [view.line for view in page_lines(page=page)][MISSED]

    assert pipeline.page_recognize(page=page, model=model) == 0  # a re-delivered job
    again = PlaceLine(order=MISSED, polygon=added.polygon, baseline=added.baseline,
                      reading=LinePrediction("the same line", [0.95] * 13))
    assert page_place_lines_add(page=page, gray=page.gray(), read_from=read_from, lines=[again],
                                model_version=model.version) == []  # one whose reading began before the first wrote

    assert page.lines.count() == 5
    assert LineText.objects.filter(line__page=page).count() == 5


def test_no_place_is_read_when_the_setting_is_off_or_a_person_wrote_on_the_page(owner, monkeypatch, settings):
    off = page_with_a_missed_line(owner, monkeypatch)
    settings.RECOGNITION_READ_PLACES = False
    assert pipeline.page_recognize(page=off, model=services.model_current()) == 4
    settings.RECOGNITION_READ_PLACES = True
    written = page_with_a_missed_line(owner, monkeypatch)
    first = written.lines.order_by("order").first()
    line_text_save(line=first, author=owner, text="a person's text", revision=0)

    assert pipeline.page_recognize(page=written, model=services.model_current()) == 3

    for page in (off, written):
        assert page.lines.count() == 4 and len(page.unread_places) == 1
    assert page_lines(page=written)[0].text == "a person's text"


def test_noise_specks_in_a_place_make_no_line(owner, monkeypatch):
    image = scans.handwritten_page(count=5)
    ink = np.asarray(image).copy()
    x0, y0, x1, y1 = scans.pasted_box(MISSED)
    ink[y0 - 10:y1 + 10, x0:x1 + 200] = 236  # the missed line's place holds specks instead of writing
    rng = np.random.default_rng(0)
    for x, y, r in zip(rng.integers(x0, x1, 120), rng.integers(y0 + 10, y1 - 5, 120), rng.integers(1, 4, 120)):
        cv2.circle(ink, (int(x), int(y)), int(r), 40, -1)
    page = page_with_a_missed_line(owner, monkeypatch, image=Image.fromarray(ink))
    read = []
    recognize = pipeline.Recognizer.recognize
    monkeypatch.setattr(pipeline.Recognizer, "recognize", lambda self, images, *args, **kwargs: (
        read.append(len(images)) or recognize(self, images, *args, **kwargs)))

    assert pipeline.page_recognize(page=page, model=services.model_current()) == 4

    assert read[-1] == 1  # the specks' place was read, after the lines
    assert page.lines.count() == 4 and len(page.unread_places) == 1
