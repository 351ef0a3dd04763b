"""A process killed with SIGKILL while an upload writes its pages leaves no row, and its files go
with the sweep of files no page points to."""
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from documents.models import Document
from documents.services import orphan_files_delete
from tests.integration.workers import worker_environment

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_an_upload_killed_mid_way_leaves_nothing_once_swept(services_required, owner, make_document, settings,
                                                            tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # no other test's files
    kept = make_document(pages=1)
    died = subprocess.run([sys.executable, "-m", "tests.integration.upload_then_die", owner.username],
                          env=worker_environment(), cwd=settings.BASE_DIR, capture_output=True, timeout=300)
    assert died.returncode == -9, died.stderr.decode()[-2000:]

    assert list(Document.objects.all()) == [kept]
    orphans = [name for name in (settings.MEDIA_ROOT / "pages").glob("*/*")
               if name.parent.name != str(kept.id)]
    assert len(orphans) == 2  # pages 1 and 2 were stored before the process died

    later = timezone.now() + timedelta(seconds=settings.ORPHAN_FILES_GRACE_SECONDS + 1)
    assert len(orphan_files_delete(now=later)) == 2
    assert [path.parent.name for path in (settings.MEDIA_ROOT / "pages").glob("*/*")] == [str(kept.id)]
