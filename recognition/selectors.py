"""What the document page and the API read about jobs."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Case, IntegerField, OuterRef, QuerySet, Subquery, Value, When

from documents.models import HUMAN_SOURCES, Document, DocumentKind, Line, LineText, TextSource
from recognition.models import DocumentModel, FineTuning, Job, JobStage, JobState, KindModel, RecognitionModel

_STAGE_ORDER = Case(
    When(stage=JobStage.SEGMENT, then=Value(0)), default=Value(1), output_field=IntegerField()
)


def document_jobs(*, document: Document) -> QuerySet[Job]:
    return (
        Job.objects.filter(document=document)
        .select_related("page", "model")
        .order_by("page__number", _STAGE_ORDER)
    )


def job_json(job: Job) -> dict[str, Any]:
    return {
        "id": str(job.id),
        "page": str(job.page_id),
        "page_number": job.page.number,
        "stage": job.stage,
        "step": job.get_stage_display(),
        "state": job.state,
        "progress": round(job.progress, 3),
        "error": job.error,
        "attempts": job.attempts,
        "model_version": job.model.version if job.model else None,
        "created": job.created.isoformat(),
        "started": job.started.isoformat() if job.started else None,
        "finished": job.finished.isoformat() if job.finished else None,
    }


def document_status(*, document: Document) -> dict[str, Any]:
    """The document's jobs and overall progress (0..1), as the document page polls it.

    Only each page's latest job per step counts: a page turned and read again
    has its earlier, finished jobs too, which say nothing about now.
    """
    jobs = _latest_per_step(list(document_jobs(document=document)))
    finished = {JobState.DONE, JobState.FAILED}
    progress = sum(1.0 if job.state in finished else job.progress for job in jobs) / len(jobs) if jobs else 1.0
    tuned = tuned_model(document)
    model = tuned or model_in_use(document.kind)
    tuning = document_fine_tuning(document=document)
    return {
        "document": str(document.id),
        "progress": round(progress, 3),
        "finished": all(job.state in finished for job in jobs),
        "failed": sum(job.state == JobState.FAILED for job in jobs),
        "jobs": [job_json(job) for job in jobs],
        # Lines nobody verified that an earlier model read: the model for the kind may read them better.
        "read_again": {"lines": lines_read_by_other_models(document=document, model=model) if model else 0,
                       "model": model.version if model else None},
        # Tuning a model to this document's handwriting: the latest run, and whether one can start.
        "tuning": {
            "checked_lines": lines_checked(Document.objects.filter(pk=document.pk)),
            "lines_needed": checked_lines_needed(),
            "tuned": tuned is not None,
            "run": tuning and {"id": str(tuning.id), "state": tuning.state, "progress": tuning.progress,
                               "step": tuning.step, "steps": tuning.steps, "eta_seconds": tuning.eta_seconds,
                               "error": tuning.error,
                               "cer_before": tuning.cer_before, "cer_after": tuning.cer_after,
                               "promoted": tuning.promoted, "outcome": fine_tuning_outcome(tuning)},
        },
    }


def tuned_model(document: Document) -> RecognitionModel | None:
    """The model tuned to ``document``'s handwriting, while its file is there to read with; the
    workers read with it (services.model_for_document), else with the model for the kind."""
    tuned = DocumentModel.objects.filter(document=document).select_related("model").first()
    return tuned.model if tuned and Path(tuned.model.file_path).is_file() else None


def model_in_use(kind: str) -> RecognitionModel | None:
    """The model new pages of ``kind`` are read with, as registered (None before the first reading)."""
    chosen = KindModel.objects.filter(kind=kind).select_related("model").first()
    return chosen.model if chosen else RecognitionModel.objects.filter(is_current=True).first()


def lines_checked(documents: QuerySet[Document]) -> int:
    """The lines whose current text a person typed or imported, not left empty: those fine-tuning
    learns from and is judged on (documents.training_export writes them)."""
    newest = (LineText.objects.filter(line=OuterRef("pk"), source__in=HUMAN_SOURCES)
              .order_by("-created", "-id").values("text")[:1])
    texts = (Line.objects.filter(page__document__in=documents).annotate(checked=Subquery(newest))
             .exclude(checked=None).values_list("checked", flat=True))
    return sum(1 for text in texts if text.strip())


def checked_lines_needed() -> int:
    """The checked lines a fine-tuning needs to learn from and to be judged on."""
    return settings.FINE_TUNING_MIN_TRAIN_LINES + settings.FINE_TUNING_MIN_HELD_OUT_LINES


def document_fine_tuning(*, document: Document) -> FineTuning | None:
    """The latest run that tuned (or tunes) a model to ``document``."""
    return FineTuning.objects.filter(document=document).select_related("model", "base_model").first()


def lines_read_by_other_models(*, document: Document, model: RecognitionModel) -> int:
    """The document's lines nobody verified that a model other than ``model`` read."""
    read = Line.objects.filter(page__document=document, versions__source=TextSource.MODEL)
    return unverified_lines_not_read_by(read, model).distinct().count()


