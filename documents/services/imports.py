"""Importing page images with the lines and text another tool found (ALTO or PAGE XML)."""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from documents.imports import match_layouts
from documents.models import Document, Line, LineText, Page, TextSource
from documents.services.pages import line_rows
from documents.services.uploads import language_given, page_create, stored_files_removed_on_error
from documents.uploads import UploadedFile
from ml.layout import PageLayout


def document_import(
    *,
    owner: AbstractBaseUser,
    kind: str,
    language: str | None = None,
    title: str,
    images: list[UploadedFile],
    layouts: list[UploadedFile],
) -> Document:
    """Create a document from page images and their ALTO or PAGE XML.

    The XML's lines and text become the lines and a verified (imported) text
    version of each; no recognition runs (the caller has recognition look for ink the
    lines leave out). Raises UploadError naming the file at fault; nothing is kept when it does.
    """
    pairs = match_layouts(images=images, layouts=layouts)
    with stored_files_removed_on_error() as stored, transaction.atomic():
        document = Document.objects.create(owner=owner, kind=kind, title=title, **language_given(language))
        for number, (image, layout) in enumerate(pairs, start=1):
            page = page_create(document=document, number=number, image=image)
            stored.append(page.image.name)
            _imported_lines_create(page=page, layout=layout, author=owner)
    return document


def _imported_lines_create(*, page: Page, layout: PageLayout, author: AbstractBaseUser) -> None:
    lines = Line.objects.bulk_create(line_rows(page=page, layout=layout, revision=1))
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

