"""Corrected lines feed retraining: a model tuned to them with ml.train.adapt's recipe is used only
if it reads checked lines that neither trained it nor chose its step better than the model it
started from; a run that could not be judged is refused before it starts."""

import pytest
from django.core.management import CommandError, call_command

from documents.models import Document, Line, LineText, TextSource
from documents.services import line_text_save
from ml.train.datasets import LineSample
from recognition import fine_tuning, pipeline
from recognition.errors import NotEnoughChecked
from recognition.fine_tuning import Judgement, fine_tune, lines_split
from recognition.models import DocumentModel, FineTuning, Job, JobStage, JobState, RecognitionModel
from recognition.selectors import checked_lines_needed, fine_tuning_outcome, lines_checked
from recognition.services import fine_tuning_start, model_current
from tests.conftest import jobs_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def few_lines_needed(settings):
    """16 of verified_pages' 20 checked lines: 12 to learn from, 4 more to judge by."""
    settings.FINE_TUNING_MIN_TRAIN_LINES = 12
    settings.FINE_TUNING_MIN_HELD_OUT_LINES = 4


def judged(monkeypatch, before: float, after: float, sure: float) -> None:
    """The tuned model's judgement, as if it had read the held-out lines so."""
    monkeypatch.setattr(fine_tuning, "_judge", lambda base, tuned, lines: Judgement(before, after, sure))


def lines(count: int) -> list[LineSample]:
    return [LineSample(None, f"line {i}", "test") for i in range(count)]


def test_the_fewest_lines_a_run_needs_are_dealt_as_the_benchmark_measured(settings):
    split = lines_split(lines(70))  # the defaults: 50 to learn from, 20 to judge

    assert (len(split.train), len(split.choose), len(split.judge)) == (40, 10, 20)
    texts = [[line.text for line in part] for part in split]
    assert len({text for part in texts for text in part}) == 70  # each line in one part only
    assert texts[1] == [f"line {i}" for i in (3, 10, 17, 24, 31, 38, 45, 52, 59, 66)]  # a fifth of those learned from
    assert texts[2][0] == "line 1" and texts[2][-1] == "line 68"  # the judging lines are spread over the document


