"""Turning and deleting pages, and storing the lines the segmenter found on one."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import PurePosixPath
from typing import Iterator

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from documents.errors import PageNotDeleted, PageNotTurned
from documents.layouts import line_polygon
from documents.models import HUMAN_SOURCES, Document, Line, LineText, Page, UnreadInk
from documents.services.sharing import check_owner
from documents.services.unread_ink import page_places_set
from documents.services.uploads import stored_files_removed_on_error
from documents.uploads import turn_image
from ml.layout import PageLayout


def page_turn(*, page: Page, quarter_turns: int) -> Page:
    """Turn the page's image clockwise by ``quarter_turns`` (1-3); the caller has its lines found again.

    Its lines are removed, so a page with text a person saved (or imported) is
    refused: turning it would lose their work. So is a page recognition is working on.
    """
    with _image_turned(page, quarter_turns, by_a_person=True):
        pass
    return page


def page_turn_upright(*, page: Page, quarter_turns: int, layout: PageLayout) -> Page:
    """The page was read the wrong way round: turn its image clockwise by ``quarter_turns`` and
    store ``layout``, the lines found on the turned image, instead of the old ones (all at once)."""
    with _image_turned(page, quarter_turns):
        page_lines_create(page=page, layout=layout)
    return page


@contextmanager
def _image_turned(page: Page, quarter_turns: int, by_a_person: bool = False) -> Iterator[None]:
    """Inside, in one transaction: the page has the turned image and no lines. The image is
    turned and stored before the rows change, and the old one is deleted only once they have."""
    if quarter_turns not in (1, 2, 3):
        raise ValueError(f"quarter_turns must be 1, 2 or 3, not {quarter_turns!r}")
    old_name = page.image.name
    extension = PurePosixPath(old_name).suffix.lstrip(".")
    with page.image.open("rb") as stored_image:
        image = turn_image(stored_image.read(), quarter_turns, extension)
    with stored_files_removed_on_error() as stored, transaction.atomic():
        locked = Page.objects.select_for_update().get(pk=page.pk)
        lines = list(Line.objects.select_for_update().filter(page=page))
        if LineText.objects.filter(line__in=lines, source__in=HUMAN_SOURCES).exists():
            raise PageNotTurned("A person has saved text on this page: turning it would lose that text, so it was not turned.")
        if by_a_person and locked.processing:
            raise PageNotTurned("This page is still being processed: turn it once that is done.")
        page.image.save(f"page-{page.number:04d}.{extension}", ContentFile(image.content), save=False)
        stored.append(page.image.name)
        page.width, page.height = image.width, image.height
        page.save(update_fields=["image", "width", "height"])
        UnreadInk.objects.filter(page=page).delete()
        Line.objects.filter(page=page).delete()
        yield
    transaction.on_commit(lambda: default_storage.delete(old_name))


def page_delete(*, page: Page, by: AbstractBaseUser) -> None:
    """The owner deletes a page (a wrong scan): its image, lines and text go, and the pages after it
    move up one. Refused while a model is being tuned to the document (the run holds its lines)."""
    check_owner(page.document, by, "delete its pages")
    image = page.image.name
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=page.document_id)
        if document.pages.count() == 1:
            raise PageNotDeleted("This is the document's only page: delete the document instead.")
        if document.being_tuned:
            raise PageNotDeleted("A model is being tuned to this document: delete the page once that has finished.")
        page.delete()
        for later in document.pages.filter(number__gt=page.number).order_by("number"):  # one by one: numbers are unique
            Page.objects.filter(pk=later.pk).update(number=later.number - 1)
    transaction.on_commit(lambda: default_storage.delete(image))


def page_lines_create(*, page: Page, layout: PageLayout) -> int:
    """Store the segmenter's lines for a page that has none; returns how many the page has.

    Running it again (a re-delivered task) changes nothing.
    """
    with transaction.atomic():
        locked = Page.objects.select_for_update().get(pk=page.pk)
        existing = locked.lines.count()
        if existing:
            return existing
        Line.objects.bulk_create(line_rows(page=locked, layout=layout))
        page_places_set(page=locked, places=layout.unread_ink)
        return len(layout.lines)


def line_rows(*, page: Page, layout: PageLayout, revision: int = 0) -> list[Line]:
    """Unsaved Line rows for the layout's lines, in its reading order."""
    return [
        Line(
            page=page,
            order=order,
            polygon=[list(p) for p in line_polygon(line, layout)],
            baseline=[list(p) for p in line.baseline],
            line_type=line.line_type or "default",
            revision=revision,
        )
        for order, line in enumerate(layout.lines)
    ]
