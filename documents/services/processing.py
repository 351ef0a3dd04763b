"""What recognition tells documents about its work, which decides what people may change meanwhile."""
from __future__ import annotations

from typing import Iterable

from documents.models import Document, Page


def pages_processing_set(*, page_ids: Iterable[object], processing: bool) -> None:
    """Whether recognition has work queued or running on these pages: while it has, their lines are
    not changed and they are not turned."""
    Page.objects.filter(pk__in=list(page_ids)).update(processing=processing)


def document_tuning_set(*, document_id: object, being_tuned: bool) -> None:
    """Whether a model is being tuned to the document's lines: while one is, neither the document
    nor its pages are deleted."""
    Document.objects.filter(pk=document_id).update(being_tuned=being_tuned)
