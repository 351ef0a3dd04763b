"""Everything that writes documents, pages, lines and text versions."""
from __future__ import annotations

import logging
import shutil
from contextlib import contextmanager
from datetime import datetime
from pathlib import PurePosixPath
from typing import Callable, Iterator, Sequence

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from documents.layouts import (
    REMOVED_NOTE,
    drawn_box,
    insertion_index,
    line_polygon,
    line_thickness,
    mostly_inside,
    place_runs_along_margin,
    places_left,
    places_left_out,
)
from documents.models import HUMAN_SOURCES, Document, DocumentKind, Line, LineText, Page, TextSource, current_version
from documents.selectors import prescription_retention
from documents.signals import (
    document_deleting,
    document_imported,
    document_uploaded,
    page_deleting,
    page_lines_edited,
    page_turned,
    pages_added,
)
from documents.imports import match_layouts
from documents.uploads import PageImage, UploadError, UploadedFile, read_pages, turn_image
from ml.layout import LinePrediction, PageLayout, Point
from ml.layout.formats.writing import bounding_box
from ml.segment.drawn_line import box_line, fit_drawn_line, fit_free_line

log = logging.getLogger(__name__)


class StaleRevision(Exception):
    """A save named a revision that is no longer the line's; nothing was written."""

    def __init__(self, line: Line, current: LineText | None) -> None:
        self.line = line
        self.current = current
        super().__init__(
            "This line was changed by someone else while you were editing it. "
            "Your text was not saved and is still in the box; compare it with the newer text, "
            "then save again."
        )


class LineRemoved(Exception):
    """A change to a line that was removed meanwhile; nothing was written."""

    def __init__(
        self,
        message: str = "This line was removed by someone else while you were editing it. "
        "Your text was not saved and is still in the box: copy it, then reload the page.",
    ) -> None:
        super().__init__(message)


def document_upload(
    *, owner: AbstractBaseUser, kind: str, title: str, files: list[UploadedFile]
) -> Document:
    """Create a document from uploaded scans and start processing it.

    Every file is decoded before anything is written (raises UploadError);
    the rows are written in one transaction and stored images are removed
    again if it fails.
    """
    pages = read_pages(files)
    with _stored_files_removed_on_error() as stored, transaction.atomic():
        document = Document.objects.create(owner=owner, kind=kind, title=title)
        for number, image in enumerate(pages, start=1):
            stored.append(_page_create(document=document, number=number, image=image).image.name)
        # Recognition listens and queues its jobs once this transaction commits.
        document_uploaded.send(sender=Document, document=document)
    return document


def document_pages_add(*, document: Document, by: AbstractBaseUser, files: list[UploadedFile]) -> list[Page]:
    """The owner adds scans at the end of a document (the next week's notes); they are read with the
    model that reads the document, tuned to its hand if one is. Raises NotOwner, UploadError; as on
    upload, nothing is written unless every file is read."""
    _check_owner(document, by, "add pages to it")
    images = read_pages(files)
    with _stored_files_removed_on_error() as stored, transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        last = locked.pages.aggregate(last=Max("number"))["last"] or 0
        if last + len(images) > settings.UPLOAD_MAX_PAGES:
            raise UploadError(f"A document can have at most {settings.UPLOAD_MAX_PAGES} pages; this one has {last}, "
                              f"and the files hold {len(images)}.")
        pages = []
        for number, image in enumerate(images, start=last + 1):
            pages.append(_page_create(document=locked, number=number, image=image))
            stored.append(pages[-1].image.name)
        # Recognition listens and queues the new pages' jobs once this transaction commits.
        pages_added.send(sender=Document, document=locked, pages=pages)
    return pages


def _page_create(*, document: Document, number: int, image: PageImage) -> Page:
    page = Page(document=document, number=number, width=image.width, height=image.height)
    page.image.save(f"page-{number:04d}.{image.extension}", ContentFile(image.content), save=False)
    page.save()
    return page


@contextmanager
def _stored_files_removed_on_error() -> Iterator[list[str]]:
    """Collects the names of stored files and deletes them if the block raises."""
    names: list[str] = []
    try:
        yield names
    except BaseException:
        for name in names:
            default_storage.delete(name)
        raise


