"""The pipeline's steps on real scans, with the real segmenter and a small real model."""
from pathlib import Path

import numpy as np
import pytest
from celery.signals import worker_ready
from django.core.management import call_command
from PIL import Image

from documents.models import LineText, TextSource
from documents.selectors import page_lines
from documents.services import document_upload, line_add, line_text_save, page_turn
from ml.layout import LinePrediction
from ml.read.calibration import Calibration
from ml.read.codec import normalize_text
from ml.read.metrics import cer
from ml.read.model_file import load_model, save_model
from ml.read.recognizer import Recognizer
from ml.segment.drawn_line import writing_direction
from ml.segment.segmenter import segment_page
from recognition import pipeline, recognizers, services, tasks  # noqa: F401  (tasks: connects to worker_ready)
from recognition.errors import PermanentJobError, ReadAgainRefused
from recognition.models import Job, JobStage, JobState, RecognitionModel
from recognition.services import model_registry
from tests import scans
from tests.conftest import upload_file, jobs_set
from tests.recognition.conftest import save_tiny_model

pytestmark = pytest.mark.django_db


def uploaded(**upload):
    """A document uploaded as the web layer does it: stored, then queued for processing."""
    document = document_upload(**upload)
    services.document_process(document=document)
    return document


def test_segmentation_finds_the_lines_of_a_scan_once(make_document):
    page = make_document(pages=1).pages.get()  # four handwritten lines
    assert pipeline.page_segment(page=page) == 4
    assert pipeline.page_segment(page=page) == 4
    lines = list(page.lines.order_by("order"))
    assert len(lines) == 4
    tops = [min(y for _, y in line.polygon) for line in lines]
    assert tops == sorted(tops)  # reading order, top to bottom
    assert all(len(line.baseline) >= 2 for line in lines)


def test_recognition_adds_model_versions_and_keeps_a_persons_text(make_document, tiny_model, owner):
    page = make_document(pages=1).pages.get()
    pipeline.page_segment(page=page)
    model = services.model_current()
    assert (model.file_path, model.name, model.is_current) == (tiny_model, "tiny", True)

    first = page.lines.order_by("order").first()
    line_text_save(line=first, author=owner, text="checked by a person", revision=0)
    assert pipeline.page_recognize(page=page, model=model) == 3  # not the line a person wrote
    assert pipeline.page_recognize(page=page, model=model) == 0  # already read

    versions = LineText.objects.filter(line__page=page, source=TextSource.MODEL)
    assert versions.count() == 3 and not versions.filter(line=first).exists()
    assert all(len(v.confidences) == len(v.text) and v.model_version == model.version for v in versions)
    assert page_lines(page=page)[0].text == "checked by a person"


@pytest.mark.parametrize("kind, flagged", [("prescription", True), ("lecture_notes", False)])
def test_the_lines_of_a_prescription_are_flagged_once_read(make_document, tiny_model, monkeypatch, kind, flagged):
    page = make_document(pages=1, kind=kind).pages.get()
    pipeline.page_segment(page=page)
    text = "Amoxicilin 5000 mg tds"
    monkeypatch.setattr(Recognizer, "recognize", lambda self, images, batch_size=32, beam_width=0, language=None: [
        LinePrediction(text, [0.99] * len(text)) for _ in images])

    assert pipeline.page_recognize(page=page, model=services.model_current()) == 4

    kinds = {flag.kind for view in page_lines(page=page) for flag in view.flags}
    assert kinds == ({"unknown_drug", "unusual_strength"} if flagged else set())


@pytest.mark.parametrize("beam_width", [0, 3])
def test_lines_are_read_with_the_configured_beam_width(make_document, tiny_model, settings, monkeypatch, beam_width):
    settings.RECOGNITION_BEAM_WIDTH = beam_width
    page = make_document(pages=1).pages.get()
    pipeline.page_segment(page=page)
    widths = []
    recognize = Recognizer.recognize
    monkeypatch.setattr(Recognizer, "recognize", lambda self, images, batch_size=32, beam_width=0, language=None: (
        widths.append(beam_width) or recognize(self, images, batch_size, beam_width, language)))

    assert pipeline.page_recognize(page=page, model=services.model_current()) == 4

    assert widths[0] == beam_width  # the page's reading; a show-through check may follow


