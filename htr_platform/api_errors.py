"""The API's answer to what a service refused: the status the exception names, and its message."""
from __future__ import annotations

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """An exception with an ``http_status`` (documents.errors, recognition.errors, UploadError) is
    answered with that status and ``{"detail": its message}``, plus what its ``details()`` adds;
    anything else as DRF answers it."""
    status = getattr(exc, "http_status", None)
    if status is None:
        return drf_exception_handler(exc, context)
    details = exc.details() if hasattr(exc, "details") else {}
    return Response({"detail": str(exc), **details}, status=status)
