from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from documents.models import Document
from documents.training_export import add_selection_arguments, documents_selected
from recognition.fine_tuning import fine_tuning_here
from recognition.models import FineTuning, JobState
from recognition.selectors import fine_tuning_outcome


class Command(BaseCommand):
    help = ("Tune the recognizer to the lines people checked (ml.train.adapt's recipe), holding lines out to "
            "choose the step kept and others to judge by, and use the new model only if it reads those better: "
            "for the one --document given, else for the one --kind given, else for every kind.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help="a new (or empty) folder for the new model.pt")
        add_selection_arguments(parser)
        parser.add_argument("--steps", type=int, help=f"at most this many steps (default: {FineTuning.DOCUMENT_STEPS} "
                                                      f"for one document, else {FineTuning.STAFF_STEPS})")

    def handle(self, *args, out: Path, kind: list[str] | None, document, steps: int | None, **options) -> None:
        tuned = Document.objects.filter(pk=document[0]).first() if document and len(set(document)) == 1 else None
        if document and len(set(document)) == 1 and tuned is None:
            raise CommandError(f"There is no document {document[0]}.")
        steps = steps or (FineTuning.DOCUMENT_STEPS if tuned else FineTuning.STAFF_STEPS)
        run = fine_tuning_here(documents=documents_selected(kind, document), out=out, kind=_one(kind),
                               document=tuned, steps=steps)
        if run.state == JobState.FAILED:
            raise CommandError(run.error)
        self.stdout.write(fine_tuning_outcome(run))


def _one(kinds: list[str] | None) -> str:
    """The kind whose model a run trained on one kind starts from and replaces; blank for several or all."""
    return kinds[0] if kinds and len(set(kinds)) == 1 else ""
