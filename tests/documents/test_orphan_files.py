"""The sweep of page images no page points to (what a crash mid-upload leaves)."""
import logging
import uuid
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from documents.services import orphan_files_delete
from recognition import tasks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_of_its_own(settings, tmp_path):
    """Files other tests left (their rows rolled back) are not this test's."""
    settings.MEDIA_ROOT = tmp_path / "media"


def later(settings):
    return timezone.now() + timedelta(seconds=settings.ORPHAN_FILES_GRACE_SECONDS + 1)


def orphan(folder: str, name: str = "page-0001.png") -> str:
    return default_storage.save(f"pages/{folder}/{name}", ContentFile(b"an image"))


def test_files_no_page_points_to_go_once_past_the_grace_period_and_the_pages_stay(make_document, settings):
    document = make_document(pages=2)
    kept = sorted(page.image.name for page in document.pages.all())
    crashed = orphan(str(uuid.uuid4()))  # an upload whose transaction never committed
    left = orphan(str(document.id), "page-0009.png")  # pages added when the process died

    assert orphan_files_delete() == []  # an upload may still be writing them
    assert sorted(orphan_files_delete(now=later(settings))) == sorted([crashed, left])

    assert not default_storage.exists(crashed) and not default_storage.exists(left)
    assert not default_storage.exists(crashed.rsplit("/", 1)[0])  # its folder too
    assert all(default_storage.exists(name) for name in kept)


def test_the_sweep_says_in_the_log_what_it_deleted(settings, caplog, monkeypatch):
    crashed = orphan(str(uuid.uuid4()))
    monkeypatch.setattr(tasks.documents, "orphan_files_delete", lambda: orphan_files_delete(now=later(settings)))
    with caplog.at_level(logging.INFO):
        tasks.delete_orphan_files.apply()
    assert f"deleted 1 files no row points to (left by a crash mid-upload or mid-export): {crashed}" in caplog.text