def test_more_lines_judge_more_surely_within_bounds():
    split = lines_split(lines(150))
    assert (len(split.train), len(split.choose), len(split.judge)) == (88, 22, 20 + 80 // 4)
    many = lines_split(lines(10_000))
    assert (len(many.choose), len(many.judge)) == (fine_tuning.CHOOSE_MAX, fine_tuning.JUDGE_MAX)


def test_checked_lines_are_counted_as_the_run_will_train_on_them(document_with_lines, owner, settings):
    first, second, third = Line.objects.filter(page__document=document_with_lines).order_by("order")
    line_text_save(line=first, author=owner, text="checked", revision=first.revision)
    line_text_save(line=second, author=owner, text="  ", revision=second.revision)  # emptied: nothing to learn
    LineText.objects.create(line=third, text="a later reading", source=TextSource.MODEL, model_version="m")

    assert lines_checked(Document.objects.all()) == 1
    assert checked_lines_needed() == settings.FINE_TUNING_MIN_TRAIN_LINES + settings.FINE_TUNING_MIN_HELD_OUT_LINES == 70


def test_a_run_that_could_not_be_judged_is_refused_with_the_lines_still_needed(verified_pages, owner, tmp_path,
                                                                              settings):
    settings.FINE_TUNING_MIN_TRAIN_LINES, settings.FINE_TUNING_MIN_HELD_OUT_LINES = 15, 10

    with pytest.raises(NotEnoughChecked) as refused:
        fine_tuning_start(user=owner, document=verified_pages)
    assert str(refused.value) == ("Tuning needs 25 checked lines (15 to learn from, 10 more held out to judge the "
                                  "tuned model by); there are 20: check 5 more.")
    assert refused.value.http_status == 400 and not FineTuning.objects.exists()
    with pytest.raises(CommandError, match="there are 20: check 5 more"):
        call_command("fine_tune", str(tmp_path / "ft"))


def test_each_step_records_the_progress_and_the_time_left(verified_pages, tiny_model, few_lines_needed, monkeypatch):
    run = FineTuning.objects.create(document=verified_pages, kind=verified_pages.kind, steps=3)
    seen = []
    adapt = fine_tuning.adapt

    def adapt_watched(*args, on_step, **kwargs):
        def step(progress):
            on_step(progress)
            seen.append(FineTuning.objects.values_list("step", "progress", "eta_seconds", "state").get(pk=run.pk))
        return adapt(*args, on_step=step, **kwargs)

    monkeypatch.setattr(fine_tuning, "adapt", adapt_watched)
    fine_tuning.fine_tuning_run(run_id=str(run.id))

    assert [(step, progress, state) for step, progress, _, state in seen] == [
        (1, pytest.approx(1 / 3), "running"), (2, pytest.approx(2 / 3), "running"), (3, 1.0, "running")]
    assert all(eta >= 0 for *_, eta, _ in seen) and seen[-1][2] == 0
    run.refresh_from_db()
    assert (run.state, run.step, run.eta_seconds, run.error) == (JobState.DONE, 3, 0.0, "")
    assert (run.train_lines, run.holdout_lines) == (12, 5)  # and 3 chose the step


def test_the_gate_keeps_a_model_that_reads_the_held_out_lines_worse_aside(verified_pages, tiny_model,
                                                                         few_lines_needed, monkeypatch, tmp_path):
    before = model_current()
    judged(monkeypatch, before=0.20, after=0.25, sure=0.0)

    result = fine_tune(documents=Document.objects.all(), out=tmp_path / "ft", steps=2, time_budget_s=0)

    assert not result.promoted and model_current() == before
    assert RecognitionModel.objects.filter(pk=result.model.pk, is_current=False).exists()
    assert result.model.metrics["fine_tuning"]["from"] == before.version
    assert not (tmp_path / "ft" / "checked").exists()  # the copies of the pages are gone


@pytest.mark.parametrize(("before", "after", "sure", "lines", "passes"), [
    (0.20, 0.10, 1.00, 20, True),
    (0.20, 0.25, 1.00, 20, False),  # worse: never, however sure
    (0.20, 0.20, 1.00, 20, False),
    (0.20, 0.10, 0.90, 20, False),  # better by chance
    (0.20, 0.10, 1.00, 19, False),  # too few lines to judge by
])
def test_only_a_model_that_reads_better_surely_on_enough_lines_passes(before, after, sure, lines, passes, settings):
    settings.FINE_TUNING_MIN_SURE_PERCENT = 95
    assert Judgement(before, after, sure).passes(lines) is passes


def test_a_document_tuned_better_has_its_unchecked_lines_read_again_and_peoples_text_untouched(
        verified_pages, tiny_model, few_lines_needed, monkeypatch, django_capture_on_commit_callbacks):
    base = model_current()
    jobs_set(verified_pages.jobs.all(), JobState.DONE)  # read: reading again is refused while pages are read
    page = verified_pages.pages.get(number=1)
    unchecked = Line.objects.create(page=page, order=4, polygon=[[10, 10], [300, 10], [300, 60], [10, 60]],
                                    baseline=[[10, 55], [300, 55]])
    LineText.objects.create(line=unchecked, text="first reading", source=TextSource.MODEL, model_version=base.version)
    people = {line.pk: list(line.versions.values_list("text", "source")) for line in Line.objects.exclude(pk=unchecked.pk)}
    judged(monkeypatch, before=0.30, after=0.10, sure=1.0)
    run = FineTuning.objects.create(document=verified_pages, kind=verified_pages.kind, steps=2)

    with django_capture_on_commit_callbacks(execute=True):
        fine_tuning.fine_tuning_run(run_id=str(run.id))

    run.refresh_from_db()
    assert run.promoted and DocumentModel.objects.get(document=verified_pages).model == run.model
    assert "so it reads this document's lines now, and the lines nobody checked are read again" in fine_tuning_outcome(run)
    again = Job.objects.filter(document=verified_pages, stage=JobStage.READ_AGAIN)
    assert again.count() == verified_pages.pages.count()
    for job in again:
        pipeline.job_read_again(job=job)
    newest = unchecked.versions.order_by("created", "id").last()
    assert (newest.source, newest.model_version) == (TextSource.MODEL, run.model.version)
    assert {line.pk: list(line.versions.values_list("text", "source"))
            for line in Line.objects.exclude(pk=unchecked.pk)} == people


def test_a_worse_tuning_of_a_document_changes_nothing_it_reads(verified_pages, tiny_model, few_lines_needed,
                                                               monkeypatch):
    judged(monkeypatch, before=0.20, after=0.30, sure=0.0)
    run = FineTuning.objects.create(document=verified_pages, kind=verified_pages.kind, steps=2)

    fine_tuning.fine_tuning_run(run_id=str(run.id))

    run.refresh_from_db()
    assert run.state == JobState.DONE and not run.promoted and run.model is not None
    assert not DocumentModel.objects.exists()
    assert not Job.objects.filter(stage=JobStage.READ_AGAIN).exists()
    assert fine_tuning_outcome(run).endswith("it did not read them better, so it was kept aside: the document is "
                                             "read as before.")


def test_a_model_better_by_chance_is_kept_aside_and_the_outcome_says_so(settings):
    settings.FINE_TUNING_MIN_HELD_OUT_LINES = 4
    run = FineTuning(state=JobState.DONE, model=RecognitionModel(version="new"), base_model=RecognitionModel(version="old"),
                     train_lines=16, holdout_lines=4, step=80, best_step=60, cer_before=0.17, cer_after=0.16, sure=0.6,
                     promoted=False)
    outcome = fine_tuning_outcome(run)
    assert outcome.startswith("Trained on 16 checked lines (80 steps, step 60 kept). On 4 held-out lines new has "
                              "16.0 % CER against 17.0 % for old")
    assert "better, but not surely: in 60 % of samples of those lines, where 95 % are needed" in outcome
