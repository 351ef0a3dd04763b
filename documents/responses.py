"""HTTP responses shared by the web views and the API: a page's image, a download's file name."""
from __future__ import annotations

import unicodedata
from urllib.parse import quote

from django.http import FileResponse

from documents.models import Page


def page_image_response(page: Page) -> FileResponse:
    """The page's image; browsers keep it an hour (its URL changes when the page is turned)."""
    response = FileResponse(page.image.open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    return response


def attachment(filename: str) -> str:
    """A Content-Disposition for a download named ``filename`` (RFC 6266): an ASCII ``filename``
    for old clients, and ``filename*`` in UTF-8 (RFC 5987) when the name has other characters."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = ascii_name.replace("\\", "_").replace('"', "_")
    if ascii_name == filename:
        return f'attachment; filename="{filename}"'
    stem, dot, suffix = ascii_name.rpartition(".")
    if not stem.strip("-_ "):  # nothing of the name is ASCII (Hebrew, say)
        ascii_name = f"document.{suffix}" if dot else "document"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
