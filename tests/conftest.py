"""Fixtures shared by the platform's tests: three users, documents made from scans, services."""
from __future__ import annotations

import io
import os
import shutil
from typing import Callable

import pytest
from django.conf import settings

from documents.models import Document, DocumentKind, Line, LineText, TextSource
from documents.services import document_share, document_upload, line_text_save
from documents.uploads import UploadedFile
from recognition import services as recognition
from tests import scans


def pytest_sessionfinish(session, exitstatus) -> None:
    shutil.rmtree(settings.VAR_DIR, ignore_errors=True)


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("owner", password="owner-password-1")


@pytest.fixture
def collaborator(django_user_model):
    return django_user_model.objects.create_user("collaborator", password="collab-password-1")


@pytest.fixture
def stranger(django_user_model):
    return django_user_model.objects.create_user("stranger", password="stranger-password-1")


def upload_file(name: str, data: bytes) -> UploadedFile:
    return UploadedFile(name=name, file=io.BytesIO(data), size=len(data))


@pytest.fixture
def make_document(owner) -> Callable[..., Document]:
    """Upload ``pages`` PNG pages of handwriting as a document of ``owner``."""

    def make(pages: int = 2, kind: str = DocumentKind.LECTURE_NOTES, user=None, language: str | None = None) -> Document:
        files = [
            upload_file(f"p{n}.png", scans.png_bytes(scans.handwritten_page(first=n)))
            for n in range(pages)
        ]
        document = document_upload(owner=user or owner, kind=kind, language=language, title="Notes", files=files)
        recognition.document_process(document=document)  # as the web layer does
        return document

    return make


def jobs_set(jobs, state: str) -> None:
    """Move ``jobs`` (a queryset) to ``state`` as workers would, and their pages' processing state with them."""
    page_ids = set(jobs.values_list("page_id", flat=True))
    jobs.update(state=state)
    recognition.pages_processing_sync(page_ids=page_ids)


def fine_tuning_set(run, state: str) -> None:
    """Move a fine-tuning ``run`` to ``state`` as a worker would, and its document's state with it."""
    type(run).objects.filter(pk=run.pk).update(state=state)
    recognition.document_tuning_sync(document_id=run.document_id)


@pytest.fixture
def document_with_lines(make_document, collaborator) -> Document:
    """A shared one-page document with three lines read by a model (no segmentation run)."""
    document = make_document(pages=1)
    document_share(document=document, user=collaborator)
    page = document.pages.get()
    for order in range(3):
        line = Line.objects.create(
            page=page, order=order, polygon=[[10, 10 + 50 * order], [200, 10 + 50 * order], [200, 50 + 50 * order], [10, 50 + 50 * order]],
            baseline=[[10, 45 + 50 * order], [200, 45 + 50 * order]], revision=1,
        )
        LineText.objects.create(
            line=line, text=f"line {order}", confidences=[0.99, 0.95, 0.5, 0.9, 0.97, 0.8],
            source=TextSource.MODEL, model_version="test-model-1",
        )
    return document


@pytest.fixture
def services_required() -> None:
    """PostgreSQL and Redis must answer: skip without them, but fail under CI."""
    if settings.MISSING_SERVICES:
        reason = "; ".join(settings.MISSING_SERVICES)
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs PostgreSQL and Redis: {reason}")
        pytest.skip(f"needs PostgreSQL and Redis: {reason}")


VERIFIED_TEXTS = [path.read_text().strip() for path in sorted(scans.LINES_DIR.glob("*.gt.txt"))]


@pytest.fixture
def verified_pages(make_document, owner, monkeypatch) -> Document:
    """Five pages of real handwriting whose four lines a person typed in (crops repeat across pages);
    no message is sent while they are made (monkeypatch.undo() sends them again)."""
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: None)
    document = make_document(pages=5)
    for first, page in enumerate(document.pages.order_by("number")):
        for index in range(4):
            x0, y0, x1, y1 = scans.pasted_box(index, first)
            line = Line.objects.create(page=page, order=index, polygon=[[x0, y0], [x1, y0], [x1, y1], [x0, y1]],
                                       baseline=[[x0, y1 - 12], [x1, y1 - 12]])
            text = VERIFIED_TEXTS[(first + index) % len(VERIFIED_TEXTS)]
            line_text_save(line=line, author=owner, text=text, revision=line.revision)
    return document