def unverified_lines_not_read_by(lines: QuerySet[Line], model: RecognitionModel) -> QuerySet[Line]:
    """Those of ``lines`` with no text a person typed or imported that ``model`` has not read: what
    reading again with it reads."""
    return lines.exclude(versions__source__in=HUMAN_SOURCES).exclude(versions__model_version=model.version)


def _latest_per_step(jobs: list[Job]) -> list[Job]:
    latest: dict[tuple, Job] = {}
    for job in jobs:
        key = (job.page_id, job.stage)
        if key not in latest or job.created > latest[key].created:
            latest[key] = job
    return [job for job in jobs if latest[(job.page_id, job.stage)] is job]


def model_figures(model: RecognitionModel) -> str:
    """What a model's file says it measured, in a line: CER on the data it was selected on or,
    for a fine-tuned model, on the checked lines held out to judge it."""
    metrics = model.metrics or {}
    tuning = metrics.get("fine_tuning")
    if tuning:  # its val_cer is the base model's
        return (f"on {tuning['held_out_lines']} held-out checked lines: CER {100 * tuning['cer_after']:.1f} % "
                f"against {100 * tuning['cer_before']:.1f} % for {tuning['from']}")
    if "val_cer" in metrics:
        sources = ", ".join(f"{name} {100 * source['cer']:.1f} %" for name, source in
                            sorted(metrics.get("per_source", {}).items()))
        return f"validation CER {100 * metrics['val_cer']:.1f} %" + (f" ({sources})" if sources else "")
    return "no figures recorded"


def kinds_read(models: list[RecognitionModel]) -> dict[int, list[str]]:
    """For each of ``models`` that reads new pages, the kinds of document it reads: its own, and
    for the current model every kind without a model of its own; and the documents it was tuned to."""
    chosen = dict(KindModel.objects.values_list("kind", "model_id"))
    default = next((model.id for model in models if model.is_current), None)
    read: dict[int, list[str]] = {}
    for kind, label in DocumentKind.choices:
        model_id = chosen.get(kind, default)
        if model_id is not None:
            read.setdefault(model_id, []).append(label)
    for model_id, title in DocumentModel.objects.values_list("model_id", "document__title"):
        read.setdefault(model_id, []).append(f"the document “{title}”")
    return read


def models_reading_new_pages() -> set[int]:
    """The ids of the models that read new pages: the current one, and those given a kind or tuned to
    a document."""
    return {*RecognitionModel.objects.filter(is_current=True).values_list("id", flat=True),
            *KindModel.objects.values_list("model_id", flat=True),
            *DocumentModel.objects.values_list("model_id", flat=True)}


def models_deletable(models: list[RecognitionModel]) -> set[int]:
    """The ids of ``models`` that read nothing now and read no page: those staff may delete."""
    in_use = {*models_reading_new_pages(),
              *Job.objects.filter(model__in=models).values_list("model_id", flat=True).distinct()}
    return {model.id for model in models if model.id not in in_use}


def fine_tuning_outcome(run: FineTuning) -> str:
    """How a finished run ended, in a sentence; empty while it is not done."""
    if run.state != JobState.DONE:
        return ""
    if run.document_id:
        pages = "this document's lines now, and the lines nobody checked are read again with it"
        aside = "kept aside: the document is read as before"
    else:
        pages = f"new pages of {run.get_kind_display()} now" if run.kind else "new pages of every kind now"
        aside = "kept aside; staff can still use it"
    if run.promoted:
        verdict = f"it read them better, so it reads {pages}"
    elif run.cer_after < run.cer_before and run.holdout_lines < settings.FINE_TUNING_MIN_HELD_OUT_LINES:
        verdict = (f"it read them better, but so few lines are not enough to judge by (at least "
                   f"{settings.FINE_TUNING_MIN_HELD_OUT_LINES}), so it was {aside}")
    elif run.cer_after < run.cer_before:
        verdict = (f"it read them better, but not surely: in {100 * run.sure:.0f} % of samples of those lines, "
                   f"where {settings.FINE_TUNING_MIN_SURE_PERCENT} % are needed, so it was {aside}")
    else:
        verdict = f"it did not read them better, so it was {aside}"
    new = run.model.version if run.model else "the new model (deleted since)"
    base = run.base_model.version if run.base_model else "the model it started from (deleted since)"
    kept = "none read better than the base" if run.best_step == 0 else f"step {run.best_step} kept"
    return (f"Trained on {run.train_lines} checked lines ({run.step} steps, {kept}). On {run.holdout_lines} "
            f"held-out lines {new} has {100 * run.cer_after:.1f} % CER against {100 * run.cer_before:.1f} % "
            f"for {base}: {verdict}.")