class PageNotTurned(Exception):
    """A page that cannot be turned now; the message says why."""


def page_turn(*, page: Page, quarter_turns: int) -> Page:
    """Turn the page's image clockwise by ``quarter_turns`` (1-3) and have its lines found again.

    Its lines are removed, so a page with text a person saved (or imported) is
    refused: turning it would lose their work.
    """
    with _image_turned(page, quarter_turns):
        page_turned.send(sender=Page, page=page)
    return page


def page_turn_upright(*, page: Page, quarter_turns: int, layout: PageLayout) -> Page:
    """The page was read the wrong way round: turn its image clockwise by ``quarter_turns`` and
    store ``layout``, the lines found on the turned image, instead of the old ones (all at once)."""
    with _image_turned(page, quarter_turns):
        page_lines_create(page=page, layout=layout)
    return page


@contextmanager
def _image_turned(page: Page, quarter_turns: int) -> Iterator[None]:
    """Inside, in one transaction: the page has the turned image and no lines. The new image
    is stored before the rows change, and the old one is deleted only once they have."""
    if quarter_turns not in (1, 2, 3):
        raise ValueError(f"quarter_turns must be 1, 2 or 3, not {quarter_turns!r}")
    old_name = page.image.name
    extension = PurePosixPath(old_name).suffix.lstrip(".")
    with page.image.open("rb") as stored_image:
        image = turn_image(stored_image.read(), quarter_turns, extension)
    with _stored_files_removed_on_error() as stored, transaction.atomic():
        lines = list(Line.objects.select_for_update().filter(page=page))
        if LineText.objects.filter(line__in=lines, source__in=HUMAN_SOURCES).exists():
            raise PageNotTurned("A person has saved text on this page: turning it would lose that text, so it was not turned.")
        page.image.save(f"page-{page.number:04d}.{extension}", ContentFile(image.content), save=False)
        stored.append(page.image.name)
        page.width, page.height, page.unread_ink = image.width, image.height, []
        page.save(update_fields=["image", "width", "height", "unread_ink"])
        Line.objects.filter(page=page).delete()
        yield
    transaction.on_commit(lambda: default_storage.delete(old_name))


def document_share(*, document: Document, user: AbstractBaseUser) -> None:
    if user.pk != document.owner_id:
        document.collaborators.add(user)


class SharingError(Exception):
    """A sharing change that cannot be made; the message says why, for the person who asked."""


def document_share_with(*, document: Document, by: AbstractBaseUser, username: str) -> AbstractBaseUser:
    """The owner lets another user read, correct and export the document."""
    _check_owner(document, by)
    user = get_user_model().objects.filter(username__iexact=username.strip()).first()
    if user is None:
        raise SharingError(f"There is no user named “{username.strip()}”. Check the spelling, or ask them to sign up.")
    if user.pk == document.owner_id:
        raise SharingError("You own this document: it is yours already.")
    document_share(document=document, user=user)
    return user


def document_unshare(*, document: Document, by: AbstractBaseUser, username: str) -> bool:
    """The owner stops sharing with ``username``; the texts that person saved stay, with their name
    on them. False when the document was not shared with them."""
    _check_owner(document, by)
    people = list(document.collaborators.filter(username=username))
    document.collaborators.remove(*people)
    return bool(people)


class NotOwner(SharingError):
    """Someone other than the owner tried to change the sharing, or to delete the document."""


def _check_owner(document: Document, user: AbstractBaseUser, action: str = "change who it is shared with") -> None:
    if user.pk != document.owner_id:
        raise NotOwner(f"Only the owner of a document can {action}.")


def document_edit(*, document: Document, by: AbstractBaseUser, title: str, kind: str) -> Document:
    """The owner renames the document or corrects its kind (which sets how strictly its characters
    are marked, and which model reads its pages from now on)."""
    _check_owner(document, by, "change its title or kind")
    document.title, document.kind = title.strip(), kind
    document.save(update_fields=["title", "kind"])
    return document


class PageNotDeleted(Exception):
    """A page that cannot be deleted now; the message says why."""


