"""The work of each job: find the lines of a page, read them. Computes first, then writes briefly."""
from __future__ import annotations

from typing import Callable

import numpy as np
from django.conf import settings
from django.db import transaction

from documents.models import Document, DocumentKind, DocumentLanguage, Line, Page
from documents.services import (
    PageState,
    PlaceLine,
    line_texts_add_model,
    lines_turn_round,
    page_lines_create,
    page_lines_set_aside,
    page_place_lines_add,
    page_places_set,
    page_state,
    page_turn_upright,
)
from ml.layout import LinePrediction, PageLayout, TextLine
from ml.read.line_image import extract_line
from ml.read.recognizer import Recognizer
from ml.segment.drawn_line import writing_direction
from ml.segment.orientation import half_turned, lines_read_turned, reads_upside_down, upright_turns
from ml.segment.place_lines import read_places
from ml.segment.segmenter import segment_page, unread_ink_around
from ml.segment.show_through import show_through
from recognition.models import Job, JobStage, RecognitionModel
from recognition.prescription_flags import lines_flag
from recognition.recognizers import recognizer_load, segmenter_config
from recognition.selectors import unverified_lines_not_read_by
from recognition.services import job_progress, model_for_document

# English prescriptions are read with a language model that favours the drug list's names
# (ml/pretrained/lm/en-rx.arpa.gz): drug names read right 88 % against 56 % with the English one
# (docs/prescriptions.md, "The prescriptions' language model").
PRESCRIPTION_LANGUAGES = {DocumentLanguage.ENGLISH: "en-rx"}

SHOW_THROUGH_NOTE = "reads as mirror writing: ink showing through from the back of the sheet"


def page_segment(*, page: Page) -> int:
    """Find the page's lines and store them; a page that has lines already is left as it is."""
    existing = page.lines.count()
    if existing:
        return existing
    layout = segment_page(page.gray(), segmenter_config())
    return page_lines_create(page=page, layout=layout)


def page_places_find(*, page: Page) -> int:
    """Find the ink an imported page's lines leave out (text the other tool or its transcriber
    left out, a stamp) and make it the page's places of unread ink, as on a page the segmenter read."""
    places = unread_ink_around(page.gray(), [_text_line(line) for line in page.lines.all()])
    page_places_set(page=page, places=places)
    return len(places)


def page_recognize(
    *, page: Page, model: RecognitionModel, on_progress: Callable[[float], None] = lambda _: None
) -> int:
    """Read the page's lines that have no text yet (all of them after segmentation, a line a
    person drew later), in one batched call. Lines with a person's or imported text are not read.

    A page read for the first time whose lines read far better turned upside down is turned
    the way that stands its writing upright, and its lines are found again on the turned
    image and read instead. On such a page, lines that read far better mirrored (ink showing
    through from the back of the sheet) become places of unread ink, and the places of unread ink
    that look like a line of text are read by themselves: those read surely become lines in reading
    order (RECOGNITION_READ_PLACES), on a page the segmenter found no line on too. A line running
    up or down the page that reads far better the other way round is turned round. The lines of a
    prescription are then checked (drug names, doses, error-prone forms) and their flags stored.
    """
    lines = list(page.lines.filter(versions__isnull=True).order_by("order"))
    if not lines:
        return _places_alone_read(page, model)
    recognizer = recognizer_load(model.file_path)
    language = reading_language(page.document)
    gray = page.gray()  # read once per stage
    found = [_text_line(line) for line in lines]
    on_progress(0.2)
    images, predictions = _read(recognizer, gray, found, language)
    first_read = _first_read(page, lines)
    turns = upright_turns(found)
    if turns and first_read and reads_upside_down(recognizer, images, predictions, language=language):
        gray = np.ascontiguousarray(np.rot90(gray, -turns))
        page_turn_upright(page=page, quarter_turns=turns, layout=segment_page(gray, segmenter_config()))
        lines = list(page.lines.order_by("order"))
        images, predictions = _read(recognizer, gray, [_text_line(line) for line in lines], language)
    images, predictions = _along_margins_the_right_way(recognizer, lines, images, predictions, language)
    mirrored = show_through(recognizer, images, predictions, language=language) if first_read else []
    if mirrored:
        page_lines_set_aside(page=page, line_ids=[lines[i].id for i in mirrored], note=SHOW_THROUGH_NOTE)
        lines, predictions = _without(mirrored, lines), _without(mirrored, predictions)
    read_from, place_lines = _places_read(recognizer, gray, page, lines, language) if first_read else (None, [])
    on_progress(0.9)
    with transaction.atomic():
        added = line_texts_add_model(
            predictions={line.id: p for line, p in zip(lines, recognizer.shown(predictions))}, model_version=model.version
        )
        made = page_place_lines_add(page=page, gray=gray, read_from=read_from, lines=place_lines,
                                    model_version=model.version) if read_from else []
    lines_flag(lines=lines + made)
    return added + len(made)


def page_read_again(
    *, page: Page, model: RecognitionModel, on_progress: Callable[[float], None] = lambda _: None
) -> int:
    """Read the page's lines nobody verified that ``model`` has not read (an earlier model read
    them) with ``model``: its reading becomes their newest version; a person's text is never touched."""
    lines = list(unverified_lines_not_read_by(page.lines.all(), model).order_by("order"))
    if not lines:
        return 0
    recognizer = recognizer_load(model.file_path)
    on_progress(0.2)
    _, predictions = _read(recognizer, page.gray(), [_text_line(line) for line in lines], reading_language(page.document))
    on_progress(0.9)
    added = line_texts_add_model(
        predictions={line.id: p for line, p in zip(lines, recognizer.shown(predictions))}, model_version=model.version
    )
    lines_flag(lines=lines)
    return added