def _languages_read_with(monkeypatch) -> list:
    """The language models the recognizer is asked for, in order, from now on."""
    languages = []
    recognize = Recognizer.recognize
    monkeypatch.setattr(Recognizer, "recognize", lambda self, images, batch_size=32, beam_width=12, language="en": (
        languages.append(language) or recognize(self, images, batch_size, 0, None)))  # greedy: the tiny model
    return languages


def test_a_french_documents_pages_are_read_with_the_french_model(make_document, tiny_model, monkeypatch):
    french, english = make_document(pages=1, language="fr"), make_document(pages=1, language="en")
    languages = _languages_read_with(monkeypatch)
    for document in (french, english):
        page = document.pages.get()
        pipeline.page_segment(page=page)
        pipeline.job_recognize(job=Job.objects.create(document=document, page=page, stage=JobStage.RECOGNIZE))
        assert set(languages) == {document.language}  # the page's reading and its checks (turned, mirrored)
        languages.clear()


@pytest.mark.parametrize(("language", "model"), [("en", "en-rx"), ("fr", "fr")])
def test_a_prescription_is_read_with_the_model_that_knows_drug_names(make_document, tiny_model, monkeypatch,
                                                                     language, model):
    page = make_document(pages=1, kind="prescription", language=language).pages.get()
    pipeline.page_segment(page=page)
    languages = _languages_read_with(monkeypatch)

    pipeline.page_recognize(page=page, model=services.model_current())
    assert set(languages) == {model}


def test_reading_again_reads_with_the_documents_language(make_document, tiny_model, tmp_path, monkeypatch):
    page = make_document(pages=1, language="fr").pages.get()
    pipeline.page_segment(page=page)
    pipeline.page_recognize(page=page, model=services.model_current())
    newer = services.model_register(path=save_tiny_model(tmp_path / "newer.pt"), make_current=True)
    languages = _languages_read_with(monkeypatch)

    assert pipeline.page_read_again(page=page, model=newer) == 4
    assert languages == ["fr"]


def test_an_installation_without_a_language_model_reads_every_document_without_one(make_document, tiny_model,
                                                                                   settings, monkeypatch):
    settings.RECOGNITION_LANGUAGE = "none"
    page = make_document(pages=1, language="fr").pages.get()
    pipeline.page_segment(page=page)
    languages = _languages_read_with(monkeypatch)

    pipeline.page_recognize(page=page, model=services.model_current())
    assert set(languages) == {None}


def test_a_worker_reads_lines_at_the_configured_widths(make_document, tiny_model, settings, monkeypatch):
    settings.RECOGNITION_READ_WIDTHS = (1.0, 0.8)
    monkeypatch.setattr(recognizers, "_loaded", {})  # a worker started with that setting
    page = make_document(pages=1).pages.get()
    pipeline.page_segment(page=page)
    model = services.model_current()

    assert pipeline.page_recognize(page=page, model=model) == 4

    assert recognizers.recognizer_load(model.file_path).widths == (1.0, 0.8)
    versions = LineText.objects.filter(line__page=page, source=TextSource.MODEL)
    assert versions.count() == 4 and all(len(v.confidences) == len(v.text) for v in versions)


def test_a_worker_reads_and_segments_with_the_cpu_settings(make_document, tiny_model, settings, monkeypatch):
    """ml/ reads no environment variable: the workers pass HTR_CPU_BF16 and HTR_TORCH_THREADS in."""
    settings.HTR_CPU_BF16, settings.HTR_TORCH_THREADS = "0", 1
    monkeypatch.setattr(recognizers, "_loaded", {})  # a worker started with those settings
    configs = []
    monkeypatch.setattr(pipeline, "segment_page", lambda gray, config: configs.append(config) or segment_page(gray, config))
    page = make_document(pages=1).pages.get()
    pipeline.page_segment(page=page)

    recognizer = recognizers.recognizer_load(services.model_current().file_path)
    assert (recognizer.cpu_bf16, recognizer.threads) == ("0", 1)
    assert [config.cpu_bf16 for config in configs] == ["0"]


