"""Page images no row points to: what a crash mid-upload (or mid-turn) leaves behind.

An upload writes its images under the new document's folder inside the transaction that creates
its rows, so the folder is the upload's staging area: once the transaction commits, every file
there has its page; if the process dies first, the folder has no document. The sweep deletes any
file under ``pages/`` that no page points to once it is older than ORPHAN_FILES_GRACE_SECONDS, so
that an upload still being written is never touched.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from documents.models import Page

PAGES = "pages"


def orphan_files_delete(*, now: datetime | None = None) -> list[str]:
    """Delete the page images no page points to, older than the grace period; their names."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.ORPHAN_FILES_GRACE_SECONDS)
    if not default_storage.exists(PAGES):
        return []
    deleted: list[str] = []
    for folder in default_storage.listdir(PAGES)[0]:
        deleted += _folder_orphans_delete(f"{PAGES}/{folder}", cutoff)
    return deleted


def _folder_orphans_delete(folder: str, cutoff: datetime) -> list[str]:
    names = [f"{folder}/{name}" for name in default_storage.listdir(folder)[1]]
    kept = set(Page.objects.filter(image__in=names).values_list("image", flat=True))
    orphans = [name for name in names if name not in kept and default_storage.get_modified_time(name) < cutoff]
    for name in orphans:
        default_storage.delete(name)
    if len(orphans) == len(names):
        _empty_folder_remove(folder)
    return orphans


def _empty_folder_remove(folder: str) -> None:
    try:
        os.rmdir(default_storage.path(folder))
    except (NotImplementedError, OSError):  # not a local storage, or a file came meanwhile
        pass