def reading_language(document: Document) -> str | None:
    """The character language model that reads ``document``'s lines: that of its language (of an
    English prescription, the one that knows drug names), or none where the installation decodes
    without one (RECOGNITION_LANGUAGE "none")."""
    if settings.RECOGNITION_LANGUAGE == "none":
        return None
    if document.kind == DocumentKind.PRESCRIPTION:
        return PRESCRIPTION_LANGUAGES.get(document.language, document.language)
    return document.language


def _read(
    recognizer: Recognizer, gray: np.ndarray, lines: list[TextLine], language: str | None
) -> tuple[list[np.ndarray], list[LinePrediction]]:
    """The lines cut out of the page image, and the recognizer's readings of them with ``language``'s model."""
    images = [extract_line(gray, line) for line in lines]
    return images, recognizer.recognize(
        images, batch_size=settings.RECOGNITION_BATCH_SIZE, beam_width=settings.RECOGNITION_BEAM_WIDTH,
        language=language,
    )


def _places_alone_read(page: Page, model: RecognitionModel) -> int:
    """On the first reading of a page the segmenter found no line on, its places of unread ink
    that read surely as a line become lines; how many did."""
    if not (settings.RECOGNITION_READ_PLACES and page.unread_places and _first_read(page, [])):
        return 0
    recognizer, gray = recognizer_load(model.file_path), page.gray()
    read_from, place_lines = _places_read(recognizer, gray, page, [], reading_language(page.document))
    made = page_place_lines_add(page=page, gray=gray, read_from=read_from, lines=place_lines, model_version=model.version)
    lines_flag(lines=made)
    return len(made)


def _places_read(
    recognizer: Recognizer, gray: np.ndarray, page: Page, lines: list[Line], language: str | None,
) -> tuple[PageState | None, list[PlaceLine]]:
    """The page as its places were read (None where RECOGNITION_READ_PLACES is off), and the places
    of unread ink among ``lines`` that look like a line of text, read by themselves
    (ml.segment.place_lines): those read surely, at their position in the page's reading order.
    Places a person dismissed, or that say why a line left them (show-through), are not read."""
    if not settings.RECOGNITION_READ_PLACES:
        return None, []
    read_from = page_state(page)
    places = [place for place in read_from.places if "dismissed_by" not in place and "note" not in place]
    layout = PageLayout(width=page.width, height=page.height, lines=[_text_line(line) for line in lines],
                        unread_ink=[place["polygon"] for place in places])
    read = read_places(gray, layout, lambda found: _read(recognizer, gray, found, language)[1])
    order = {id(line): n for n, line in enumerate(layout.lines)}
    shown = recognizer.shown([reading for _, reading in read])
    return read_from, [PlaceLine(order=order[id(line)], polygon=[list(p) for p in line.polygon],
                                 baseline=[list(p) for p in line.baseline], reading=reading)
                       for (line, _), reading in zip(read, shown)]


def _along_margins_the_right_way(
    recognizer: Recognizer, lines: list[Line], images: list[np.ndarray], predictions: list[LinePrediction],
    language: str | None,
) -> tuple[list[np.ndarray], list[LinePrediction]]:
    """The line images and readings, with lines running up or down the page that read far
    surer the other way turned round (their baselines too)."""
    along_margin = [i for i, line in enumerate(lines) if writing_direction(line.baseline) != "right"]
    turned = lines_read_turned(recognizer, images, predictions, along_margin, language=language)
    if not turned:
        return images, predictions
    lines_turn_round(line_ids=[lines[i].id for i in turned])
    images = [half_turned(image) if i in turned else image for i, image in enumerate(images)]
    return images, [turned.get(i, prediction) for i, prediction in enumerate(predictions)]


def _first_read(page: Page, unread: list[Line]) -> bool:
    """Only a page as uploaded, all of whose lines the segmenter found: not one imported,
    turned by a person, or with lines a person drew or wrote."""
    first_segmentation = Job.objects.filter(page=page, stage=JobStage.SEGMENT).count() == 1
    return first_segmentation and len(unread) == page.lines.count()


def _without(indices: list[int], items: list) -> list:
    drop = set(indices)
    return [item for i, item in enumerate(items) if i not in drop]


def _text_line(line: Line) -> TextLine:
    return TextLine(
        id=str(line.id),
        polygon=[(x, y) for x, y in line.polygon],
        baseline=[(x, y) for x, y in line.baseline],
    )


def job_segment(*, job: Job) -> int:
    return page_segment(page=job.page)


def job_places_find(*, job: Job) -> int:
    return page_places_find(page=job.page)


def job_recognize(*, job: Job) -> int:
    return _read_with_document_model(job, page_recognize)


def job_read_again(*, job: Job) -> int:
    return _read_with_document_model(job, page_read_again)


def _read_with_document_model(job: Job, read: Callable[..., int]) -> int:
    """Read the job's page with the model for its document (tuned to it, else the one for its kind),
    recording on the job which it was."""
    model = model_for_document(job.document)
    Job.objects.filter(pk=job.pk).update(model=model)
    return read(page=job.page, model=model, on_progress=lambda p: job_progress(job=job, progress=p))
