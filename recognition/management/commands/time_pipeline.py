"""Upload a file as a new document and time it through the running workers."""
import io
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from documents.models import LineText, TextSource
from documents.services import document_upload
from documents.uploads import UploadedFile
from recognition.selectors import document_status
from recognition.services import document_process


class Command(BaseCommand):
    help = (
        "Upload FILE as a document of USER (created if needed) and print the seconds until its "
        "first line is recognized and until every job is finished. Needs a running worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", default="timing")
        parser.add_argument("--timeout", type=float, default=1800)

    def handle(self, *args, file: Path, user: str, timeout: float, **options) -> None:
        owner, _ = get_user_model().objects.get_or_create(username=user)
        data = file.read_bytes()
        start = time.monotonic()
        document = document_upload(
            owner=owner, kind="lecture_notes", title=f"Timing {file.name}",
            files=[UploadedFile(name=file.name, file=io.BytesIO(data), size=len(data))],
        )
        document_process(document=document)
        first_line = None
        while time.monotonic() - start < timeout:
            if first_line is None and LineText.objects.filter(
                line__page__document=document, source=TextSource.MODEL
            ).exists():
                first_line = time.monotonic() - start
            status = document_status(document=document)
            if status["finished"]:
                break
            time.sleep(0.2)
        else:
            raise CommandError(f"not finished after {timeout} s: {document_status(document=document)}")
        total = time.monotonic() - start
        pages = document.pages.count()
        self.stdout.write(
            f"{pages} pages: first recognized line after {first_line:.1f} s, all done after {total:.1f} s "
            f"({status['failed']} failed jobs)"
        )
