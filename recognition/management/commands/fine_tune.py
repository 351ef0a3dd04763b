from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from documents.training_export import add_selection_arguments, documents_selected
from recognition.errors import NotEnoughVerified
from recognition.fine_tuning import HOLDOUT_EVERY, fine_tune
from recognition.models import FineTuning


class Command(BaseCommand):
    help = (f"Fine-tune the recognizer on the lines people verified, holding out every {HOLDOUT_EVERY}th page to judge "
            "by, and use the new model only if it reads those pages better: for the one --kind given, else for every kind.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help="a new (or empty) folder for the data, the run and model.pt")
        add_selection_arguments(parser)
        parser.add_argument("--epochs", type=int, default=FineTuning.DEFAULT_EPOCHS)
        parser.add_argument("--lr", type=float, default=FineTuning.LR, help="peak learning rate of the one-cycle schedule")
        parser.add_argument("--extra-train", nargs="+", default=[], metavar="FOLDER",
                            help="more training folders (e.g. the shipped model's own data), so that it does not "
                                 "forget other hands")

    def handle(self, *args, out: Path, kind, document, epochs: int, lr: float, extra_train: list[str], **options) -> None:
        try:
            result = fine_tune(documents=documents_selected(kind, document), out=out, kind=_one(kind), epochs=epochs,
                               lr=lr, extra_train=extra_train)
        except (NotEnoughVerified, FileExistsError) as error:
            raise CommandError(str(error)) from None
        pages = f"new pages of kind {_one(kind)}" if _one(kind) else "new pages"
        if result.promoted:
            verdict = f"it reads them better: {pages} are read with it now"
        elif result.cer_after < result.cer_before:
            verdict = (f"it reads them better, but on too few lines to judge by (FINE_TUNING_MIN_HELD_OUT_LINES): "
                       f"{pages} are read as before")
        else:
            verdict = f"it does not read them better: {pages} are read as before"
        self.stdout.write(
            f"Trained on {result.train_lines} verified lines; on {result.holdout_lines} held-out lines the new model "
            f"({result.model.version}) has {100 * result.cer_after:.2f} % CER against {100 * result.cer_before:.2f} % "
            f"for the current one: {verdict}."
        )


def _one(kinds: list[str] | None) -> str:
    """The kind whose model a run trained on one kind starts from and replaces; blank for several or all."""
    return kinds[0] if kinds and len(set(kinds)) == 1 else ""
