"""The audit log entry of a web or API request: the person signed in and the address it came from."""
from __future__ import annotations

from django.http import HttpRequest

from documents import services
from documents.models import Document


def audited(request: HttpRequest, document: Document, action: str, detail: str = "") -> None:
    """Record ``action`` by the request's user on ``document``. The address is the one the web server
    saw (REMOTE_ADDR): behind a proxy, have the proxy set it to the client's."""
    services.audit_record(document=document, user=request.user, action=action,
                          address=request.META.get("REMOTE_ADDR"), detail=detail)
