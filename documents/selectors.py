"""Everything that reads documents for views, the API and exports.

Every lookup by id goes through the user's documents, so someone else's
document, page or line is a 404, never a 403 that confirms it exists.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from documents.models import (
    AuditEntry,
    ExportJob,
    Document,
    DocumentKind,
    Line,
    LineFlag,
    LineText,
    Page,
    Share,
    ShareRole,
    current_version,
)
from documents.text_search import search_pattern


@dataclass
class LineView:
    """A line with its versions (oldest first) and the one that counts now."""

    line: Line
    versions: list[LineText]

    @property
    def current(self) -> LineText | None:
        return current_version(self.versions)

    @property
    def text(self) -> str:
        return self.current.text if self.current else ""

    @property
    def checked(self) -> bool:
        """Its current text is a person's (or was imported)."""
        return bool(self.current) and self.current.is_human

    @property
    def confidences(self) -> list[float]:
        return self.current.confidences if self.current else []

    @property
    def expected_errors(self) -> float:
        """How many characters of the model's reading are expected to be wrong: the sum of one minus
        each character's calibrated confidence (0 for a person's text)."""
        current = self.current
        if not current or current.is_human:
            return 0.0
        return sum(1.0 - c for c in current.confidences or [])

    @property
    def flags(self) -> list[LineFlag]:
        """The flags of the current text (prescriptions only), in the order of their spans."""
        return list(self.current.flags.all()) if self.current else []

    @property
    def open_flags(self) -> list[LineFlag]:
        """The flags nobody has confirmed yet."""
        return [flag for flag in self.flags if not flag.confirmed]

    def unsure(self, level: float) -> bool:
        """Nobody has checked the model's text, and it is expected to hold ``level`` wrong characters or more."""
        current = self.current
        return bool(current) and not current.is_human and bool(current.confidences) and self.expected_errors >= level


def document_list(*, user: AbstractBaseUser) -> QuerySet[Document]:
    return Document.objects.filter(Q(owner=user) | Q(collaborators=user)).distinct()


def document_get(*, user: AbstractBaseUser, document_id: UUID) -> Document:
    return get_object_or_404(document_list(user=user), pk=document_id)


def page_get(*, user: AbstractBaseUser, page_id: UUID) -> Page:
    pages = Page.objects.select_related("document").filter(document__in=document_list(user=user))
    return get_object_or_404(pages, pk=page_id)


def line_get(*, user: AbstractBaseUser, line_id: UUID) -> Line:
    lines = Line.objects.select_related("page__document").filter(
        page__document__in=document_list(user=user)
    )
    return get_object_or_404(lines, pk=line_id)


def export_job_get(*, user: AbstractBaseUser, export_id: UUID) -> ExportJob:
    """An export of a document the user may export (anyone it is shared with, as for an export made at once)."""
    jobs = ExportJob.objects.select_related("document").filter(document__in=document_list(user=user))
    return get_object_or_404(jobs, pk=export_id)


def export_jobs_recent(*, document: Document, user: AbstractBaseUser) -> QuerySet[ExportJob]:
    """The user's exports of the document that are still kept, newest first."""
    return ExportJob.objects.filter(document=document, requested_by=user)[:10]


def document_pages(*, document: Document) -> QuerySet[Page]:
    return document.pages.order_by("number")


def _with_versions(lines: QuerySet[Line]) -> QuerySet[Line]:
    versions = LineText.objects.select_related("author").prefetch_related(
        Prefetch("flags", queryset=LineFlag.objects.select_related("confirmed_by"))
    ).order_by("created", "id")
    return lines.prefetch_related(Prefetch("versions", queryset=versions))


def page_lines(*, page: Page) -> list[LineView]:
    lines = _with_versions(page.lines.order_by("order"))
    return [LineView(line, list(line.versions.all())) for line in lines]


def line_view(*, line: Line) -> LineView:
    return LineView(line, list(line.versions.select_related("author").prefetch_related("flags__confirmed_by")
                               .order_by("created", "id")))


def document_lines(*, document: Document) -> list[tuple[Page, list[LineView]]]:
    """Every page with its lines, in order, read in three queries."""
    lines = _with_versions(Line.objects.filter(page__document=document).order_by("page__number", "order"))
    by_page: dict[UUID, list[LineView]] = {}
    for line in lines:
        by_page.setdefault(line.page_id, []).append(LineView(line, list(line.versions.all())))
    return [(page, by_page.get(page.id, [])) for page in document_pages(document=document)]


@dataclass
class PageCheck:
    """How far people have got with a page: lines checked, and unchecked lines the model doubted."""

    page: Page
    lines: int
    checked: int  # the current text is a person's (or was imported)
    unsure: int  # the current text is the model's, expected to hold the document's level of errors or more
    unread_places: int  # places with ink no line covers, that nobody has dismissed


