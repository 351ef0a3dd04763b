"""The audit log: who viewed, edited, exported, shared or deleted a document, when, from where.

Entries are only ever added (the model refuses changes); they outlive the document."""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from documents.models import AuditAction, AuditEntry, Document


def audit_record(*, document: Document, user: AbstractBaseUser | None, action: str, address: str | None = None,
                 detail: str = "") -> AuditEntry:
    """Add an entry for ``action`` (an AuditAction) by ``user`` on ``document``, from ``address``
    (the client's IP address as the web server saw it)."""
    return AuditEntry.objects.create(
        document=document if action != AuditAction.DELETE else None,
        document_key=document.pk,
        document_title=document.title,
        owner_id=document.owner_id,
        user=user if user is not None and user.is_authenticated else None,
        username=user.get_username() if user is not None and user.is_authenticated else "(system)",
        action=AuditAction(action),
        detail=detail[:300],
        address=address or None,
    )
