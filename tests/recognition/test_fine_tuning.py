"""Corrected lines feed retraining: a model fine-tuned on them is used only if it reads verified pages
it was not trained on better than the current one."""

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from documents.models import Document, Line
from documents.services import line_text_save
from ml.read.metrics import cer
from ml.read.model_file import load_model
from ml.read.recognizer import Recognizer
from recognition.fine_tuning import fine_tune
from recognition.models import FineTuning, JobState, RecognitionModel
from recognition.selectors import fine_tuning_outcome
from recognition.services import model_current
from tests import scans
from tests.conftest import VERIFIED_TEXTS as TEXTS

pytestmark = pytest.mark.django_db


def held_out_cer(model_file: str) -> float:
    """CER of a model on the held-out page (the fifth): its lines cut straight from the scan."""
    page = scans.handwritten_page(first=4)
    crops = [page.crop(scans.pasted_box(index, 4)) for index in range(4)]
    readings = Recognizer(load_model(model_file), "cpu").recognize([np.asarray(crop) for crop in crops], beam_width=0)
    truth = [TEXTS[(4 + index) % len(TEXTS)] for index in range(4)]
    return cer(truth, [reading.text for reading in readings])


@pytest.mark.slow
def test_a_model_that_reads_the_held_out_page_better_becomes_current(verified_pages, tmp_path, settings):
    settings.FINE_TUNING_MIN_HELD_OUT_LINES = 4
    before = model_current()

    result = fine_tune(documents=Document.objects.all(), out=tmp_path / "ft", epochs=3, lr=1e-3)

    assert (result.train_lines, result.holdout_lines) == (16, 4)  # the fifth page judges
    assert result.cer_after < result.cer_before and result.promoted
    assert model_current() == result.model and result.model.file_path == str((tmp_path / "ft" / "model.pt").resolve())
    assert result.model.metrics["fine_tuning"]["from"] == before.version
    assert held_out_cer(result.model.file_path) < held_out_cer(before.file_path)


@pytest.mark.slow
def test_a_model_that_does_not_read_better_is_kept_aside(verified_pages, tmp_path):
    before = model_current()

    result = fine_tune(documents=Document.objects.all(), out=tmp_path / "ft", epochs=1, lr=1e-9)  # it learns nothing

    assert result.cer_after == pytest.approx(result.cer_before, abs=0.01) and not result.promoted
    assert model_current() == before
    assert RecognitionModel.objects.filter(version=result.model.version, is_current=False).exists()


def test_fine_tuning_without_enough_verified_pages_says_so(document_with_lines, owner, tmp_path):
    line = Line.objects.get(page__document=document_with_lines, order=0)
    line_text_save(line=line, author=owner, text="one page only", revision=line.revision)
    with pytest.raises(CommandError, match="verified lines on at least 2 pages .* there is 1"):
        call_command("fine_tune", str(tmp_path / "ft"))


@pytest.mark.slow
def test_a_model_fine_tuned_on_one_kind_reads_that_kind_only(verified_pages, tmp_path, settings):
    settings.FINE_TUNING_MIN_HELD_OUT_LINES = 4
    before = model_current()

    result = fine_tune(documents=Document.objects.filter(kind="lecture_notes"), out=tmp_path / "ft",
                       kind="lecture_notes", epochs=3, lr=1e-3)

    assert result.promoted and result.base == before
    assert model_current("lecture_notes") == result.model
    assert model_current("prescription") == model_current() == before  # not judged on prescriptions


@pytest.mark.slow
def test_a_better_model_judged_on_too_few_lines_is_kept_aside(verified_pages, tmp_path, settings):
    settings.FINE_TUNING_MIN_HELD_OUT_LINES = 5  # one more than the held-out page has
    before = model_current()

    result = fine_tune(documents=Document.objects.all(), out=tmp_path / "ft", epochs=3, lr=1e-3)

    assert result.cer_after < result.cer_before and result.holdout_lines == 4
    assert not result.promoted and model_current() == before
    run = FineTuning(state=JobState.DONE, model=result.model, base_model=before, train_lines=16, holdout_lines=4,
                     cer_before=result.cer_before, cer_after=result.cer_after, promoted=False)
    assert "better, but so few lines are not enough to judge by (at least 5), so it was kept aside" in fine_tuning_outcome(run)


@pytest.mark.slow
def test_the_command_fine_tunes_and_records_the_run(verified_pages, tmp_path, capsys):
    call_command("fine_tune", str(tmp_path / "ft"), "--kind", "lecture_notes", "--epochs", "1")

    run = FineTuning.objects.get()
    assert (run.state, run.kind, run.requested_by, run.train_lines, run.holdout_lines) == ("done", "lecture_notes", None, 16, 4)
    assert capsys.readouterr().out.strip() == fine_tuning_outcome(run)
    with pytest.raises(CommandError, match="is not empty"):
        call_command("fine_tune", str(tmp_path / "ft"))


def test_a_model_better_by_chance_is_kept_aside_and_the_outcome_says_so(settings):
    settings.FINE_TUNING_MIN_HELD_OUT_LINES = 4
    run = FineTuning(state=JobState.DONE, model=RecognitionModel(version="new"), base_model=RecognitionModel(version="old"),
                     train_lines=16, holdout_lines=4, cer_before=0.17, cer_after=0.16, sure=0.6, promoted=False)
    assert "better, but not surely: in 60 % of samples of those lines, where 95 % are needed" in fine_tuning_outcome(run)
