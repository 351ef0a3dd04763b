"""The lines people verified, written as training pages: each page's image beside a PAGE XML
that holds only its verified lines, the format `python -m ml.train --train FOLDER` reads.

Model readings nobody checked are left out: training on them would teach the model its own mistakes.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.db.models import QuerySet

import ml.formats as formats
from documents.exports import page_layout
from documents.models import Document
from documents.selectors import document_lines


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
            verified = [view for view in views if view.current and view.current.is_human and view.text.strip()]
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
