"""Changing and deleting whole documents, by their owners or when their retention ends."""
from __future__ import annotations

import logging
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from documents.errors import DocumentNotDeleted
from documents.models import Document, DocumentKind
from documents.selectors import prescription_retention
from documents.services.sharing import check_owner
from documents.services.uploads import stored_files_delete
from documents.signals import document_deleting

log = logging.getLogger(__name__)


def document_edit(*, document: Document, by: AbstractBaseUser, title: str, kind: str) -> Document:
    """The owner renames the document or corrects its kind (which sets how strictly its characters
    are marked, and which model reads its pages from now on)."""
    check_owner(document, by, "change its title or kind")
    document.title, document.kind = title.strip(), kind
    document.save(update_fields=["title", "kind"])
    return document


def document_delete(*, document: Document, by: AbstractBaseUser) -> None:
    """The owner deletes the document: its pages, their images and lines, and every version of the
    lines' text. Recognition forgets what it learned from it, or refuses while it is learning
    (documents.signals.document_deleting). The images go once the rows have."""
    check_owner(document, by, "delete it")
    folder = f"pages/{document.pk}"
    images = [page.image.name for page in document.pages.all()]
    with transaction.atomic():
        document_deleting.send(sender=Document, document=document)
        document.delete()
    transaction.on_commit(lambda: stored_files_delete(folder, images))


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
