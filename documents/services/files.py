"""Files no row points to: what a crash mid-upload (or mid-turn, or mid-export) leaves behind.

An upload writes its images under the new document's folder inside the transaction that creates
its rows, so the folder is the upload's staging area: once the transaction commits, every file
there has its page; if the process dies first, the folder has no document. An export job's file
is written before the job is marked done with it. The sweep deletes any file under ``pages/`` that
no page points to, and under ``exports/`` that no export job points to, once it is older than
ORPHAN_FILES_GRACE_SECONDS, so that a file still being written is never touched.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from documents.models import ExportJob, Page

# Each folder of stored files, with the rows that point to its files and their field.
FOLDERS = (("pages", Page, "image"), ("exports", ExportJob, "file"))


def orphan_files_delete(*, now: datetime | None = None) -> list[str]:
    """Delete the page images and export files no row points to, older than the grace period; their names."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.ORPHAN_FILES_GRACE_SECONDS)
    deleted: list[str] = []
    for top, model, field in FOLDERS:
        if default_storage.exists(top):
            for folder in default_storage.listdir(top)[0]:
                deleted += _folder_orphans_delete(f"{top}/{folder}", cutoff, model, field)
    return deleted


def _folder_orphans_delete(folder: str, cutoff: datetime, model: type[Page | ExportJob], field: str) -> list[str]:
    names = [f"{folder}/{name}" for name in default_storage.listdir(folder)[1]]
    kept = set(model.objects.filter(**{f"{field}__in": names}).values_list(field, flat=True))
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