def test_a_kind_of_document_given_a_model_of_its_own_is_read_with_it(make_document, tiny_model, tmp_path):
    default = services.model_current()
    for_prescriptions = services.model_register(path=save_tiny_model(tmp_path / "rx.pt"), make_current=True,
                                                kind="prescription")
    jobs = {}
    for kind in ("prescription", "lecture_notes"):
        page = make_document(pages=1, kind=kind).pages.get()
        pipeline.page_segment(page=page)
        jobs[kind] = Job.objects.create(document=page.document, page=page, stage=JobStage.RECOGNIZE)
        pipeline.job_recognize(job=jobs[kind])

    assert Job.objects.get(pk=jobs["prescription"].pk).model == for_prescriptions
    assert Job.objects.get(pk=jobs["lecture_notes"].pk).model == default
    assert set(LineText.objects.filter(line__page__document__kind="prescription").values_list("model_version", flat=True)) == {for_prescriptions.version}

    services.model_make_current(model=default, kind="prescription")  # back to the current model
    assert services.model_current("prescription") == default


def test_reading_again_reads_the_lines_nobody_verified_with_the_newer_model(make_document, tiny_model, tmp_path, owner):
    page = make_document(pages=1).pages.get()
    pipeline.page_segment(page=page)
    first = services.model_current()
    pipeline.page_recognize(page=page, model=first)
    checked = page.lines.order_by("order").first()
    line_text_save(line=checked, author=owner, text="checked by a person", revision=checked.revision)
    newer = services.model_register(path=save_tiny_model(tmp_path / "newer.pt"), make_current=True)

    assert pipeline.page_read_again(page=page, model=newer) == 3  # not the line a person checked
    assert pipeline.page_read_again(page=page, model=newer) == 0  # read by it already

    views = page_lines(page=page)
    assert views[0].text == "checked by a person"
    assert [view.current.model_version for view in views[1:]] == [newer.version] * 3
    assert LineText.objects.filter(line__page=page, model_version=first.version).count() == 4  # kept


def test_a_document_is_read_again_by_jobs_once_it_is_not_being_processed(make_document, tiny_model):
    document = make_document(pages=2)  # its segment and recognize jobs are queued
    with pytest.raises(ReadAgainRefused, match="still being processed"):
        services.document_read_again(document=document)

    jobs_set(Job.objects.filter(document=document), JobState.DONE)
    jobs = services.document_read_again(document=document)
    assert [(job.page.number, job.stage) for job in jobs] == [(1, JobStage.READ_AGAIN), (2, JobStage.READ_AGAIN)]
    pipeline.job_read_again(job=jobs[0])
    assert Job.objects.get(pk=jobs[0].pk).model == services.model_current("lecture_notes")


def test_a_model_file_can_be_registered_for_one_kind_of_document(tiny_model, tmp_path):
    default = services.model_current()
    call_command("register_model", save_tiny_model(tmp_path / "notes.pt"), "--kind", "lecture_notes")
    notes = services.model_current("lecture_notes")
    assert notes != default and notes.file_path.endswith("notes.pt")
    assert services.model_current() == services.model_current("prescription") == default


def test_a_worker_that_starts_registers_the_model_a_shipped_upgrade_brought(tiny_model, monkeypatch, caplog):
    before = services.model_current()
    save_tiny_model(Path(tiny_model))  # the upgrade's file
    monkeypatch.setattr(recognizers, "_loaded", {})  # a worker process starting

    worker_ready.send(sender=None)

    current = RecognitionModel.objects.get(is_current=True)
    assert current.version != before.version and current.file_path == tiny_model
    Path(tiny_model).unlink()  # and a worker starts even when the model file is missing
    monkeypatch.setattr(recognizers, "_loaded", {})
    RecognitionModel.objects.all().delete()
    worker_ready.send(sender=None)
    assert "could not register the current recognition model" in caplog.text


def test_the_model_file_is_registered_once(tiny_model):
    assert services.model_current() == services.model_current()
    assert RecognitionModel.objects.count() == 1


def test_a_shipped_model_file_replaced_by_an_upgrade_is_registered_as_the_new_version(tiny_model, monkeypatch):
    before = services.model_current()
    save_tiny_model(Path(tiny_model))  # the upgrade's file, at the same path
    monkeypatch.setattr(recognizers, "_loaded", {})  # a worker started after the upgrade

    current = services.model_current()

    assert current.version != before.version and current.file_path == tiny_model
    assert list(RecognitionModel.objects.filter(is_current=True)) == [current]


