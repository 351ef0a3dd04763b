from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from documents.training_export import add_selection_arguments, documents_selected, export_verified_pages


class Command(BaseCommand):
    help = ("Write the lines people verified (corrected or confirmed) as page images + PAGE XML, "
            "for fine-tuning the recognizer with python -m ml.train.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help="a new (or empty) folder")
        add_selection_arguments(parser)

    def handle(self, *args, out: Path, kind, document, **options) -> None:
        try:
            summary = export_verified_pages(documents=documents_selected(kind, document), out=out)
        except FileExistsError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Wrote {summary.lines} verified lines from {summary.pages} pages of {summary.documents} documents to {out}.\n"
            f"Fine-tune the shipped model on them beside its own training data, e.g.\n"
            f"  python -m ml.train --init ml/pretrained/crnn-default.pt --train {out} ../shared/data/*/train "
            f"--val ../shared/data/*/val --out runs/finetune\n"
            f"then: python manage.py register_model runs/finetune/best.pt (or let python manage.py fine_tune do it all)"
        )
