from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from documents.training_export import add_selection_arguments, documents_selected
from recognition.errors import NotEnoughVerified
from recognition.fine_tuning import HOLDOUT_EVERY, fine_tune


class Command(BaseCommand):
    help = (f"Fine-tune the current recognizer on the lines people verified, holding out every {HOLDOUT_EVERY}th "
            "page to judge by, and make the new model current only if it reads those pages better.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help="a new (or empty) folder for the data, the run and model.pt")
        add_selection_arguments(parser)
        parser.add_argument("--epochs", type=int, default=5)
        parser.add_argument("--lr", type=float, default=2e-4, help="peak learning rate of the one-cycle schedule")
        parser.add_argument("--extra-train", nargs="+", default=[], metavar="FOLDER",
                            help="more training folders (e.g. the shipped model's own data), so that it does not "
                                 "forget other hands")

    def handle(self, *args, out: Path, kind, document, epochs: int, lr: float, extra_train: list[str], **options) -> None:
        try:
            result = fine_tune(documents=documents_selected(kind, document), out=out, epochs=epochs, lr=lr, extra_train=extra_train)
        except (NotEnoughVerified, FileExistsError) as error:
            raise CommandError(str(error)) from None
        verdict = ("it reads them better: new pages are read with it now" if result.promoted
                   else "it does not read them better: the current model stays in use")
        self.stdout.write(
            f"Trained on {result.train_lines} verified lines; on {result.holdout_lines} held-out lines the new model "
            f"({result.model.version}) has {100 * result.cer_after:.2f} % CER against {100 * result.cer_before:.2f} % "
            f"for the current one: {verdict}."
        )
