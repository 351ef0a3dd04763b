"""Reading the writing in places of unread ink, as if a person drew a box round each of its lines."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from django.db import transaction

from documents.errors import PlaceGone
from documents.layouts import drawn_box, insertion_index, line_thickness, mostly_inside, place_runs_along_margin
from documents.models import Line, Page
from documents.services.lines import (
    PageState,
    free_line,
    refuse_while_processing,
    line_insert,
    page_edit,
    page_gray,
    page_state,
    places_taken_in,
)
from documents.services.texts import line_texts_add_model
from documents.services.unread_ink import open_places, places_save
from ml.layout import LinePrediction
from ml.layout.geometry import bounding_box, box_iou

# A place's box is the extent of its ink found at a coarse scale: read, it is widened by this
# share of its thickness each way (at least PLACE_MARGIN_MIN pixels), as a person draws a box
# round writing with room to spare; the fit then finds the writing in it.
PLACE_MARGIN = 0.25
PLACE_MARGIN_MIN = 4
# A place is read a line at a time, then what the lines left of it (a place over three lines of
# print, a block of margin notes), in PLACE_READINGS rounds at most; "read them all" goes over the
# places READ_ALL_ROUNDS times at most. What is left that is shorter than PLACE_MIN_SIZE of the
# page's line height is a crumb, not read. "Read them all" takes places at most READ_ALL_MAX_LINES
# times as high as the page's lines; DEFAULT_LINE_HEIGHT on a page without lines.
PLACE_READINGS, READ_ALL_ROUNDS = 12, 4
# The lines of one place are alike: one less than this share as thick as its first is not its writing.
ALIKE = 0.6
READ_ALL_MAX_LINES, PLACE_MIN_SIZE = 3, 0.5
DEFAULT_LINE_HEIGHT = 60


def place_read(*, page: Page, place_id: int, direction: str = "right") -> list[Line]:
    """Have the writing in a place of unread ink read, as if a person drew a box round each of its lines.

    The first line holds the writing the fit finds in the place's box; what it leaves of the place
    is read in turn (a block of margin notes, two lines of print), crumbs aside; the caller has one
    recognition job read the new lines. ``direction`` is the way the writing runs, as for ``line_add``.
    Raises PlaceGone when the page has no such open place, ValueError when the place lies off the
    page, LineEditRefused while the page is processed (no line is added then).
    """
    place = next((place for place in page.unread_places if place["id"] == place_id), None)
    if place is None:
        raise PlaceGone("This place is no longer on the page (a line took it in, or it was dismissed): reload the page.")
    box = drawn_box(_place_box(place["polygon"]), page.width, page.height)
    newest = max(other["id"] for other in page.unread_ink)

    def of_the_place(other: dict, line_height: float) -> bool:
        if other["id"] == place_id and other["polygon"] == place["polygon"]:
            return True  # the place as the person chose it, whatever its size
        return ((other["id"] == place_id or other["id"] > newest) and mostly_inside(other["polygon"], box)
                and _long_enough(other["polygon"], line_height))

    lines = _places_read(page, of_the_place, direction, rounds=PLACE_READINGS, one_place=True)
    if not lines:
        raise ValueError("No writing was found in this place at full resolution: draw a box round it to have it "
                         "read as it is, or dismiss it.")
    return lines


def places_read_all(*, page: Page) -> list[Line]:
    """Have the writing in every open place of unread ink that could hold a line or two read along
    the page, as ``place_read`` does one at a time. Margin notes, places
    many lines high and crumbs are left for a person (``_reads_as_lines``). Raises LineEditRefused
    while the page is processed; no line is added then."""
    return _places_read(page, _reads_as_lines, "right", rounds=READ_ALL_ROUNDS, one_place=False)


def _places_read(
    page: Page, chosen: Callable[[dict, float], bool], direction: str, rounds: int, one_place: bool
) -> list[Line]:
    """Lines made from the open places ``chosen`` takes (given the page's line height), round after
    round (``rounds`` at most): what a line left of a place is read in the next. The lines are
    worked out on the page image first, then written at once; the caller has them read."""
    gray = page_gray(page)

    def write(locked: Page, worked_out: tuple[list[tuple[int, list, list]], list[dict]]) -> list[Line]:
        new, places = worked_out
        if new:
            refuse_while_processing(locked)
        lines = [line_insert(locked, order, polygon, baseline) for order, polygon, baseline in new]
        places_save(locked, places)
        return lines

    return page_edit(page, lambda state: _lines_found(page, state, gray, chosen, direction, rounds, one_place), write)


@dataclass(frozen=True)
class PlaceLine:
    """A line a page's first reading found in a place of unread ink and read surely: its position
    in the page's reading order once added, its outline and baseline (page pixels), its reading."""

    order: int
    polygon: list
    baseline: list
    reading: LinePrediction


def page_place_lines_add(
    *, page: Page, gray: np.ndarray | None, read_from: PageState, lines: list[PlaceLine], model_version: str
) -> list[Line]:
    """Add the lines the first reading read in places of unread ink, with their readings as the
    model's text (``model_version``); the ink each takes in leaves the places as a line a person
    drew there does (what it leaves out stays a place). Nothing is added when the page's lines or
    places are no longer ``read_from``, those the places were read among (a job run twice adds
    them once; a person's change is never overwritten). Returns the lines added."""
    if not lines:
        return []
    lines = sorted(lines, key=lambda line: line.order)
    polygons, places = list(read_from.polygons), read_from.places
    for line in lines:
        box = tuple(round(v) for v in bounding_box(line.polygon))
        places = places_taken_in(page, places, gray, box, line.polygon, polygons)
        polygons.insert(line.order, line.polygon)
    with transaction.atomic():
        locked = Page.objects.select_for_update().get(pk=page.pk)
        if page_state(locked) != read_from:
            return []
        made = [line_insert(locked, line.order, line.polygon, line.baseline) for line in lines]
        places_save(locked, places)
        line_texts_add_model(predictions={row.id: line.reading for row, line in zip(made, lines)},
                             model_version=model_version)
    return made


def _lines_found(
    page: Page, state: PageState, gray: np.ndarray | None, chosen: Callable[[dict, float], bool],
    direction: str, rounds: int, one_place: bool,
) -> tuple[list[tuple[int, list, list]], list[dict]]:
    """The lines (reading position when added, outline, baseline) in the order they are to be added,
    and the places of unread ink left once they are. A place is done when it holds no writing that
    no line holds, or its next line would repeat one. Reading ``one_place`` a person chose, a place
    a line left whole (it took little of its ink) is read again for its next line, and a line less
    than ALIKE times as thick as the first is no line of it (a frame drawn round a block of notes,
    a rule, crumbs): its ink is left as it is."""
    polygons, places = list(state.polygons), state.places
    new: list[tuple[int, list, list]] = []
    read: set[tuple] = set()  # places as they were when read
    done: set[int] = set()
    passed_over: list[list] = []  # outlines of lines too thin to be one place's writing
    line_height = _median_line_height(polygons)

    def as_read(place: dict) -> tuple:
        return place["id"], tuple(map(tuple, place["polygon"]))

    for _ in range(rounds):
        to_read = [as_read(place) for place in open_places(places)
                   if chosen(place, line_height) and place["id"] not in done
                   and (one_place or as_read(place) not in read)]
        for place in to_read:
            read.add(place)
            if place not in {as_read(open_place) for open_place in open_places(places)}:
                continue  # a line just added took it in, or part of it (read on the next round)
            try:
                box = drawn_box(_place_box(place[1]), page.width, page.height)
            except ValueError:  # too small to hold writing
                done.add(place[0])
                continue
            fitted = free_line(page, gray, box, direction, polygons + passed_over)
            if fitted is None or _repeats(fitted[0], polygons):
                done.add(place[0])
            elif one_place and new and line_thickness(fitted[0]) < ALIKE * line_thickness(new[0][1]):
                passed_over.append(fitted[0])
            else:
                polygon, baseline = fitted
                order = insertion_index([bounding_box(p) for p in polygons], bounding_box(polygon))
                places = places_taken_in(page, places, gray, box, polygon, polygons)
                polygons.insert(order, polygon)
                new.append((order, polygon, baseline))
    return new, places


def _repeats(polygon: list, polygons: list) -> bool:
    """Whether a line outlined by ``polygon`` would be one of the lines outlined by ``polygons``:
    their boxes overlap by more than half of the two together."""
    box = bounding_box(polygon)
    return any(box_iou(box, bounding_box(other)) > 0.5 for other in polygons)


def _median_line_height(polygons: list[list]) -> float:
    """The median height of the lines' outlines (pixels)."""
    heights = [bounding_box(p)[3] - bounding_box(p)[1] for p in polygons if p]
    return float(np.median(heights)) if heights else DEFAULT_LINE_HEIGHT


def _reads_as_lines(place: dict, line_height: float) -> bool:
    """Whether "read them all" takes a place: one that could hold a line or two of writing along
    the page. Not a margin note (which way does it run?), not a place many lines high (a drawing,
    a stamp with notes round it: read as one line it is nonsense over other lines), not a crumb."""
    polygon = place["polygon"]
    x0, y0, x1, y1 = bounding_box(polygon)
    return (
        not place_runs_along_margin(polygon)
        and y1 - y0 <= READ_ALL_MAX_LINES * line_height
        and _long_enough(polygon, line_height)
    )


def _long_enough(polygon: Sequence[Sequence[float]], line_height: float) -> bool:
    """Not a crumb: a place at least PLACE_MIN_SIZE of a line height long, whichever way it runs."""
    x0, y0, x1, y1 = bounding_box(polygon)
    return max(x1 - x0, y1 - y0) >= PLACE_MIN_SIZE * line_height


def _place_box(polygon: Sequence[Sequence[float]]) -> tuple[int, int, int, int]:
    """The box a person would draw round a place: its own, widened (PLACE_MARGIN)."""
    x0, y0, x1, y1 = bounding_box(polygon)
    margin = max(PLACE_MARGIN_MIN, round(PLACE_MARGIN * min(x1 - x0, y1 - y0)))
    return x0 - margin, y0 - margin, x1 + margin, y1 + margin
