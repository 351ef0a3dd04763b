"""The flags of a prescription line's text (computed by recognition, stored here) and their confirmation."""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from documents.errors import FlagsNotConfirmed, LineRemoved, StaleRevision
from documents.services.sharing import check_editor
from documents.models import Document, DocumentKind, Line, LineFlag, LineText, current_version


@dataclass(frozen=True)
class FlagSpec:
    """A flag to store: the span ``text[start:end]`` of the version, why, and what it may be instead."""

    kind: str
    start: int
    end: int
    reason: str
    suggestions: tuple[str, ...] = ()


def line_flags_set(*, version: LineText, flags: list[FlagSpec]) -> list[LineFlag]:
    """Store the flags computed on ``version`` in place of any computed on it before (confirmations
    of a span flagged again for the same reason are kept). Only prescriptions carry flags."""
    if version.line.page.document.kind != DocumentKind.PRESCRIPTION:
        raise ValueError("Only the lines of prescriptions are flagged.")
    with transaction.atomic():
        old = {(f.kind, f.start, f.end, f.reason): f for f in LineFlag.objects.select_for_update().filter(version=version)}
        new = []
        for spec in flags:
            kept = old.pop((spec.kind, spec.start, spec.end, spec.reason), None)
            new.append(kept or LineFlag.objects.create(
                version=version, kind=spec.kind, start=spec.start, end=spec.end, reason=spec.reason,
                suggestions=list(spec.suggestions),
            ))
        LineFlag.objects.filter(pk__in=[f.pk for f in old.values()]).delete()
    return new


def line_flags_confirm(*, line: Line, by: AbstractBaseUser, revision: int, flag_ids: list[int] | None = None) -> int:
    """``by`` checked the flagged spans of the line's current text against the scan and confirms them
    (those of ``flag_ids``, else all), if the line is still at ``revision`` (else StaleRevision:
    the text they checked is no longer the current one). Returns how many were confirmed."""
    check_editor(line.page.document, by)
    with transaction.atomic():
        locked = Line.objects.select_for_update().filter(pk=line.pk).first()
        if locked is None:
            raise LineRemoved("This line was removed by someone else meanwhile: reload the page.")
        current = current_version(list(locked.versions.all()))
        if locked.revision != revision:
            raise StaleRevision(locked, current)
        flags = LineFlag.objects.filter(version=current, confirmed_at__isnull=True)
        if flag_ids is not None:
            flags = flags.filter(pk__in=flag_ids)
        if flag_ids is not None and flags.count() != len(set(flag_ids)):
            raise FlagsNotConfirmed("Some of these flags are not open flags of the line's current text: reload the page.")
        return flags.update(confirmed_by=by, confirmed_at=timezone.now())


def document_flags_clear(*, document: Document) -> int:
    """Drop the flags of a document that is no longer a prescription: lecture notes carry none."""
    deleted, _ = LineFlag.objects.filter(version__line__page__document=document).delete()
    return deleted