def page_delete(*, page: Page, by: AbstractBaseUser) -> None:
    """The owner deletes a page (a wrong scan): its image, lines and text go, and the pages after it
    move up one. Recognition may refuse (documents.signals.page_deleting)."""
    _check_owner(page.document, by, "delete its pages")
    image = page.image.name
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=page.document_id)
        if document.pages.count() == 1:
            raise PageNotDeleted("This is the document's only page: delete the document instead.")
        page_deleting.send(sender=Page, page=page)
        page.delete()
        for later in document.pages.filter(number__gt=page.number).order_by("number"):  # one by one: numbers are unique
            Page.objects.filter(pk=later.pk).update(number=later.number - 1)
    transaction.on_commit(lambda: default_storage.delete(image))


class DocumentNotDeleted(Exception):
    """A document that cannot be deleted now; the message says why."""


def document_delete(*, document: Document, by: AbstractBaseUser) -> None:
    """The owner deletes the document: its pages, their images and lines, and every version of the
    lines' text. Recognition forgets what it learned from it, or refuses while it is learning
    (documents.signals.document_deleting). The images go once the rows have."""
    _check_owner(document, by, "delete it")
    folder = f"pages/{document.pk}"
    images = [page.image.name for page in document.pages.all()]
    with transaction.atomic():
        document_deleting.send(sender=Document, document=document)
        document.delete()
    transaction.on_commit(lambda: _stored_files_delete(folder, images))


def documents_delete_expired(*, now: datetime | None = None) -> int:
    """Delete the prescriptions kept longer than PRESCRIPTION_RETENTION_DAYS (0: kept until someone
    deletes them), as their owners would; one a model is being tuned to waits for the next round."""
    retention = prescription_retention()
    if retention is None:
        return 0
    cutoff = (now or timezone.now()) - retention
    deleted = 0
    for document in Document.objects.filter(kind=DocumentKind.PRESCRIPTION, created__lt=cutoff).select_related("owner"):
        try:
            document_delete(document=document, by=document.owner)
        except DocumentNotDeleted as error:
            log.info("prescription %s is past its retention but was not deleted: %s", document.pk, error)
            continue
        deleted += 1
    return deleted