def page_lines_checked(*, page: Page) -> int:
    """The page's lines whose current text is a person's (or was imported)."""
    return sum(view.checked for view in page_lines(page=page))


def document_checks(*, document: Document) -> list[PageCheck]:
    checks = []
    for page, views in document_lines(document=document):
        checked = sum(view.checked for view in views)
        unsure = sum(view.unsure(document.unsure_level) for view in views)
        checks.append(PageCheck(page, len(views), checked, unsure, len(page.unread_places)))
    return checks


@dataclass
class LineMatch:
    """A line whose current text holds what was searched for."""

    page: Page
    view: LineView


SEARCH_LIMIT = 50
SEARCH_MAX_CHARS = 200  # longer queries are cut: a line is rarely longer


def lines_matching(*, user: AbstractBaseUser, query: str, limit: int = SEARCH_LIMIT) -> list[LineMatch]:
    """Up to ``limit`` lines of ``user``'s documents whose current text (a person's, else the
    model's) holds ``query``, ignoring case and accents; newest documents first, then in page and
    line order."""
    query = query.strip()[:SEARCH_MAX_CHARS]
    if not query:
        return []
    pattern = search_pattern(query)
    candidates = (Line.objects.filter(page__document__in=document_list(user=user), versions__text__regex=pattern)
                  .distinct().select_related("page__document")
                  .order_by("-page__document__created", "page__number", "order"))
    matches = []
    for line in _with_versions(candidates).iterator(chunk_size=200):
        view = LineView(line=line, versions=list(line.versions.all()))
        if re.search(pattern, view.text):  # an older version may hold it, not the current one
            matches.append(LineMatch(page=line.page, view=view))
            if len(matches) == limit:
                break
    return matches


def prescription_retention() -> timedelta | None:
    """How long a prescription is kept after its upload (PRESCRIPTION_RETENTION_DAYS); None: until
    someone deletes it."""
    days = settings.PRESCRIPTION_RETENTION_DAYS
    return timedelta(days=days) if days else None


def document_expiry(*, document: Document) -> datetime | None:
    """When the document will be deleted for its retention; None: kept."""
    retention = prescription_retention()
    if document.kind != DocumentKind.PRESCRIPTION or retention is None:
        return None
    return document.created + retention


def documents_expired(*, now: datetime | None = None) -> QuerySet[Document]:
    """The prescriptions kept longer than PRESCRIPTION_RETENTION_DAYS (none when it is 0: kept until
    someone deletes them)."""
    retention = prescription_retention()
    if retention is None:
        return Document.objects.none()
    cutoff = (now or timezone.now()) - retention
    return Document.objects.filter(kind=DocumentKind.PRESCRIPTION, created__lt=cutoff).select_related("owner")


def document_open_flags(*, document: Document) -> int:
    """How many flags of the current texts of the document's lines nobody has confirmed."""
    return sum(len(view.open_flags) for _, views in document_lines(document=document) for view in views)


def documents_with_open_flags(*, documents: QuerySet[Document]) -> set[UUID]:
    """The ids of those of ``documents`` (prescriptions) with a flag nobody confirmed on a line's
    current text (a flag of an older version no longer counts); in three queries."""
    line_ids = LineFlag.objects.filter(
        confirmed_at__isnull=True, version__line__page__document__in=documents,
        version__line__page__document__kind=DocumentKind.PRESCRIPTION,
    ).values("version__line_id")
    lines = _with_versions(Line.objects.filter(pk__in=line_ids).select_related("page"))
    return {line.page.document_id for line in lines if LineView(line, list(line.versions.all())).open_flags}


def document_role(*, document: Document, user: AbstractBaseUser) -> str:
    """"owner", "editor" or "viewer": what ``user`` may do with the document."""
    if user.pk == document.owner_id:
        return "owner"
    share = Share.objects.filter(document=document, user_id=user.pk).first()
    return share.role if share else ShareRole.VIEWER


def document_shares(*, document: Document) -> QuerySet[Share]:
    return Share.objects.filter(document=document).select_related("user").order_by("user__username")


def audit_entries(*, user: AbstractBaseUser, document_key: UUID | None = None) -> QuerySet[AuditEntry]:
    """The audit log ``user`` may read: staff all of it, others the entries of the documents they own
    (or owned: a deleted document's entries stay); of one document when ``document_key`` is given."""
    entries = AuditEntry.objects.all() if user.is_staff else AuditEntry.objects.filter(owner_id=user.pk)
    if document_key is not None:
        entries = entries.filter(document_key=document_key)
    return entries
