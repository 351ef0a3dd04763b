"""Places of unread ink: ink on a page that no line holds, so nothing there was read.

Changes to a page's places are worked out on plain values (``Page.unread_ink``) and stored
as UnreadInk rows by ``places_save``.
"""
from __future__ import annotations

import logging
from typing import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from documents.models import Line, Page, UnreadInk
from ml.layout import Point

log = logging.getLogger(__name__)


def unread_ink_mark(*, page: Page, place_id: int, user: AbstractBaseUser, dismissed: bool) -> bool:
    """A person looked at a place of unread ink and found no text there (``dismissed``), or
    takes that back. False when the page has no such place (a drawn line took it in)."""
    if dismissed:
        change = {"state": UnreadInk.State.DISMISSED, "dismissed_by": user, "dismissed_at": timezone.now()}
    else:
        change = {"state": UnreadInk.State.OPEN, "dismissed_by": None, "dismissed_at": None}
    return UnreadInk.objects.filter(page=page, number=place_id).update(**change) > 0


def page_places_set(*, page: Page, places: list[list[Point]]) -> None:
    """Make ``places`` (polygons, page pixels) the page's places of unread ink, numbered from 1."""
    with transaction.atomic():
        UnreadInk.objects.filter(page=page).delete()
        UnreadInk.objects.bulk_create(
            UnreadInk(page=page, number=n, polygon=[list(p) for p in polygon])
            for n, polygon in enumerate(places, start=1)
        )


def page_lines_set_aside(*, page: Page, line_ids: list[object], note: str) -> int:
    """Lines the reading found to be no text of this page (ink showing through from the back
    of the sheet) become places of unread ink saying why: still on view, nothing read there.
    Only lines with no text at all are set aside. Returns how many were."""
    with transaction.atomic():
        locked = Page.objects.select_for_update().get(pk=page.pk)
        aside = list(locked.lines.filter(pk__in=line_ids, versions__isnull=True).order_by("order"))
        first = max(locked.unread_inks.values_list("number", flat=True), default=0) + 1
        UnreadInk.objects.bulk_create(
            UnreadInk(page=locked, number=n, polygon=line.polygon, note=note) for n, line in enumerate(aside, start=first)
        )
        Line.objects.filter(pk__in=[line.pk for line in aside]).delete()
        for order, line in enumerate(list(locked.lines.order_by("order"))):  # close the gaps, front to back
            if line.order != order:
                Line.objects.filter(pk=line.pk).update(order=order)
    return len(aside)


def places_save(page: Page, places: list[dict]) -> None:
    """Make ``places`` (plain values, as ``Page.unread_ink`` gives them) the page's places of
    unread ink: rows whose number is gone are deleted, changed ones updated, new ones added.
    Call it inside the transaction that holds the page locked."""
    rows = {ink.number: ink for ink in page.unread_inks.select_related("dismissed_by")}
    wanted = {place["id"]: place for place in places}
    UnreadInk.objects.filter(page=page).exclude(number__in=wanted).delete()
    dismissers = _users(place["dismissed_by"] for place in places if place.get("dismissed_by"))
    for number, place in wanted.items():
        row = rows.get(number)
        if row is not None and row.as_place() == place:
            continue
        row = row or UnreadInk(page=page, number=number)
        row.polygon, row.note = place["polygon"], place.get("note", "")
        if "dismissed_by" not in place:
            row.state, row.dismissed_by, row.dismissed_at = UnreadInk.State.OPEN, None, None
        elif row.state != UnreadInk.State.DISMISSED:
            row.state, row.dismissed_at = UnreadInk.State.DISMISSED, timezone.now()
            row.dismissed_by = dismissers.get(place["dismissed_by"])
        row.save()


def _users(usernames) -> dict[str, AbstractBaseUser]:
    """The users of ``usernames``, by username."""
    User = get_user_model()
    users = User.objects.filter(**{f"{User.USERNAME_FIELD}__in": set(usernames)})
    return {user.get_username(): user for user in users}


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
    return [place for place in places if "dismissed_by" not in place]
