"""Upload a PDF of three pages for the user named on the command line and die with SIGKILL once
the second page's image is stored, as a web process killed mid-upload would."""
import os
import signal
import sys

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from documents.services import uploads  # noqa: E402
from tests import scans  # noqa: E402
from tests.conftest import upload_file  # noqa: E402

stored = uploads.page_create


def page_create_then_die(**kwargs):
    page = stored(**kwargs)
    if kwargs["number"] == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return page


uploads.page_create = page_create_then_die
pdf = scans.pdf_bytes([scans.handwritten_page(first=n, count=1) for n in range(3)])
owner = get_user_model().objects.get(username=sys.argv[1])
uploads.document_upload(owner=owner, kind="lecture_notes", title="Lost", files=[upload_file("lost.pdf", pdf)])
