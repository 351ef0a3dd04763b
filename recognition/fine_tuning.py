"""Fine-tune the recognizer that reads a kind of document (or the current model, or one document's
model) on the lines people verified, and use the new model only if it reads verified pages it was
not trained on better.

Every HOLDOUT_EVERY-th page with verified lines is held out of training to judge by; the rest
trains; the model kept is the last epoch's, so that the pages that judge it did not also choose
it. The new model is registered either way, with both models' figures on the held-out pages.
Each run is a FineTuning row: queued from the models page and run by a worker, or run here by
the fine_tune command.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from documents.models import Document
from documents.training_export import export_verified_pages
from ml.read.metrics import cer, share_better
from ml.read.model_file import load_model, save_model
from ml.read.recognizer import Recognizer
from ml.train.config import TrainConfig, TrainingError
from ml.train.datasets import LineSample
from ml.train.loop import train
from ml.train.packed_lines import load_lines
from ml.train.validation import stored_inks
from recognition import heartbeat
from recognition.errors import FineTuningRefused, FineTuningStopped, NotEnoughVerified
from recognition.models import FineTuning, JobState, RecognitionModel
from recognition.services import (
    document_model_set,
    document_tuning_sync,
    fine_tuning_beat,
    fine_tuning_claim,
    fine_tuning_documents,
    model_current,
    model_for_document,
    model_register,
)

HOLDOUT_EVERY = 5
# How a run can end without a bug: its message says all (ml.train.loop raises TrainingError when no line can train).
_EXPECTED = (FineTuningRefused, FineTuningStopped, FileExistsError, TrainingError)
NAME = "crnn-fine-tuned"


@dataclass
class FineTuned:
    model: RecognitionModel
    base: RecognitionModel  # the model it was trained from
    train_lines: int
    holdout_lines: int
    cer_before: float  # the base model's, on the held-out lines
    cer_after: float  # the new model's
    sure: float  # Judgement.sure
    promoted: bool  # it reads new pages now (of its kind, or of every kind), or its document


def fine_tune(*, documents: QuerySet[Document], out: Path, kind: str = "", document: Document | None = None,
              epochs: int = FineTuning.DEFAULT_EPOCHS, lr: float = FineTuning.LR,
              extra_train: list[str] | None = None, on_epoch: Callable[[int, int], None] | None = None) -> FineTuned:
    """Train a new model, from the one reading new pages of ``kind`` (blank: the current model) or
    the one reading ``document``, on the verified lines of ``documents`` (beside the ``extra_train``
    folders, e.g. the data the shipped model learned from, so that it does not forget other hands),
    in the new or empty folder ``out``; its file is ``out/model.pt``. It reads new pages of ``kind``
    (blank: becomes the current model), or ``document``'s lines, only if it reads the held-out pages
    better than its base model (``Judgement.passes``); ``on_epoch(done, epochs)`` follows the
    training. Raises NotEnoughVerified, FileExistsError when ``out`` is not empty."""
    verified, holdout = out / "verified", out / "holdout"
    export_verified_pages(documents=documents, out=verified)
    pages = sorted(verified.glob("*.xml"))
    if len(pages) < 2:
        raise NotEnoughVerified(len(pages))
    holdout.mkdir()
    for xml in pages[HOLDOUT_EVERY - 1::HOLDOUT_EVERY] or pages[-1:]:
        for part in verified.glob(f"{xml.stem}.*"):
            shutil.move(part, holdout / part.name)
    current = model_for_document(document) if document else model_current(kind)
    cache = str(out / "cache")
    config = TrainConfig(train=[str(verified), *(extra_train or [])], val=[str(holdout)], out=out / "run",
                         init=Path(current.file_path), epochs=epochs, lr=lr, patience=epochs, augment_share=0.5,
                         workers=0, cache=Path(cache), cpu_bf16=settings.HTR_CPU_BF16)
    train(config, on_epoch=on_epoch)
    bundle = load_model(out / "run" / "last.pt")  # the last epoch, not the one the held-out pages chose
    bundle.name = NAME
    # What the base model's confidences meant, roughly; fitting anew needs more lines than a run holds out.
    bundle.calibration = load_model(current.file_path).calibration
    save_model(out / "model.pt", bundle, half=True)
    held_out = load_lines(str(holdout), cache)
    judged = _judge(current.file_path, out / "model.pt", held_out)
    promoted = judged.passes(len(held_out))
    model = model_register(path=str((out / "model.pt").resolve()), make_current=promoted and not document, kind=kind)
    if promoted and document:
        document_model_set(document=document, model=model)
    model.metrics = {**model.metrics, "fine_tuning": {
        "from": current.version, "held_out_lines": len(held_out), "cer_before": judged.cer_before,
        "cer_after": judged.cer_after, "sure": judged.sure}}
    model.save(update_fields=["metrics"])
    train_lines = len(load_lines(str(verified), cache))
    return FineTuned(model=model, base=current, train_lines=train_lines, holdout_lines=len(held_out),
                     cer_before=judged.cer_before, cer_after=judged.cer_after, sure=judged.sure, promoted=promoted)


@dataclass
class Judgement:
    """Two models' readings of the held-out lines."""

    cer_before: float
    cer_after: float
    sure: float  # in what share of bootstrap samples of the lines the new model makes fewer errors

    def passes(self, lines: int) -> bool:
        """Better, on enough lines, and surely: a model that reads prescriptions must not get in by chance."""
        return (self.cer_after < self.cer_before and lines >= settings.FINE_TUNING_MIN_HELD_OUT_LINES
                and 100 * self.sure >= settings.FINE_TUNING_MIN_SURE_PERCENT)