def test_a_model_registered_from_another_file_stays_current(tiny_model, tmp_path):
    call_command("register_model", save_tiny_model(tmp_path / "finetuned.pt"))
    save_tiny_model(Path(tiny_model))  # the shipped file changes too

    assert services.model_current().file_path.endswith("finetuned.pt")


def test_a_shipped_model_file_an_upgrade_removed_gives_way_to_the_default(tiny_model, tmp_path, monkeypatch):
    shipped = tmp_path / "pretrained"
    shipped.mkdir()
    monkeypatch.setattr(model_registry, "shipped_models_dir", lambda: shipped)
    earlier = save_tiny_model(shipped / "earlier.pt")
    call_command("register_model", earlier)
    Path(earlier).unlink()  # the upgrade no longer ships it

    current = services.model_current()

    assert current.file_path == tiny_model
    assert list(RecognitionModel.objects.filter(is_current=True)) == [current]


def test_a_registered_model_file_that_went_missing_stays_current_and_jobs_say_so(tiny_model, tmp_path, monkeypatch):
    call_command("register_model", save_tiny_model(tmp_path / "finetuned.pt"))
    (tmp_path / "finetuned.pt").unlink()
    monkeypatch.setattr(recognizers, "_loaded", {})  # a worker started since

    current = services.model_current()

    assert current.file_path.endswith("finetuned.pt")
    with pytest.raises(PermanentJobError, match="finetuned.pt is missing"):
        recognizers.recognizer_load(current.file_path)


def test_a_new_model_file_can_be_registered_and_made_current(tiny_model, tmp_path):
    first = services.model_current()
    call_command("register_model", save_tiny_model(tmp_path / "better.pt"))
    current = RecognitionModel.objects.get(is_current=True)
    assert current != first and current.file_path.endswith("better.pt")
    assert services.model_current() == current
    with pytest.raises(PermanentJobError, match="absent.pt is missing"):
        call_command("register_model", str(tmp_path / "absent.pt"))


def assert_reads_the_first_four_fixture_lines(page):
    texts = [view.text for view in page_lines(page=page)]
    expected = [path.read_text("utf-8").strip() for path in sorted(scans.LINES_DIR.glob("*.gt.txt"))[:4]]
    assert len(texts) == 4
    assert cer([normalize_text(t) for t in expected], texts) < 0.4  # the shipped model's bound on these lines


def test_a_page_uploaded_upside_down_is_turned_and_read_upright(owner):
    upright = scans.handwritten_page(count=4)
    files = [upload_file("upside-down.png", scans.png_bytes(upright.rotate(180)))]
    page = uploaded(owner=owner, kind="lecture_notes", title="Turned", files=files).pages.get()
    pipeline.page_segment(page=page)

    assert pipeline.page_recognize(page=page, model=services.model_current()) == 4

    page.refresh_from_db()
    with page.image.open("rb") as stored:
        assert np.array_equal(np.asarray(Image.open(stored).convert("L")), np.asarray(upright))
    assert_reads_the_first_four_fixture_lines(page)


def test_a_line_showing_through_from_the_back_of_the_sheet_is_set_aside_as_unread_ink(owner):
    files = [upload_file("thin-paper.png", scans.png_bytes(scans.handwritten_page(count=5, showing_through=(4,))))]
    page = uploaded(owner=owner, kind="lecture_notes", title="Thin paper", files=files).pages.get()
    assert pipeline.page_segment(page=page) == 5

    assert pipeline.page_recognize(page=page, model=services.model_current()) == 4

    page.refresh_from_db()
    assert list(page.lines.values_list("order", flat=True)) == [0, 1, 2, 3]
    [place] = [place for place in page.unread_ink if place.get("note")]
    assert "mirror writing" in place["note"]
    assert min(y for _, y in place["polygon"]) > 80 + 3 * scans.LINE_PITCH  # where the fifth line was
    assert_reads_the_first_four_fixture_lines(page)


@pytest.mark.parametrize("degrees", [90, 270])
def test_a_page_uploaded_on_its_side_is_read_the_right_way_round(owner, degrees):
    files = [upload_file("sideways.png", scans.png_bytes(scans.handwritten_page(count=4).rotate(degrees, expand=True)))]
    page = uploaded(owner=owner, kind="lecture_notes", title="Sideways", files=files).pages.get()
    pipeline.page_segment(page=page)

    pipeline.page_recognize(page=page, model=services.model_current())

    assert_reads_the_first_four_fixture_lines(page)


