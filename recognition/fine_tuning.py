"""Tune the recognizer that reads a kind of document (or the current model, or one document's
model) to the lines people checked, with ml.train.adapt's recipe, and use the tuned model only if
it reads checked lines it never saw better.

The checked lines, in reading order, are dealt three ways: lines spread over them are held out to
judge the tuned model by (Judgement.passes, the gate), every fifth of the others is held out to
choose the step kept (as ml.evaluate.adaptation measured the recipe), and the rest train. The
lines that judge chose nothing, so a model cannot pass on lines that picked it. The new model is
registered either way, with both models' figures on the judging lines. Each run is a FineTuning
row: queued from a document's page or the models page and run by a worker, or run here by the
fine_tune command.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from documents.models import Document
from documents.training_export import export_verified_pages
from htr_platform import heartbeat
from ml.read.metrics import cer, share_better
from ml.read.model_file import load_model, save_model
from ml.read.recognizer import Recognizer
from ml.train.adapt import AdaptConfig, Progress, adapt
from ml.train.config import TrainingError
from ml.train.datasets import LineSample, load_folder
from ml.train.validation import stored_inks
from recognition.errors import FineTuningRefused, FineTuningStopped, ReadAgainRefused
from recognition.models import FineTuning, JobState, RecognitionModel
from recognition.services import (
    document_model_set,
    document_read_again,
    document_tuning_sync,
    fine_tuning_beat,
    fine_tuning_check_lines,
    fine_tuning_claim,
    fine_tuning_documents,
    model_current,
    model_for_document,
    model_register,
)

CHOOSE_EVERY = 5  # every fifth line learned from chooses the step, as the benchmark did
CHOOSE_MAX = 50  # read every few steps: more would slow a staff run down and choose no better
JUDGE_SHARE = 4  # of the lines beyond those a run needs, a quarter judge too
JUDGE_MAX = 200  # read twice at the end; enough for the bootstrap
# How a run can end without a bug: its message says all (ml.train.adapt raises TrainingError when no line can train).
_EXPECTED = (FineTuningRefused, FineTuningStopped, FileExistsError, TrainingError)
NAME = "crnn-fine-tuned"


class LineSplit(NamedTuple):
    train: list[LineSample]
    choose: list[LineSample]  # held out to choose the step kept
    judge: list[LineSample]  # held out to judge the kept model by


def lines_split(lines: list[LineSample]) -> LineSplit:
    """Deal the checked ``lines`` (at least checked_lines_needed) into those that train, choose and judge."""
    extra = len(lines) - settings.FINE_TUNING_MIN_TRAIN_LINES - settings.FINE_TUNING_MIN_HELD_OUT_LINES
    judge, learn = _spread(lines, min(JUDGE_MAX, settings.FINE_TUNING_MIN_HELD_OUT_LINES + max(extra, 0) // JUDGE_SHARE))
    choose, train = _spread(learn, min(CHOOSE_MAX, max(1, len(learn) // CHOOSE_EVERY)))
    return LineSplit(train, choose, judge)


def _spread(lines: list[LineSample], count: int) -> tuple[list[LineSample], list[LineSample]]:
    """``count`` of ``lines`` (at most all) spread evenly from the first to the last, and the others."""
    picked = {(2 * i + 1) * len(lines) // (2 * count) for i in range(count)}
    return [line for i, line in enumerate(lines) if i in picked], [line for i, line in enumerate(lines) if i not in picked]


@dataclass
class FineTuned:
    model: RecognitionModel
    base: RecognitionModel  # the model it was trained from
    train_lines: int
    holdout_lines: int  # those that judged it
    steps: int  # taken
    best_step: int  # kept; 0: the base's weights
    cer_before: float  # the base model's, on the held-out lines
    cer_after: float  # the new model's
    sure: float  # Judgement.sure
    promoted: bool  # it reads new pages now (of its kind, or of every kind), or its document


def fine_tune(*, documents: QuerySet[Document], out: Path, steps: int, time_budget_s: float, kind: str = "",
              document: Document | None = None, on_step: Callable[[Progress], None] | None = None) -> FineTuned:
    """Tune a new model, from the one reading new pages of ``kind`` (blank: the current model) or the
    one reading ``document``, to the checked lines of ``documents`` in at most ``steps`` steps and
    ``time_budget_s`` seconds, in the new or empty folder ``out``; its file is ``out/model.pt``. It
    reads new pages of ``kind`` (blank: becomes the current model), or ``document``'s lines, only if
    it reads the judging lines better than its base model (``Judgement.passes``); ``on_step`` follows
    the training. Raises NotEnoughChecked, FileExistsError when ``out`` is not empty."""
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty: give a new folder, so that no earlier run is mixed in")
    lines = _checked_lines(documents, out / "checked")
    fine_tuning_check_lines(checked=len(lines))  # fewer than counted: lines cutting dropped, or emptied since
    split = lines_split(lines)
    current = model_for_document(document) if document else model_current(kind)
    config = AdaptConfig(max_steps=steps, time_budget_s=time_budget_s, cpu_bf16=settings.HTR_CPU_BF16)
    adapted = adapt(load_model(current.file_path), split.train, split.choose, config, on_step=on_step)
    adapted.bundle.name = NAME  # it keeps the base model's calibration: fitting anew needs more lines
    save_model(out / "model.pt", adapted.bundle, half=True)
    judged = _judge(current.file_path, out / "model.pt", split.judge)
    promoted = judged.passes(len(split.judge))
    model = model_register(path=str((out / "model.pt").resolve()), make_current=promoted and not document, kind=kind)
    if promoted and document:
        document_model_set(document=document, model=model)
    model.metrics = {**model.metrics, "fine_tuning": {
        "from": current.version, "held_out_lines": len(split.judge), "cer_before": judged.cer_before,
        "cer_after": judged.cer_after, "sure": judged.sure, "choosing_lines": len(split.choose),
        "readings": adapted.history}}
    model.save(update_fields=["metrics"])
    return FineTuned(model=model, base=current, train_lines=len(split.train), holdout_lines=len(split.judge),
                     steps=adapted.steps, best_step=adapted.best_step, cer_before=judged.cer_before,
                     cer_after=judged.cer_after, sure=judged.sure, promoted=promoted)


def _checked_lines(documents: QuerySet[Document], folder: Path) -> list[LineSample]:
    """The checked lines of ``documents``, cut from copies of their pages in ``folder``, which go once
    the lines are read (prescriptions' among them)."""
    export_verified_pages(documents=documents, out=folder)
    try:
        return load_folder(folder, workers=1)
    finally:
        shutil.rmtree(folder)


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
    with heartbeat.beating(lambda: fine_tuning_beat(run_id=run.pk)):
        _run(run, documents=fine_tuning_documents(kind=run.kind, document=run.document),
             out=settings.FINE_TUNING_DIR / str(run.id))


def fine_tuning_here(*, documents: QuerySet[Document], out: Path, kind: str, steps: int,
                     document: Document | None = None) -> FineTuning:
    """Fine-tune in this process (the fine_tune command), recorded as a run beside those the workers ran."""
    kind = document.kind if document else kind
    now = timezone.now()
    run = FineTuning.objects.create(kind=kind, document=document, steps=steps, state=JobState.RUNNING,
                                    started=now, heartbeat=now, worker=heartbeat.worker_name())
    document_tuning_sync(document_id=run.document_id)
    with heartbeat.beating(lambda: fine_tuning_beat(run_id=run.pk)):
        _run(run, documents=documents, out=out)
    run.refresh_from_db()
    return run


def _run(run: FineTuning, *, documents: QuerySet[Document], out: Path) -> None:
    running = FineTuning.objects.filter(pk=run.pk, state=JobState.RUNNING)

    def on_step(progress: Progress) -> None:
        if not running.update(progress=progress.step / progress.total, step=progress.step, eta_seconds=progress.eta):
            raise FineTuningStopped(f"fine-tuning {run.pk} was stopped at step {progress.step}")

    budget = settings.FINE_TUNING_TIME_BUDGET if run.document_id else settings.FINE_TUNING_STAFF_TIME_BUDGET
    try:
        result = fine_tune(documents=documents, out=out, kind=run.kind, document=run.document, steps=run.steps,
                           time_budget_s=budget, on_step=on_step)
    except Exception as error:
        running.update(state=JobState.FAILED, error=_failure(error), finished=timezone.now(), eta_seconds=None)
        document_tuning_sync(document_id=run.document_id)
        if isinstance(error, (*_EXPECTED, SoftTimeLimitExceeded)):
            return
        raise  # unexpected: the log shows the traceback too
    running.update(state=JobState.DONE, progress=1.0, step=result.steps, eta_seconds=0.0, finished=timezone.now(),
                   model=result.model, base_model=result.base, train_lines=result.train_lines,
                   holdout_lines=result.holdout_lines, best_step=result.best_step, cer_before=result.cer_before,
                   cer_after=result.cer_after, sure=result.sure, promoted=result.promoted)
    document_tuning_sync(document_id=run.document_id)
    if result.promoted and run.document is not None:
        _read_again(run.document)


def _read_again(document: Document) -> None:
    """Read the document's lines nobody checked with the model now tuned to it; a person's text stays."""
    try:
        document_read_again(document=document)
    except ReadAgainRefused:
        pass  # pages are being read meanwhile: the document page offers to read them again afterwards


def _failure(error: BaseException) -> str:
    if isinstance(error, SoftTimeLimitExceeded):
        return (f"It took longer than {settings.FINE_TUNING_TIME_LIMIT // 60} minutes (FINE_TUNING_TIME_LIMIT) and "
                "was stopped; the models in use stay.")
    if isinstance(error, _EXPECTED):
        return str(error)
    return f"Unexpected error ({type(error).__name__}): {error}"
