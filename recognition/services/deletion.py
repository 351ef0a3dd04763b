"""Deleting documents with the models tuned to them, and the prescriptions past their retention."""
from __future__ import annotations

import copy
import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from documents import services as documents
from documents.errors import DocumentNotDeleted
from documents.models import AuditAction, Document
from documents.selectors import documents_expired
from recognition.errors import ModelInUse
from recognition.models import FineTuning, RecognitionModel
from recognition.services.model_registry import model_delete

logger = logging.getLogger(__name__)


def document_delete(*, document: Document, by: AbstractBaseUser) -> None:
    """Delete the document (documents.services.document_delete: its owner only, not while a model is
    tuned to it), then the models tuned to it (their weights learned its text) with their folders,
    but for one staff put to use elsewhere."""
    model_ids = list(FineTuning.objects.filter(document=document).exclude(model=None).values_list("model_id", flat=True))
    documents.document_delete(document=document, by=by)
    transaction.on_commit(lambda: _models_delete(model_ids))


def documents_delete_expired(*, now: datetime | None = None) -> int:
    """Delete the prescriptions kept longer than PRESCRIPTION_RETENTION_DAYS, as their owners would;
    one a model is being tuned to waits for the next round."""
    deleted = 0
    for document in documents_expired(now=now):
        gone = copy.copy(document)  # its id and title, for the audit log once the row is gone
        try:
            document_delete(document=document, by=document.owner)
        except DocumentNotDeleted as error:
            logger.info("prescription %s is past its retention but was not deleted: %s", document.pk, error)
            continue
        documents.audit_record(document=gone, user=None, action=AuditAction.DELETE,
                               detail=f"retention: kept {settings.PRESCRIPTION_RETENTION_DAYS} days")
        deleted += 1
    return deleted


def _models_delete(model_ids: list[int]) -> None:
    for model in RecognitionModel.objects.filter(pk__in=model_ids):
        try:
            model_delete(model=model)
        except ModelInUse as why:  # staff put it to use for a kind, or other documents were read with it
            logger.info("kept model %s, tuned to a deleted document: %s", model.version, why)