def test_a_page_whose_sideways_lines_were_found_the_wrong_way_round_is_turned_upright(owner, monkeypatch):
    upright = scans.handwritten_page(count=4)
    files = [upload_file("sideways.png", scans.png_bytes(upright.rotate(90, expand=True)))]  # writing runs up
    page = uploaded(owner=owner, kind="lecture_notes", title="Sideways", files=files).pages.get()

    def found_backwards(gray, config):  # the segmenter's guess of the writing's direction was wrong
        layout = segment_page(gray, config)
        for line in layout.lines:
            line.baseline = line.baseline[::-1]
        return layout

    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "segment_page", found_backwards)
        pipeline.page_segment(page=page)
    pipeline.page_recognize(page=page, model=services.model_current())

    page.refresh_from_db()
    with page.image.open("rb") as stored:
        assert np.array_equal(np.asarray(Image.open(stored).convert("L")), np.asarray(upright))
    assert_reads_the_first_four_fixture_lines(page)


def test_a_page_a_person_turned_is_read_as_it_is(owner, make_document):
    page = make_document(pages=1).pages.get()
    jobs_set(Job.objects.filter(page=page), JobState.DONE)
    page_turn(page=page, quarter_turns=2)  # the person's choice, even if it looks wrong
    services.page_process_again(page=page)
    pipeline.page_segment(page=page)
    pipeline.page_recognize(page=page, model=services.model_current())
    page.refresh_from_db()
    assert Job.objects.filter(page=page, stage=JobStage.SEGMENT).count() == 2
    with page.image.open("rb") as stored:
        upright = np.asarray(scans.handwritten_page(first=0))
        assert np.array_equal(np.asarray(Image.open(stored).convert("L")), upright[::-1, ::-1])


@pytest.mark.parametrize("drawn_as", ["up", "down"])
def test_a_line_drawn_along_the_margin_is_read_the_way_its_writing_runs(owner, drawn_as, monkeypatch):
    """Which way a margin note runs is the person's guess; the reading turns it round if wrong."""
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: None)
    page_image = scans.handwritten_page(count=2)
    note = scans.line_crops()[4].rotate(-90, expand=True)  # written down the right margin
    page_image.paste(note, (1400, 100))
    files = [upload_file("margin.png", scans.png_bytes(page_image))]
    page = uploaded(owner=owner, kind="lecture_notes", title="Margin", files=files).pages.get()
    pipeline.page_segment(page=page)
    pipeline.page_recognize(page=page, model=services.model_current())
    jobs_set(Job.objects.filter(page=page), JobState.DONE)

    line = line_add(page=page, box=(1390, 90, 1410 + note.width, 110 + note.height), direction=drawn_as)
    pipeline.page_recognize(page=page, model=services.model_current())

    line.refresh_from_db()
    assert writing_direction(line.baseline) == "down"
    expected = normalize_text(sorted(scans.LINES_DIR.glob("*.gt.txt"))[4].read_text(encoding="utf-8").strip())
    read = next(view.text for view in page_lines(page=page) if view.line.id == line.id)
    assert cer([expected], [normalize_text(read)]) < 0.3, read


def test_people_are_shown_the_confidences_the_model_files_calibration_gives(make_document, tmp_path):
    bundle = load_model(save_tiny_model(tmp_path / "raw.pt"))
    bundle.calibration = Calibration(((0.0, 0.0), (1.0, 0.5)))  # the same weights, half as sure
    save_model(tmp_path / "halved.pt", bundle)
    raw = services.model_register(path=str(tmp_path / "raw.pt"), make_current=False)
    halved = services.model_register(path=str(tmp_path / "halved.pt"), make_current=False)
    page = make_document(pages=1).pages.get()
    pipeline.page_segment(page=page)

    pipeline.page_recognize(page=page, model=raw)
    pipeline.page_read_again(page=page, model=halved)

    views = page_lines(page=page)
    assert views and all(view.current.model_version == halved.version for view in views)
    for view in views:
        by_raw, by_halved = view.versions[-2:]
        assert by_halved.text == by_raw.text
        assert by_halved.confidences == pytest.approx([c / 2 for c in by_raw.confidences], abs=1e-4)  # stored to 4 places
