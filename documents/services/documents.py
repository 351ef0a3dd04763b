"""Changing and deleting whole documents."""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from documents.errors import DocumentNotDeleted
from documents.models import Document, DocumentKind
from documents.services.flags import document_flags_clear
from documents.services.sharing import check_owner
from documents.services.uploads import stored_files_delete


def document_edit(
    *, document: Document, by: AbstractBaseUser, title: str, kind: str, language: str | None = None
) -> Document:
    """The owner renames the document or corrects its kind (which sets how strictly its characters
    are marked, and which model reads its pages from now on) or its language (whose language model
    reads its pages from now on; None: as it is). A document that is no longer a prescription loses
    its flags; the caller has recognition flag one that became a prescription."""
    check_owner(document, by, "change its title, kind or language")
    document.title, document.kind = title.strip(), kind
    document.language = language or document.language
    document.save(update_fields=["title", "kind", "language"])
    if kind != DocumentKind.PRESCRIPTION:
        document_flags_clear(document=document)
    return document


def document_delete(*, document: Document, by: AbstractBaseUser) -> None:
    """The owner deletes the document: its pages, their images and lines, and every version of the
    lines' text; refused while a model is being tuned to it. The images and exported files go once
    the rows have. The caller has recognition forget the models tuned to it."""
    check_owner(document, by, "delete it")
    images = [page.image.name for page in document.pages.all()]
    exports = [name for name in document.exports.values_list("file", flat=True) if name]
    with transaction.atomic():
        if Document.objects.select_for_update().get(pk=document.pk).being_tuned:
            raise DocumentNotDeleted("A model is being tuned to this document: delete it once that has finished.")
        key = document.pk
        document.delete()
    transaction.on_commit(lambda: stored_files_delete(f"pages/{key}", images))
    transaction.on_commit(lambda: stored_files_delete(f"exports/{key}", exports))
