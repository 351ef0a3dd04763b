import pytest
from django.core.files.storage import default_storage

from documents.models import Document, Line, LineText, Page, TextSource
from documents.selectors import line_view, page_lines
from documents.services import (
    StaleRevision,
    document_upload,
    line_text_save,
    line_texts_add_model,
    page_lines_create,
)
from documents.uploads import UploadError
from ml.layout import LinePrediction, PageLayout, TextLine
from documents.services import uploads
from recognition import services as recognition
from recognition.models import Job
from tests import scans
from tests.conftest import upload_file

pytestmark = pytest.mark.django_db


def test_upload_stores_pages_and_queues_jobs_after_commit(owner, django_capture_on_commit_callbacks):
    files = [upload_file("scan.pdf", scans.pdf_bytes([scans.handwritten_page(first=n) for n in range(2)]))]
    with django_capture_on_commit_callbacks() as callbacks:
        document = document_upload(owner=owner, kind="prescription", title="Rx", files=files)
        recognition.document_process(document=document)  # as the web layer does
    pages = list(document.pages.order_by("number"))
    assert [(p.number, p.width, p.height) for p in pages] == [(1, 1500, 1000), (2, 1500, 1000)]
    assert all(default_storage.exists(p.image.name) for p in pages)
    assert sorted(Job.objects.filter(document=document).values_list("stage", flat=True)) == [
        "recognize", "recognize", "segment", "segment"
    ]
    assert len(callbacks) == 1  # the segment tasks are sent only once the upload is committed


def test_failed_upload_leaves_no_rows_and_no_files(owner, monkeypatch):
    good = upload_file("a.png", scans.png_bytes(scans.handwritten_page()))
    bad = upload_file("b.png", b"\x89PNG\r\n\x1a\n truncated")
    with pytest.raises(UploadError, match="b.png"):
        document_upload(owner=owner, kind="lecture_notes", title="x", files=[good, bad])
    assert not Document.objects.exists() and not Page.objects.exists()

    # A failure after files were stored (here: the database) removes them again.
    stored = []
    original_save = default_storage.save

    def tracking_save(name, content, **kwargs):
        stored.append(original_save(name, content, **kwargs))
        return stored[-1]

    original_page_create = uploads.page_create

    def failing_second_page(**kwargs):
        if kwargs["number"] == 2:
            raise RuntimeError("database went away")
        return original_page_create(**kwargs)

    monkeypatch.setattr(default_storage, "save", tracking_save)
    monkeypatch.setattr(uploads, "page_create", failing_second_page)
    good.file.seek(0)
    again = upload_file("c.png", scans.png_bytes(scans.handwritten_page()))
    with pytest.raises(RuntimeError):
        document_upload(owner=owner, kind="lecture_notes", title="x", files=[good, again])
    assert stored and not any(default_storage.exists(name) for name in stored)
    assert not Document.objects.exists()


def _layout(n: int) -> PageLayout:
    lines = [
        TextLine(id=f"l{i}", polygon=[(0, 40 * i), (100, 40 * i), (100, 40 * i + 30), (0, 40 * i + 30)],
                 baseline=[(0, 40 * i + 25), (100, 40 * i + 25)])
        for i in range(n)
    ]
    return PageLayout(width=100, height=400, lines=lines)


def test_segmenting_twice_does_not_duplicate_lines(make_document):
    page = make_document(pages=1).pages.get()
    assert page_lines_create(page=page, layout=_layout(3)) == 3
    assert page_lines_create(page=page, layout=_layout(5)) == 3
    assert list(page.lines.values_list("order", flat=True)) == [0, 1, 2]


def test_baseline_only_lines_get_a_band_polygon(make_document):
    page = make_document(pages=1).pages.get()
    layout = PageLayout(width=100, height=400, lines=[
        TextLine(id="a", polygon=[], baseline=[(10, 100), (90, 100)]),
        TextLine(id="b", polygon=[], baseline=[(10, 160), (90, 160)]),
    ])
    page_lines_create(page=page, layout=layout)
    first = page.lines.get(order=0)
    assert first.polygon == [[10, 55], [90, 55], [90, 115], [10, 115]]  # 60 px apart: 3/4 above, 1/4 below


def _prediction(text: str) -> LinePrediction:
    return LinePrediction(text=text, confidences=[0.9] * len(text))


def test_model_text_never_replaces_a_persons_text(document_with_lines, owner):
    line = Line.objects.filter(page__document=document_with_lines).first()
    line_text_save(line=line, author=owner, text="corrected", revision=line.revision)
    added = line_texts_add_model(predictions={line.id: _prediction("new model")}, model_version="model-2")
    assert added == 1
    view = line_view(line=line)
    assert view.text == "corrected"
    assert [v.source for v in view.versions] == ["model", "human", "model"]


def test_same_model_does_not_add_the_same_reading_twice(document_with_lines):
    line = Line.objects.filter(page__document=document_with_lines).first()
    for _ in range(2):
        line_texts_add_model(predictions={line.id: _prediction("again")}, model_version="test-model-1")
    assert line.versions.count() == 1


def test_save_adds_a_human_version_and_bumps_the_revision(document_with_lines, owner):
    line = Line.objects.filter(page__document=document_with_lines).first()
    version = line_text_save(line=line, author=owner, text="fixed", revision=1)
    assert (version.source, version.author, version.text) == (TextSource.HUMAN, owner, "fixed")
    line.refresh_from_db()
    assert line.revision == 2
    assert LineText.objects.filter(line=line).count() == 2


def test_stale_save_is_refused(document_with_lines, owner, collaborator):
    line = Line.objects.filter(page__document=document_with_lines).first()
    line_text_save(line=line, author=collaborator, text="theirs", revision=1)
    with pytest.raises(StaleRevision) as stale:
        line_text_save(line=line, author=owner, text="mine", revision=1)
    assert stale.value.current.text == "theirs"
    assert stale.value.line.revision == 2
    assert [v.text for v in line_view(line=line).versions] == ["line 0", "theirs"]


def test_page_lines_are_in_reading_order_with_current_text(document_with_lines):
    views = page_lines(page=document_with_lines.pages.get())
    assert [v.text for v in views] == ["line 0", "line 1", "line 2"]
    assert views[0].confidences[2] == 0.5
