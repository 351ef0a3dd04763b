from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from documents.models import Document
from documents.training_export import add_selection_arguments, documents_selected
from recognition.fine_tuning import HOLDOUT_EVERY, fine_tuning_here
from recognition.models import FineTuning, JobState
from recognition.selectors import fine_tuning_outcome


class Command(BaseCommand):
    help = (f"Fine-tune the recognizer on the lines people verified, holding out every {HOLDOUT_EVERY}th page "
            "to judge by, and use the new model only if it reads those pages better: for the one --document "
            "given, else for the one --kind given, else for every kind.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help="a new (or empty) folder for the data, the run and model.pt")
        add_selection_arguments(parser)
        parser.add_argument("--epochs", type=int, default=FineTuning.DEFAULT_EPOCHS)
        parser.add_argument("--lr", type=float, default=FineTuning.LR,
                            help="peak learning rate of the one-cycle schedule")
        parser.add_argument("--extra-train", nargs="+", default=[], metavar="FOLDER",
                            help="more training folders (e.g. the shipped model's own data), so that it does not "
                                 "forget other hands")

    def handle(self, *args, out: Path, kind: list[str] | None, document, epochs: int, lr: float,
               extra_train: list[str], **options) -> None:
        tuned = Document.objects.filter(pk=document[0]).first() if document and len(set(document)) == 1 else None
        if document and len(set(document)) == 1 and tuned is None:
            raise CommandError(f"There is no document {document[0]}.")
        run = fine_tuning_here(documents=documents_selected(kind, document), out=out, kind=_one(kind),
                               document=tuned, epochs=epochs, lr=lr, extra_train=extra_train)
        if run.state == JobState.FAILED:
            raise CommandError(run.error)
        self.stdout.write(fine_tuning_outcome(run))


def _one(kinds: list[str] | None) -> str:
    """The kind whose model a run trained on one kind starts from and replaces; blank for several or all."""
    return kinds[0] if kinds and len(set(kinds)) == 1 else ""
