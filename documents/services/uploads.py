"""Storing uploaded scans: a new document, or pages added at the end of one."""
from __future__ import annotations

import shutil
from contextlib import contextmanager
from typing import Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max

from documents.models import Document, Page
from documents.services.sharing import check_owner
from documents.uploads import PageImage, UploadError, UploadedFile, read_pages


def document_upload(
    *, owner: AbstractBaseUser, kind: str, language: str | None = None, title: str, files: list[UploadedFile]
) -> Document:
    """Create a document from uploaded scans (the caller has recognition process it).

    Every file is decoded before anything is written (raises UploadError);
    the rows are written in one transaction and stored images are removed
    again if it fails.
    """
    pages = read_pages(files)
    with stored_files_removed_on_error() as stored, transaction.atomic():
        document = Document.objects.create(owner=owner, kind=kind, title=title, **language_given(language))
        for number, image in enumerate(pages, start=1):
            stored.append(page_create(document=document, number=number, image=image).image.name)
    return document


def document_pages_add(*, document: Document, by: AbstractBaseUser, files: list[UploadedFile]) -> list[Page]:
    """The owner adds scans at the end of a document (the next week's notes); the caller has them
    read. Raises NotOwner, UploadError; as on upload, nothing is written unless every file is read."""
    check_owner(document, by, "add pages to it")
    images = read_pages(files)
    with stored_files_removed_on_error() as stored, transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        last = locked.pages.aggregate(last=Max("number"))["last"] or 0
        if last + len(images) > settings.UPLOAD_MAX_PAGES:
            raise UploadError(f"A document can have at most {settings.UPLOAD_MAX_PAGES} pages; this one has {last}, "
                              f"and the files hold {len(images)}.")
        pages = []
        for number, image in enumerate(images, start=last + 1):
            pages.append(page_create(document=locked, number=number, image=image))
            stored.append(pages[-1].image.name)
    return pages


def page_create(*, document: Document, number: int, image: PageImage) -> Page:
    page = Page(document=document, number=number, width=image.width, height=image.height)
    page.image.save(f"page-{number:04d}.{image.extension}", ContentFile(image.content), save=False)
    page.save()
    return page


@contextmanager
def stored_files_removed_on_error() -> Iterator[list[str]]:
    """Collects the names of stored files and deletes them if the block raises."""
    names: list[str] = []
    try:
        yield names
    except BaseException:
        for name in names:
            default_storage.delete(name)
        raise


def stored_files_delete(folder: str, names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
    try:  # pages turned before left their earlier images there too
        shutil.rmtree(default_storage.path(folder), ignore_errors=True)
    except NotImplementedError:  # a storage with no local paths: the files named are gone
        pass


def language_given(language: str | None) -> dict:
    """The document's language as given, else the model's default (the installation's)."""
    return {"language": language} if language else {}
