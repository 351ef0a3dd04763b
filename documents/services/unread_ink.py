"""Places of unread ink: ink on a page that no line holds, so nothing there was read."""
from __future__ import annotations

import logging
from typing import Callable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from documents.models import Line, Page
from ml.layout import Point

log = logging.getLogger(__name__)


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


def page_places_set(*, page: Page, places: list[list[Point]]) -> None:
    """Make ``places`` (polygons, page pixels) the page's places of unread ink, numbered from 1."""
    Page.objects.filter(pk=page.pk).update(
        unread_ink=[{"id": n, "polygon": [list(p) for p in polygon]} for n, polygon in enumerate(places, start=1)]
    )


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


def places_after(page: Page, places: list[dict], update: Callable[[list[dict]], list[dict]], what: str) -> list[dict]:
    """``update`` of the places of unread ink ``places`` of ``page``. A fault (logged) leaves them as
    they were: it must not lose a person's line or an import, nor hide a place."""
    try:
        return update(places)
    except Exception:
        log.exception("%s on page %s failed; its places are kept as they were", what, page.pk)
        return places


def open_places(places: list[dict]) -> list[dict]:
    """The places nobody has dismissed (as Page.unread_places)."""
    return [place for place in places if not place.get("dismissed_by")]
