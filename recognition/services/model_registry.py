"""The registry of recognition models: which model reads which pages, adding, choosing and deleting models."""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

from django.conf import settings
from django.db import transaction

from documents.models import Document
from recognition.errors import ModelFileMissing, ModelInUse
from recognition.models import DocumentModel, FineTuning, Job, KindModel, RecognitionModel
from recognition.recognizers import default_model_path, recognizer_load, shipped_models_dir
from recognition.selectors import models_reading_new_pages, tuned_model

logger = logging.getLogger(__name__)


def model_current(kind: str = "") -> RecognitionModel:
    """The model new pages of ``kind`` are read with: the one chosen for that kind, else the current
    (default) model. The shipped model file is registered on first use, again when an upgrade
    replaced it, and in place of a shipped file an upgrade removed: readings must name the model
    that made them; a kind given a shipped model an upgrade replaced follows the default again."""
    chosen = KindModel.objects.filter(kind=kind).select_related("model").first() if kind else None
    if chosen and not _replaced_by_upgrade(chosen.model, default_model_path()):
        return chosen.model
    if chosen:
        chosen.delete()
    model = RecognitionModel.objects.filter(is_current=True).first()
    shipped = default_model_path()
    if model is None or _replaced_by_upgrade(model, shipped):
        return model_register(path=shipped, make_current=True)
    return model


def model_for_document(document: Document) -> RecognitionModel:
    """The model that reads ``document``: the one tuned to its handwriting, else the one for its kind."""
    tuned = tuned_model(document)
    if tuned:
        return tuned
    if DocumentModel.objects.filter(document=document).exists():  # jobs name the model that read each page
        logger.warning("the model file tuned to document %s is gone: reading it with its kind's model", document.pk)
    return model_current(document.kind)


def _replaced_by_upgrade(model: RecognitionModel, shipped: str) -> bool:
    if model.file_path == shipped:
        return recognizer_load(shipped).info.version != model.version
    path = Path(model.file_path)
    if path.resolve().parent == shipped_models_dir() and not path.exists():
        logger.warning("model file %s, shipped before, is gone: %s is the current model now", path, shipped)
        return True
    return False  # a file someone registered: if it is missing, jobs say so


def model_register(*, path: str, make_current: bool, kind: str = "") -> RecognitionModel:
    """Add a model file to the registry with the name, version and metrics it carries; with
    ``make_current``, read new pages of ``kind`` (of every kind: blank) with it."""
    info = recognizer_load(path).info
    with transaction.atomic():
        model, _ = RecognitionModel.objects.get_or_create(
            version=info.version,
            defaults={"name": info.name, "file_path": path, "metrics": dict(info.metrics)},
        )
        if make_current:
            model_make_current(model=model, kind=kind)
    return model


def model_make_current(*, model: RecognitionModel, kind: str = "") -> None:
    """Read new pages of ``kind`` with ``model`` from now on; blank ``kind``: make it the current
    model, which reads every kind that has no model of its own. Pages read before keep their text."""
    if not Path(model.file_path).is_file():
        raise ModelFileMissing(f"The model file {model.file_path} is gone: this model cannot be used.")
    with transaction.atomic():
        if kind and model.is_current:
            KindModel.objects.filter(kind=kind).delete()  # the kind follows the current model again
        elif kind:
            KindModel.objects.update_or_create(kind=kind, defaults={"model": model})
        else:
            RecognitionModel.objects.filter(is_current=True).exclude(pk=model.pk).update(is_current=False)
            RecognitionModel.objects.filter(pk=model.pk).update(is_current=True)
            model.is_current = True


def document_model_set(*, document: Document, model: RecognitionModel) -> None:
    """Read ``document``'s lines with ``model`` from now on (a model tuned to its handwriting)."""
    DocumentModel.objects.update_or_create(document=document, defaults={"model": model})


def model_delete(*, model: RecognitionModel) -> None:
    """Delete a model that reads nothing and read nothing (kept aside by a fine-tuning, say), with
    the folder a worker's run made for it; the runs that made or started from it keep their figures."""
    if model.id in models_reading_new_pages():
        raise ModelInUse("This model reads new pages: give them another model first.")
    if Job.objects.filter(model=model).exists():
        raise ModelInUse("Pages were read with this model: it stays, so that their readings name it.")
    with transaction.atomic():
        FineTuning.objects.filter(base_model=model).update(base_model=None)
        FineTuning.objects.filter(model=model).update(model=None)
        model.delete()
    transaction.on_commit(lambda: _run_folder_delete(model))


def _run_folder_delete(model: RecognitionModel) -> None:
    folder = Path(model.file_path).parent
    if folder.resolve().parent == Path(settings.FINE_TUNING_DIR).resolve():  # a worker's run, not a CLI's OUT
        shutil.rmtree(folder, ignore_errors=True)
