import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from documents.models import Document, DocumentKind
from documents.training_export import export_verified_pages


class Command(BaseCommand):
    help = ("Write the lines people verified (corrected or confirmed) as page images + PAGE XML, "
            "for fine-tuning the recognizer with python -m ml.train.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help="a new (or empty) folder")
        parser.add_argument("--kind", choices=DocumentKind.values, action="append",
                            help="only documents of this kind (repeatable); default: every kind")
        parser.add_argument("--document", type=uuid.UUID, action="append", help="only this document id (repeatable)")

    def handle(self, *args, out: Path, kind: list[str] | None, document: list[uuid.UUID] | None, **options) -> None:
        documents = Document.objects.all()
        if kind:
            documents = documents.filter(kind__in=kind)
        if document:
            documents = documents.filter(id__in=document)
        try:
            summary = export_verified_pages(documents=documents, out=out)
        except FileExistsError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Wrote {summary.lines} verified lines from {summary.pages} pages of {summary.documents} documents to {out}.\n"
            f"Fine-tune the shipped model on them beside its own training data, e.g.\n"
            f"  python -m ml.train --init ml/pretrained/crnn-default.pt --train {out} ../shared/data/*/train "
            f"--val ../shared/data/*/val --out runs/finetune\n"
            f"then: python manage.py register_model runs/finetune/best.pt"
        )