def _stored_files_delete(folder: str, names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
    try:  # pages turned before left their earlier images there too
        shutil.rmtree(default_storage.path(folder), ignore_errors=True)
    except NotImplementedError:  # a storage with no local paths: the files named are gone
        pass


def page_lines_create(*, page: Page, layout: PageLayout) -> int:
    """Store the segmenter's lines for a page that has none; returns how many the page has.

    Running it again (a re-delivered task) changes nothing.
    """
    with transaction.atomic():
        locked = Page.objects.select_for_update().get(pk=page.pk)
        existing = locked.lines.count()
        if existing:
            return existing
        Line.objects.bulk_create(_line_rows(page=locked, layout=layout))
        locked.unread_ink = [
            {"id": n, "polygon": [list(p) for p in polygon]} for n, polygon in enumerate(layout.unread_ink, start=1)
        ]
        locked.save(update_fields=["unread_ink"])
        return len(layout.lines)


def _line_rows(*, page: Page, layout: PageLayout, revision: int = 0) -> list[Line]:
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


def line_texts_add_model(
    *, predictions: dict[object, LinePrediction], model_version: str
) -> int:
    """Add one model version per line (keyed by line id); lines that already have one
    from this model version are left alone. A person's text is never replaced: it
    stays the current text because human versions win. Returns how many were added."""
    with transaction.atomic():
        done = set(
            LineText.objects.filter(
                line_id__in=predictions.keys(), source=TextSource.MODEL, model_version=model_version
            ).values_list("line_id", flat=True)
        )
        new = {line_id: p for line_id, p in predictions.items() if line_id not in done}
        LineText.objects.bulk_create(
            LineText(
                line_id=line_id,
                text=p.text,
                confidences=[round(c, 4) for c in p.confidences],
                source=TextSource.MODEL,
                model_version=model_version,
            )
            for line_id, p in new.items()
        )
        Line.objects.filter(id__in=new.keys()).update(revision=F("revision") + 1)
    return len(new)


def line_text_save(*, line: Line, author: AbstractBaseUser, text: str, revision: int) -> LineText:
    """Save a person's text as a new version, if the line is still at ``revision``.

    Raises StaleRevision when another version was added since; nothing is written then.
    """
    with transaction.atomic():
        changed = Line.objects.filter(pk=line.pk, revision=revision).update(
            revision=F("revision") + 1
        )
        if not changed:
            if not Line.objects.filter(pk=line.pk).exists():
                raise LineRemoved()
            line.refresh_from_db()
            raise StaleRevision(line, current_version(list(line.versions.all())))
        version = LineText.objects.create(
            line=line, text=text, source=TextSource.HUMAN, author=author
        )
    line.revision = revision + 1
    return version


class LineEditRefused(Exception):
    """A line that cannot be added or removed now; the message says why."""


def line_add(*, page: Page, box: tuple[float, float, float, float], direction: str = "right") -> Line:
    """Add a line a person drew around text the segmenter missed, and have it read.

    ``box`` is (x0, y0, x1, y1) in page pixels; it is cut to the page, and ValueError
    says when too little of it is left. ``direction`` is the way the writing runs:
    "right", or "up" / "down" for text written along a margin. The box is fitted to the
    writing nearest its middle. The line takes its place in the page's reading order. Recognition
    refuses (LineEditRefused) while the page is being processed.
    """
    box = drawn_box(box, page.width, page.height)
    gray = _page_gray(page)
    with transaction.atomic():
        locked = Page.objects.select_for_update().get(pk=page.pk)
        polygons = _line_polygons(locked)
        line = _line_insert(locked, gray, box, *_drawn_line(page, gray, box, direction), polygons)
        page_lines_edited.send(sender=Page, page=page, to_read=line)
    page.unread_ink = locked.unread_ink
    return line


def _line_polygons(page: Page) -> list:
    """The outlines of the page's lines, in reading order."""
    return list(Line.objects.filter(page=page).order_by("order").values_list("polygon", flat=True))


def _line_insert(
    page: Page, gray: np.ndarray | None, box: tuple[int, int, int, int], polygon: list, baseline: list, polygons: list
) -> Line:
    """A new line with ``polygon`` and ``baseline``, fitted in the drawn ``box``, in its place in
    reading order among the page's lines (``polygons``), taking in the places of unread ink it
    covers. ``page`` is locked by the caller."""
    order = insertion_index([bounding_box(p) for p in polygons], bounding_box(polygon))
    _lines_move(page=page, start=order, by=1)
    line = Line.objects.create(page=page, order=order, polygon=polygon, baseline=baseline)
    if gray is not None:
        _places_take_in(page, gray, box, polygon, polygons)
    return line


def line_redraw(*, line: Line, box: tuple[float, float, float, float], direction: str = "right") -> Line:
    """Give a line the box a person drew round it where the segmenter cut it short, ran it into
    its neighbour or took in part of another line.

    Text a person saved or imported stays the line's text (it is what the box holds now);
    a model's reading of the old box is dropped and the line read again. The line moves to
    its place in reading order. ``box`` and ``direction`` are as for ``line_add``. Raises
    LineRemoved when the line went meanwhile, LineEditRefused while the page is processed.
    """
    page = line.page
    box = drawn_box(box, page.width, page.height)
    gray = _page_gray(page)
    polygon, baseline = _drawn_line(page, gray, box, direction)
    with transaction.atomic():
        locked_page = Page.objects.select_for_update().get(pk=page.pk)
        locked = Line.objects.select_for_update().filter(pk=line.pk).first()
        if locked is None:
            raise LineRemoved("This line was removed by someone else meanwhile: reload the page.")
        vouched = locked.versions.filter(source__in=HUMAN_SOURCES).exists()
        if not vouched:
            locked.versions.all().delete()
            locked.revision += 1  # its text changes: an edit begun on the old reading is stale
        others = list(Line.objects.filter(page=page).exclude(pk=locked.pk).order_by("order").values_list("polygon", flat=True))
        order = insertion_index([bounding_box(p) for p in others], bounding_box(polygon))
        _line_reorder(line=locked, to=order)
        old_polygon = locked.polygon
        locked.polygon, locked.baseline, locked.order = polygon, baseline, order
        locked.save(update_fields=["polygon", "baseline", "order", "revision"])
        if gray is not None:
            _places_take_in(locked_page, gray, box, polygon, others)
            _places_update(locked_page, lambda places: places_left_out(places, gray, old_polygon, [polygon, *others]),
                           "Looking for ink left out of the old outline")
        page_lines_edited.send(sender=Page, page=page, to_read=None if vouched else locked)
    page.unread_ink = locked_page.unread_ink
    return locked


def _page_gray(page: Page) -> np.ndarray | None:
    """The page image as gray, or None (logged) when it cannot be read: a drawn line is then
    taken as drawn and the places are kept as they are."""
    try:
        return page.gray()
    except Exception:
        log.exception("The image of page %s could not be read", page.pk)
        return None


def _drawn_line(page: Page, gray: np.ndarray | None, box: tuple[int, int, int, int], direction: str) -> tuple[list, list]:
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


def _free_line(
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


def _places_take_in(page: Page, gray: np.ndarray, box: tuple[int, int, int, int], polygon: list, others: list) -> None:
    """The page's places of unread ink once the line fitted to ``polygon`` in ``box`` is read,
    beside the ``others`` lines already there (``places_left``)."""
    _places_update(page, lambda places: places_left(places, gray, box, polygon, others), f"Taking in the places under box {box}")


def _places_update(page: Page, update: Callable[[list[dict]], list[dict]], what: str) -> None:
    """Set the page's places of unread ink to ``update`` of them and save them. A fault (logged)
    leaves them as they were: it must not lose a person's line or an import, nor hide a place."""
    try:
        page.unread_ink = update(page.unread_ink)
    except Exception:
        log.exception("%s on page %s failed; its places are kept as they were", what, page.pk)
        return
    page.save(update_fields=["unread_ink"])


def line_remove(*, line: Line, by: AbstractBaseUser | None = None) -> None:
    """Remove a line that is not text (a stamp, a rule, a smudge). A line with text a person
    saved or imported is refused: removing it would lose that text. The ink it held that no other
    line holds stays on view as a place ``by`` dismissed, which can be undone and read again."""
    gray = _page_gray(line.page)
    with transaction.atomic():
        page = Page.objects.select_for_update().get(pk=line.page_id)
        locked = Line.objects.select_for_update().filter(pk=line.pk).first()
        if locked is None:
            return  # removed meanwhile by someone else
        if locked.versions.filter(source__in=HUMAN_SOURCES).exists():
            raise LineEditRefused(
                "A person has saved text for this line: removing it would lose that text, so it was not removed."
            )
        page_lines_edited.send(sender=Page, page=page, to_read=None)
        locked.delete()
        _lines_move(page=page, start=locked.order + 1, by=-1)
        if gray is not None:
            others = list(Line.objects.filter(page=page).values_list("polygon", flat=True))
            dismissed_by = by.get_username() if by is not None else "(not known)"
            _places_update(page, lambda places: places_left_out(places, gray, locked.polygon, others, REMOVED_NOTE, dismissed_by),
                           "Keeping the ink of the removed line")


def lines_turn_round(*, line_ids: list[object]) -> None:
    """These lines read the other way round: their baselines run back (the writing of a line
    drawn up a margin runs down it)."""
    with transaction.atomic():
        for line in Line.objects.select_for_update().filter(pk__in=line_ids):
            line.baseline = line.baseline[::-1]
            line.save(update_fields=["baseline"])


def page_lines_set_aside(*, page: Page, line_ids: list[object], note: str) -> int:
    """Lines the reading found to be no text of this page (ink showing through from the back
    of the sheet) become places of unread ink saying why: still on view, nothing read there.
    Only lines with no text at all are set aside. Returns how many were."""
    with transaction.atomic():
        locked = Page.objects.select_for_update().get(pk=page.pk)
        aside = list(locked.lines.filter(pk__in=line_ids, versions__isnull=True).order_by("order"))
        first_id = max((place["id"] for place in locked.unread_ink), default=0) + 1
        locked.unread_ink += [
            {"id": n, "polygon": line.polygon, "note": note} for n, line in enumerate(aside, start=first_id)
        ]
        locked.save(update_fields=["unread_ink"])
        Line.objects.filter(pk__in=[line.pk for line in aside]).delete()
        for order, line in enumerate(list(locked.lines.order_by("order"))):  # close the gaps, front to back
            if line.order != order:
                Line.objects.filter(pk=line.pk).update(order=order)
    page.unread_ink = locked.unread_ink
    return len(aside)


def unread_ink_mark(*, page: Page, place_id: int, user: AbstractBaseUser, dismissed: bool) -> bool:
    """A person looked at a place of unread ink and found no text there (``dismissed``), or
    takes that back. False when the page has no such place (a drawn line took it in)."""
    with transaction.atomic():
        locked = Page.objects.select_for_update().get(pk=page.pk)
        place = next((place for place in locked.unread_ink if place["id"] == place_id), None)
        if place is None:
            return False
        if dismissed:
            place["dismissed_by"] = user.get_username()
        else:
            place.pop("dismissed_by", None)
        locked.save(update_fields=["unread_ink"])
    page.unread_ink = locked.unread_ink
    return True


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


class PlaceGone(Exception):
    """The page has no such place of unread ink (any more): a line took it in, or it was dismissed."""


def place_read(*, page: Page, place_id: int, direction: str = "right") -> list[Line]:
    """Have the writing in a place of unread ink read, as if a person drew a box round each of its lines.

    The first line holds the writing the fit finds in the place's box; what it leaves of the place
    is read in turn (a block of margin notes, two lines of print), crumbs aside, and one recognition
    job reads the new lines. ``direction`` is the way the writing runs, as for ``line_add``.
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
    the page, as ``place_read`` does one at a time, in one recognition job. Margin notes, places
    many lines high and crumbs are left for a person (``_reads_as_lines``). Raises LineEditRefused
    while the page is processed; no line is added then."""
    return _places_read(page, _reads_as_lines, "right", rounds=READ_ALL_ROUNDS, one_place=False)


def _places_read(
    page: Page, chosen: Callable[[dict, float], bool], direction: str, rounds: int, one_place: bool
) -> list[Line]:
    """Lines made from the open places ``chosen`` takes (given the page's line height), round after
    round (``rounds`` at most): what a line left of a place is read in the next. A place is done
    when it holds no writing that no line holds, or its next line would repeat one. Reading
    ``one_place`` a person chose, a place a line left whole (it took little of its ink) is read
    again for its next line, and a line less than ALIKE times as thick as the first is no line of
    it (a frame drawn round a block of notes, a rule, crumbs): its ink is left as it is. One
    recognition job reads them all."""
    gray = _page_gray(page)
    lines: list[Line] = []
    read: set[tuple] = set()  # places as they were when read
    done: set[int] = set()
    passed_over: list[list] = []  # outlines of lines too thin to be one place's writing

    def as_read(place: dict) -> tuple:
        return place["id"], tuple(map(tuple, place["polygon"]))

    with transaction.atomic():
        locked = Page.objects.select_for_update().get(pk=page.pk)
        line_height = _median_line_height(locked)
        for _ in range(rounds):
            to_read = [as_read(place) for place in locked.unread_places
                       if chosen(place, line_height) and place["id"] not in done
                       and (one_place or as_read(place) not in read)]
            for place in to_read:
                read.add(place)
                if place not in {as_read(open_place) for open_place in locked.unread_places}:
                    continue  # a line just added took it in, or part of it (read on the next round)
                try:
                    box = drawn_box(_place_box(place[1]), page.width, page.height)
                except ValueError:  # too small to hold writing
                    done.add(place[0])
                    continue
                polygons = _line_polygons(locked)
                fitted = _free_line(locked, gray, box, direction, polygons + passed_over)
                if fitted is None or _repeats(fitted[0], polygons):
                    done.add(place[0])
                elif one_place and lines and line_thickness(fitted[0]) < ALIKE * line_thickness(lines[0].polygon):
                    passed_over.append(fitted[0])
                else:
                    lines.append(_line_insert(locked, gray, box, *fitted, polygons))
        if lines:
            page_lines_edited.send(sender=Page, page=page, to_read=lines[0])  # one reading reads every new line
    page.unread_ink = locked.unread_ink
    return lines


def _repeats(polygon: list, polygons: list) -> bool:
    """Whether a line outlined by ``polygon`` would be one of the lines outlined by ``polygons``:
    their boxes overlap by more than half of the two together."""
    x0, y0, x1, y1 = bounding_box(polygon)
    for other in polygons:
        a0, b0, a1, b1 = bounding_box(other)
        common = max(0, min(x1, a1) - max(x0, a0)) * max(0, min(y1, b1) - max(y0, b0))
        union = (x1 - x0) * (y1 - y0) + (a1 - a0) * (b1 - b0) - common
        if union > 0 and common > 0.5 * union:
            return True
    return False


def _median_line_height(page: Page) -> float:
    """The median height of the page's lines' outlines (pixels)."""
    heights = [bounding_box(p)[3] - bounding_box(p)[1] for p in page.lines.values_list("polygon", flat=True) if p]
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


# Far beyond any page's line count: orders move there and back, because the unique
# (page, order) constraint is checked row by row as an UPDATE shifts them.
_ASIDE = 1_000_000


def _lines_move(*, page: Page, start: int, by: int, end: int = _ASIDE) -> None:
    """Move the lines at reading positions ``start`` up to ``end`` (not included) by ``by`` places."""
    Line.objects.filter(page=page, order__gte=start, order__lt=end).update(order=F("order") + _ASIDE)
    Line.objects.filter(page=page, order__gte=_ASIDE).update(order=F("order") - _ASIDE + by)


def _line_reorder(*, line: Line, to: int) -> None:
    """Move ``line`` to reading position ``to``, the lines in between closing up behind it."""
    if to == line.order:
        return
    Line.objects.filter(pk=line.pk).update(order=_ASIDE - 1)  # out of the way of the others
    if to > line.order:
        _lines_move(page=line.page, start=line.order + 1, end=to + 1, by=-1)
    else:
        _lines_move(page=line.page, start=to, end=line.order, by=1)


def document_import(
    *,
    owner: AbstractBaseUser,
    kind: str,
    title: str,
    images: list[UploadedFile],
    layouts: list[UploadedFile],
) -> Document:
    """Create a document from page images and their ALTO or PAGE XML.

    The XML's lines and text become the lines and a verified (imported) text
    version of each; no recognition runs, but a worker looks for ink the lines
    leave out. Raises UploadError naming the file at fault; nothing is kept when it does.
    """
    pairs = match_layouts(images=images, layouts=layouts)
    with _stored_files_removed_on_error() as stored, transaction.atomic():
        document = Document.objects.create(owner=owner, kind=kind, title=title)
        for number, (image, layout) in enumerate(pairs, start=1):
            page = _page_create(document=document, number=number, image=image)
            stored.append(page.image.name)
            _imported_lines_create(page=page, layout=layout, author=owner)
        document_imported.send(sender=Document, document=document)
    return document


def page_places_set(*, page: Page, places: list[list[Point]]) -> None:
    """Make ``places`` (polygons, page pixels) the page's places of unread ink, numbered from 1."""
    Page.objects.filter(pk=page.pk).update(
        unread_ink=[{"id": n, "polygon": [list(p) for p in polygon]} for n, polygon in enumerate(places, start=1)]
    )


def _imported_lines_create(*, page: Page, layout: PageLayout, author: AbstractBaseUser) -> None:
    lines = Line.objects.bulk_create(_line_rows(page=page, layout=layout, revision=1))
    LineText.objects.bulk_create(
        LineText(
            line=row,
            text=line.text,
            confidences=line.confidences if len(line.confidences) == len(line.text) else [],
            source=TextSource.IMPORT,
            author=author,
        )
        for row, line in zip(lines, layout.lines)
    )
