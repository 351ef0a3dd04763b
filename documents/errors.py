"""What documents' services refuse, each with the HTTP status it means to an API client.

The API's exception handler (htr_platform.api_errors) answers any exception with an
``http_status`` with that status and the exception's message (and its ``details()``);
nothing was written when one is raised.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from documents.models import Line, LineText


class Refused(Exception):
    """An action that cannot be done now; the message says why, for the person who asked."""

    http_status = 409


class SharingError(Refused):
    """A sharing change that cannot be made; the message says why, for the person who asked."""

    http_status = 400


class NotOwner(SharingError):
    """Someone other than the owner tried to change the sharing, or to delete the document."""

    http_status = 403


class PageNotTurned(Refused):
    """A page that cannot be turned now; the message says why."""


class PageNotDeleted(Refused):
    """A page that cannot be deleted now; the message says why."""


class DocumentNotDeleted(Refused):
    """A document that cannot be deleted now; the message says why."""


class LineEditRefused(Refused):
    """A line that cannot be added or removed now; the message says why."""


class LineRemoved(Refused):
    """A change to a line that was removed meanwhile; nothing was written."""

    http_status = 410

    def __init__(
        self,
        message: str = "This line was removed by someone else while you were editing it. "
        "Your text was not saved and is still in the box: copy it, then reload the page.",
    ) -> None:
        super().__init__(message)


class FlagsNotConfirmed(Refused):
    """Flags named for confirmation that are not open flags of the line's current text."""


class NotEditor(Refused):
    """Someone the document is shared with as a viewer tried to change its text."""

    http_status = 403


class VersionGone(Refused):
    """A revert to a version the line does not have."""

    http_status = 404


class PlaceGone(Refused):
    """The page has no such place of unread ink (any more): a line took it in, or it was dismissed."""

    http_status = 404


class StaleRevision(Refused):
    """A save named a revision that is no longer the line's; nothing was written."""

    def __init__(self, line: Line, current: LineText | None) -> None:
        self.line = line
        self.current = current
        super().__init__(
            "This line was changed by someone else while you were editing it. "
            "Your text was not saved and is still in the box; compare it with the newer text, "
            "then save again."
        )

    def details(self) -> dict:
        return {"current_revision": self.line.revision, "current_text": self.current.text if self.current else ""}
