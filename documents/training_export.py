"""The lines people verified, written as training pages: each page's image beside a PAGE XML
that holds only its verified lines, the format `python -m ml.train --train FOLDER` reads.

Model readings nobody checked are left out: training on them would teach the model its own mistakes.
"""
from __future__ import annotations

import uuid
from argparse import ArgumentParser
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.db.models import QuerySet

import ml.layout.formats as formats
from documents.exports import page_layout
from documents.models import Document, DocumentKind
from documents.selectors import document_lines


def add_selection_arguments(parser: ArgumentParser) -> None:
    """A command's --kind and --document options, which choose the documents whose verified lines it uses."""
    parser.add_argument("--kind", choices=DocumentKind.values, action="append",
                        help="only documents of this kind (repeatable); default: every kind")
    parser.add_argument("--document", type=uuid.UUID, action="append", help="only this document id (repeatable)")


def documents_selected(kind: list[str] | None, document: list[uuid.UUID] | None) -> QuerySet[Document]:
    """The documents the --kind and --document options chose (every one without them)."""
    documents = Document.objects.all()
    if kind:
        documents = documents.filter(kind__in=kind)
    if document:
        documents = documents.filter(id__in=document)
    return documents


@dataclass
class TrainingExport:
    documents: int = 0
    pages: int = 0
    lines: int = 0


def export_verified_pages(*, documents: QuerySet[Document], out: Path) -> TrainingExport:
    """Write ``DOCUMENT-page-NNNN.{image,xml}`` into ``out`` (which must be new or empty)."""
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty: export into a new folder, so that no earlier export is mixed in")
    out.mkdir(parents=True, exist_ok=True)
    summary = TrainingExport()
    for document in documents.order_by("created"):
        pages = 0
        for page, views in document_lines(document=document):
            verified = [view for view in views if view.checked and view.text.strip()]
            if not verified:
                continue
            stem = f"{document.id}-page-{page.number:04d}"
            image_name = stem + PurePosixPath(page.image.name).suffix
            with page.image.open("rb") as image:
                (out / image_name).write_bytes(image.read())
            (out / f"{stem}.xml").write_bytes(formats.write_page_xml(page_layout(page, verified, image_name)))
            pages += 1
            summary.lines += len(verified)
        summary.pages += pages
        summary.documents += pages > 0
    return summary
