"""Fine-tune the current recognizer on the lines people verified, and use the new model only if it
reads verified pages it was not trained on better than the current one does.

Every HOLDOUT_EVERY-th page with verified lines is held out of training to judge by; the rest
trains; the model kept is the last epoch's, so that the pages that judge it did not also choose
it. The new model is registered either way, with both models' figures on the held-out pages.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from django.db.models import QuerySet

from documents.models import Document
from documents.training_export import export_verified_pages
from ml.evaluate import evaluate_samples
from ml.model_file import load_model, save_model
from ml.packed_lines import load_lines
from ml.train import parse_args, train
from recognition.models import RecognitionModel
from recognition.services import model_current, model_register

HOLDOUT_EVERY = 5
NAME = "crnn-fine-tuned"


class NotEnoughVerified(Exception):
    """Too few verified pages to both train and judge a model."""


@dataclass
class FineTuned:
    model: RecognitionModel
    train_lines: int
    holdout_lines: int
    cer_before: float  # the current model's, on the held-out lines
    cer_after: float  # the new model's

    @property
    def promoted(self) -> bool:
        return self.model.is_current


def fine_tune(*, documents: QuerySet[Document], out: Path, epochs: int = 5, lr: float = 2e-4,
              extra_train: list[str] | None = None) -> FineTuned:
    """Train a new model from the current one on the verified lines of ``documents`` (beside the
    ``extra_train`` folders, e.g. the data the shipped model learned from, so that it does not
    forget other hands), in the new or empty folder ``out``; its file is ``out/model.pt``. It
    becomes the current model only if its CER on the held-out pages is lower than the current
    model's. Raises NotEnoughVerified, FileExistsError when ``out`` is not empty."""
    verified, holdout = out / "verified", out / "holdout"
    export_verified_pages(documents=documents, out=verified)
    pages = sorted(verified.glob("*.xml"))
    if len(pages) < 2:
        raise NotEnoughVerified(f"Fine-tuning needs verified lines on at least 2 pages (one is held out to judge the "
                                f"new model by); there {'is' if len(pages) == 1 else 'are'} {len(pages)}.")
    holdout.mkdir()
    for xml in pages[HOLDOUT_EVERY - 1::HOLDOUT_EVERY] or pages[-1:]:
        for part in verified.glob(f"{xml.stem}.*"):
            shutil.move(part, holdout / part.name)
    current = model_current()
    cache = str(out / "cache")
    args = parse_args(["--train", str(verified), *(extra_train or []), "--val", str(holdout), "--out", str(out / "run"),
                       "--init", current.file_path, "--epochs", str(epochs), "--lr", str(lr), "--patience", str(epochs),
                       "--augment-share", "0.5", "--workers", "0", "--cache", cache])
    train(args)
    bundle = load_model(out / "run" / "last.pt")  # the last epoch, not the one the held-out pages chose
    bundle.name = NAME
    save_model(out / "model.pt", bundle, half=True)
    held_out = load_lines(str(holdout), cache)
    before = evaluate_samples(load_model(current.file_path), held_out).cer
    after = evaluate_samples(load_model(out / "model.pt"), held_out).cer
    model = model_register(path=str((out / "model.pt").resolve()), make_current=after < before)
    model.metrics = {**model.metrics, "fine_tuning": {
        "from": current.version, "held_out_lines": len(held_out), "cer_before": before, "cer_after": after}}
    model.save(update_fields=["metrics"])
    train_lines = len(load_lines(str(verified), cache))
    return FineTuned(model=model, train_lines=train_lines, holdout_lines=len(held_out), cer_before=before, cer_after=after)
