"""A person's changes to the lines of a page: drawing one, drawing one again, removing one.

The page image is read and the drawn box fitted to the writing before any row is locked; the
rows are then written in one short transaction, if the page's lines and places of unread ink are
still those the work began from (else it is done again from them).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, TypeVar

import numpy as np
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F

from documents.errors import LineEditRefused, LineRemoved
from documents.layouts import REMOVED_NOTE, drawn_box, insertion_index, places_left, places_left_out
from documents.models import HUMAN_SOURCES, Line, Page
from documents.services.unread_ink import places_after, places_save
from ml.segment.drawn_line import box_line, fit_drawn_line, fit_free_line
from ml.layout.geometry import bounding_box

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# How often a change is worked out again when others changed the page meanwhile, before it is refused.
EDIT_ATTEMPTS = 3


@dataclass(frozen=True)
class PageState:
    """What a change to a page's lines is worked out from: its lines (id and outline, in reading
    order) and its places of unread ink."""

    lines: list[tuple[object, list]]
    places: list[dict]

    @property
    def polygons(self) -> list[list]:
        return [polygon for _, polygon in self.lines]

    def others(self, line_id: object) -> list[list]:
        return [polygon for other, polygon in self.lines if other != line_id]


def page_state(page: Page) -> PageState:
    lines = list(Line.objects.filter(page=page).order_by("order").values_list("id", "polygon"))
    return PageState(lines=[(id_, polygon) for id_, polygon in lines], places=page.unread_ink)


def page_edit(page: Page, work_out: Callable[[PageState], T], write: Callable[[Page, T], R]) -> R:
    """``write`` (given the locked page) what ``work_out`` found from the page as it is, in one
    short transaction; the image work in ``work_out`` holds no lock."""
    for _ in range(EDIT_ATTEMPTS):
        state = page_state(page)
        worked_out = work_out(state)
        with transaction.atomic():
            locked = Page.objects.select_for_update().get(pk=page.pk)
            if locked.unread_ink == state.places and _line_outlines(locked) == state.lines:
                return write(locked, worked_out)
    raise LineEditRefused("Others kept changing this page's lines meanwhile: reload the page and try again.")


def _line_outlines(page: Page) -> list[tuple[object, list]]:
    return list(Line.objects.filter(page=page).order_by("order").values_list("id", "polygon"))


def line_add(*, page: Page, box: tuple[float, float, float, float], direction: str = "right") -> Line:
    """Add a line a person drew around text the segmenter missed, and have it read.

    ``box`` is (x0, y0, x1, y1) in page pixels; it is cut to the page, and ValueError
    says when too little of it is left. ``direction`` is the way the writing runs:
    "right", or "up" / "down" for text written along a margin. The box is fitted to the
    writing nearest its middle. The line takes its place in the page's reading order; the caller
    has it read. Refused (LineEditRefused) while the page is being processed.
    """
    box = drawn_box(box, page.width, page.height)
    gray = page_gray(page)
    polygon, baseline = drawn_line(page, gray, box, direction)

    def work_out(state: PageState) -> tuple[int, list[dict]]:
        order = insertion_index([bounding_box(p) for p in state.polygons], bounding_box(polygon))
        return order, places_taken_in(page, state.places, gray, box, polygon, state.polygons)

    def write(locked: Page, worked_out: tuple[int, list[dict]]) -> Line:
        order, places = worked_out
        refuse_while_processing(locked)
        line = line_insert(locked, order, polygon, baseline)
        places_save(locked, places)
        return line

    return page_edit(page, work_out, write)


def line_redraw(*, line: Line, box: tuple[float, float, float, float], direction: str = "right") -> Line:
    """Give a line the box a person drew round it where the segmenter cut it short, ran it into
    its neighbour or took in part of another line.

    Text a person saved or imported stays the line's text (it is what the box holds now);
    a model's reading of the old box is dropped, for the caller to have the line read again. The line moves to
    its place in reading order. ``box`` and ``direction`` are as for ``line_add``. Raises
    LineRemoved when the line went meanwhile, LineEditRefused while the page is processed.
    """
    page = line.page
    box = drawn_box(box, page.width, page.height)
    gray = page_gray(page)
    polygon, baseline = drawn_line(page, gray, box, direction)
    gone = "This line was removed by someone else meanwhile: reload the page."

    def work_out(state: PageState) -> tuple[int, list[dict]]:
        old_polygon = dict(state.lines).get(line.pk)
        if old_polygon is None:
            raise LineRemoved(gone)
        others = state.others(line.pk)
        order = insertion_index([bounding_box(p) for p in others], bounding_box(polygon))
        places = places_taken_in(page, state.places, gray, box, polygon, others)
        if gray is not None:
            places = places_after(page, places, lambda places: places_left_out(places, gray, old_polygon, [polygon, *others]),
                                  "Looking for ink left out of the old outline")
        return order, places

    def write(locked_page: Page, worked_out: tuple[int, list[dict]]) -> Line:
        order, places = worked_out
        locked = Line.objects.select_for_update().filter(pk=line.pk).first()
        if locked is None:
            raise LineRemoved(gone)
        refuse_while_processing(locked_page)
        vouched = locked.versions.filter(source__in=HUMAN_SOURCES).exists()
        if not vouched:
            locked.versions.all().delete()
            locked.revision += 1  # its text changes: an edit begun on the old reading is stale
        _line_reorder(line=locked, to=order)
        locked.polygon, locked.baseline, locked.order = polygon, baseline, order
        locked.save(update_fields=["polygon", "baseline", "order", "revision"])
        places_save(locked_page, places)
        return locked

    return page_edit(page, work_out, write)


def line_remove(*, line: Line, by: AbstractBaseUser | None = None) -> None:
    """Remove a line that is not text (a stamp, a rule, a smudge). A line with text a person
    saved or imported is refused: removing it would lose that text. The ink it held that no other
    line holds stays on view as a place ``by`` dismissed, which can be undone and read again."""
    page = line.page
    gray = page_gray(page)
    dismissed_by = by.get_username() if by is not None else "(not known)"

    def work_out(state: PageState) -> list[dict] | None:
        polygon = dict(state.lines).get(line.pk)
        if polygon is None or gray is None:
            return state.places
        others = state.others(line.pk)
        return places_after(page, state.places,
                            lambda places: places_left_out(places, gray, polygon, others, REMOVED_NOTE, dismissed_by),
                            "Keeping the ink of the removed line")

    def write(locked_page: Page, places: list[dict]) -> None:
        locked = Line.objects.select_for_update().filter(pk=line.pk).first()
        if locked is None:
            return  # removed meanwhile by someone else
        if locked.versions.filter(source__in=HUMAN_SOURCES).exists():
            raise LineEditRefused(
                "A person has saved text for this line: removing it would lose that text, so it was not removed."
            )
        refuse_while_processing(locked_page)
        locked.delete()
        lines_move(page=locked_page, start=locked.order + 1, by=-1)
        places_save(locked_page, places)

    page_edit(page, work_out, write)


def refuse_while_processing(page: Page) -> None:
    """A running job would write to lines that moved or went."""
    if page.processing:
        raise LineEditRefused("This page is still being processed: change its lines once that is done.")


def lines_turn_round(*, line_ids: list[object]) -> None:
    """These lines read the other way round: their baselines run back (the writing of a line
    drawn up a margin runs down it)."""
    with transaction.atomic():
        for line in Line.objects.select_for_update().filter(pk__in=line_ids):
            line.baseline = line.baseline[::-1]
            line.save(update_fields=["baseline"])


def page_gray(page: Page) -> np.ndarray | None:
    """The page image as gray, or None (logged) when it cannot be read: a drawn line is then
    taken as drawn and the places are kept as they are."""
    try:
        return page.gray()
    except Exception:
        log.exception("The image of page %s could not be read", page.pk)
        return None


def drawn_line(page: Page, gray: np.ndarray | None, box: tuple[int, int, int, int], direction: str) -> tuple[list, list]:
    """The polygon and baseline of the writing a person drew ``box`` round, fitted to its ink
    (a loose box read as it is takes in parts of the lines above and below)."""
    if gray is None:
        polygon, baseline = box_line(box, direction)
    else:
        try:
            polygon, baseline = fit_drawn_line(gray, box, direction)
        except Exception:  # a fault in the fitting must not lose the person's box: it is taken as drawn
            log.exception("Fitting the box %s on page %s failed; the box is taken as drawn", box, page.pk)
            polygon, baseline = box_line(box, direction)
    return [list(p) for p in polygon], [list(p) for p in baseline]


def free_line(
    page: Page, gray: np.ndarray | None, box: tuple[int, int, int, int], direction: str, taken: list
) -> tuple[list, list] | None:
    """The polygon and baseline of the densest writing in a place's ``box`` that none of the
    ``taken`` lines holds; None when there is none. An image that cannot be read, or a fault in
    the fitting (logged), gives the box as it is."""
    try:
        fitted = box_line(box, direction) if gray is None else fit_free_line(gray, box, direction, taken)
    except Exception:
        log.exception("Fitting the place box %s on page %s failed; the box is taken as it is", box, page.pk)
        fitted = box_line(box, direction)
    if fitted is None:
        return None
    return [list(p) for p in fitted[0]], [list(p) for p in fitted[1]]


def places_taken_in(
    page: Page, places: list[dict], gray: np.ndarray | None, box: tuple[int, int, int, int], polygon: list, others: list
) -> list[dict]:
    """The places of unread ink once the line fitted to ``polygon`` in ``box`` is read, beside the
    ``others`` lines already there (``places_left``); as they are when the image could not be read."""
    if gray is None:
        return places
    return places_after(page, places, lambda places: places_left(places, gray, box, polygon, others),
                        f"Taking in the places under box {box}")


def line_insert(page: Page, order: int, polygon: list, baseline: list) -> Line:
    """A new line at reading position ``order`` of the locked ``page``, the lines from there on moving back one."""
    lines_move(page=page, start=order, by=1)
    return Line.objects.create(page=page, order=order, polygon=polygon, baseline=baseline)


# Far beyond any page's line count: orders move there and back, because the unique
# (page, order) constraint is checked row by row as an UPDATE shifts them.
_ASIDE = 1_000_000


def lines_move(*, page: Page, start: int, by: int, end: int = _ASIDE) -> None:
    """Move the lines at reading positions ``start`` up to ``end`` (not included) by ``by`` places."""
    Line.objects.filter(page=page, order__gte=start, order__lt=end).update(order=F("order") + _ASIDE)
    Line.objects.filter(page=page, order__gte=_ASIDE).update(order=F("order") - _ASIDE + by)


def _line_reorder(*, line: Line, to: int) -> None:
    """Move ``line`` to reading position ``to``, the lines in between closing up behind it."""
    if to == line.order:
        return
    Line.objects.filter(pk=line.pk).update(order=_ASIDE - 1)  # out of the way of the others
    if to > line.order:
        lines_move(page=line.page, start=line.order + 1, end=to + 1, by=-1)
    else:
        lines_move(page=line.page, start=to, end=line.order, by=1)