def _judge(before: str | Path, after: str | Path, held_out: list[LineSample]) -> Judgement:
    references = [sample.text for sample in held_out]
    read_before, read_after = _readings(before, held_out), _readings(after, held_out)
    return Judgement(cer(references, read_before), cer(references, read_after),
                     share_better(references, read_before, read_after))


def _readings(model_file: str | Path, samples: list[LineSample]) -> list[str]:
    bundle = load_model(model_file)
    # Greedy: the networks are judged, not a language model, whose language is not known here.
    recognizer = Recognizer(bundle, "cpu", cpu_bf16=settings.HTR_CPU_BF16, threads=settings.HTR_TORCH_THREADS or None)
    return [p.text for p in recognizer.recognize_inks(stored_inks(samples, bundle.preprocess), beam_width=0)]


def fine_tuning_run(*, run_id: str) -> None:
    """Run a queued fine-tuning (recognition.services.fine_tuning_start queued it) and record how it
    ended; a message delivered again finds it no longer queued and does nothing."""
    if not fine_tuning_claim(run_id=run_id):
        return
    run = FineTuning.objects.get(pk=run_id)
    out = settings.FINE_TUNING_DIR / str(run.id)
    try:
        # A document's model reads that document alone: other hands need not be kept, and its run
        # stays minutes long, however much data FINE_TUNING_EXTRA_TRAIN names for the staff's runs.
        extra_train = [] if run.document_id else settings.FINE_TUNING_EXTRA_TRAIN
        with heartbeat.beating(lambda: fine_tuning_beat(run_id=run.pk)):
            _run(run, documents=fine_tuning_documents(kind=run.kind, document=run.document), out=out,
                 lr=FineTuning.LR, extra_train=extra_train)
    finally:
        _tidy(out)


def _tidy(out: Path) -> None:
    """Keep the new model and its training curve: the copies of the pages (prescriptions' among them)
    and the checkpoints, tens of MB a run, go."""
    for copies in ("verified", "holdout", "cache"):
        shutil.rmtree(out / copies, ignore_errors=True)
    for checkpoint in (out / "run").glob("*.pt"):
        checkpoint.unlink()


def fine_tuning_here(*, documents: QuerySet[Document], out: Path, kind: str, epochs: int, lr: float,
                     extra_train: list[str], document: Document | None = None) -> FineTuning:
    """Fine-tune in this process (the fine_tune command), recorded as a run beside those the workers ran."""
    kind = document.kind if document else kind
    now = timezone.now()
    run = FineTuning.objects.create(kind=kind, document=document, epochs=epochs, state=JobState.RUNNING,
                                    started=now, heartbeat=now, worker=heartbeat.worker_name())
    document_tuning_sync(document_id=run.document_id)
    with heartbeat.beating(lambda: fine_tuning_beat(run_id=run.pk)):
        _run(run, documents=documents, out=out, lr=lr, extra_train=extra_train)
    run.refresh_from_db()
    return run


def _run(run: FineTuning, *, documents: QuerySet[Document], out: Path, lr: float, extra_train: list[str]) -> None:
    running = FineTuning.objects.filter(pk=run.pk, state=JobState.RUNNING)

    def on_epoch(done: int, total: int) -> None:
        if not running.update(progress=done / total):
            raise FineTuningStopped(f"fine-tuning {run.pk} was stopped after epoch {done}")

    try:
        result = fine_tune(documents=documents, out=out, kind=run.kind, document=run.document, epochs=run.epochs,
                           lr=lr, extra_train=extra_train, on_epoch=on_epoch)
    except Exception as error:
        running.update(state=JobState.FAILED, error=_failure(error), finished=timezone.now())
        document_tuning_sync(document_id=run.document_id)
        if isinstance(error, (*_EXPECTED, SoftTimeLimitExceeded)):
            return
        raise  # unexpected: the log shows the traceback too
    running.update(state=JobState.DONE, progress=1.0, finished=timezone.now(), model=result.model,
                   base_model=result.base, train_lines=result.train_lines, holdout_lines=result.holdout_lines,
                   cer_before=result.cer_before, cer_after=result.cer_after, sure=result.sure,
                   promoted=result.promoted)
    document_tuning_sync(document_id=run.document_id)


def _failure(error: BaseException) -> str:
    if isinstance(error, SoftTimeLimitExceeded):
        return (f"It took longer than {settings.FINE_TUNING_TIME_LIMIT // 60} minutes (FINE_TUNING_TIME_LIMIT) and "
                "was stopped; the current model stays in use.")
    if isinstance(error, _EXPECTED):
        return str(error)
    return f"Unexpected error ({type(error).__name__}): {error}"
