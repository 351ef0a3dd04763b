"""Exports (txt, json, ALTO and PAGE zips) and import from images with ALTO or PAGE XML."""
import io
import json
import zipfile

import pytest
from PIL import Image

from documents.exports import document_export
from documents.models import Document, Line, LineText, Page, TextSource
from documents.selectors import page_lines
from documents.services import document_import, line_text_save
from documents.uploads import UploadError
from documents.services.unread_ink import places_save
from ml.layout.formats import parse_layout
from recognition import services as recognition
from recognition.models import Job, JobStage, JobState
from recognition.pipeline import page_places_find
from tests import scans
from tests.conftest import upload_file

pytestmark = pytest.mark.django_db


def correct_first_line(document, user, text="Line zero"):
    line = Line.objects.get(page__document=document, order=0)
    line_text_save(line=line, author=user, text=text, revision=line.revision)


def test_text_export_has_the_current_text_of_every_line(document_with_lines, owner):
    for order, text in enumerate(["Line zero", "line 1", "line 2"]):
        line = Line.objects.get(page__document=document_with_lines, order=order)
        line_text_save(line=line, author=owner, text=text, revision=line.revision)
    assert document_export(document=document_with_lines, fmt="txt").decode() == "Line zero\nline 1\nline 2\n"


def test_text_export_marks_the_lines_expected_to_hold_errors_and_unread_ink(document_with_lines, owner):
    correct_first_line(document_with_lines, owner)  # the others are the model's, expected to hold 0.89 errors
    LineText.objects.filter(line__order=1).update(confidences=[0.3] * 6)  # 4.2: over the level of lecture notes
    page = document_with_lines.pages.get()
    places_save(page, [{"id": 1, "polygon": [[0, 0], [9, 0], [9, 9]]}, {"id": 2, "polygon": [[20, 0], [29, 0], [29, 9]]}])
    exported = document_export(document=document_with_lines, fmt="txt").decode()
    notes, text = exported.split("\n\n")
    assert text == "Line zero\n[?] line 1\nline 2\n"
    assert notes.startswith("Not checked: 1 line marked [?] is the model's reading where it expects 4 or more "
                            "characters to be wrong")
    assert "Also not checked: 1 other line is the model's reading, expected to hold fewer wrong characters." in notes
    assert "Not read: 2 places on the pages have ink that no line covers" in notes

    places_save(page, [{**place, "dismissed_by": owner.username} for place in page.unread_ink])
    Line.objects.filter(page=page, order__gt=0).delete()
    Line.objects.create(page=page, order=1, polygon=[[10, 60], [200, 60], [200, 100]], baseline=[[10, 95], [200, 95]])
    assert document_export(document=document_with_lines, fmt="txt").decode() == "Line zero\n[not read yet]\n"


def test_json_export_has_coordinates_confidences_and_versions(document_with_lines, owner):
    correct_first_line(document_with_lines, owner)
    data = json.loads(document_export(document=document_with_lines, fmt="json"))
    (page,) = data["pages"]
    first, second = page["lines"][:2]
    assert (page["width"], page["height"]) == (1500, 1000)
    assert first["polygon"][0] == [10, 10] and first["baseline"] == [[10, 45], [200, 45]]
    assert (first["text"], first["source"], first["confidences"]) == ("Line zero", "human", [])
    assert [(v["source"], v["author"], v["model_version"]) for v in first["versions"]] == [
        ("model", None, "test-model-1"), ("human", "owner", "")
    ]
    assert second["confidences"] == [0.99, 0.95, 0.5, 0.9, 0.97, 0.8]


@pytest.mark.parametrize("fmt", ["alto", "page"])
def test_xml_exports_zip_each_page_image_with_its_xml(document_with_lines, owner, fmt):
    correct_first_line(document_with_lines, owner)
    archive = zipfile.ZipFile(io.BytesIO(document_export(document=document_with_lines, fmt=fmt)))
    assert sorted(archive.namelist()) == ["page-0001.png", "page-0001.xml"]
    assert Image.open(io.BytesIO(archive.read("page-0001.png"))).size == (1500, 1000)
    layout = parse_layout(archive.read("page-0001.xml"))
    assert (layout.width, layout.height) == (1500, 1000)
    assert [line.text for line in layout.lines] == ["Line zero", "line 1", "line 2"]
    assert layout.lines[1].polygon == [(10, 60), (200, 60), (200, 100), (10, 100)]
    # ALTO's CC attribute keeps one digit per character, so compare loosely.
    assert layout.lines[1].confidences == pytest.approx([0.99, 0.95, 0.5, 0.9, 0.97, 0.8], abs=0.12)


@pytest.mark.parametrize("fmt", ["alto", "page"])
def test_an_exported_zip_imports_back_as_the_same_lines(document_with_lines, owner, fmt):
    archive = zipfile.ZipFile(io.BytesIO(document_export(document=document_with_lines, fmt=fmt)))
    document = document_import(
        owner=owner, kind="lecture_notes", title="Back",
        images=[upload_file("page-0001.png", archive.read("page-0001.png"))],
        layouts=[upload_file("page-0001.xml", archive.read("page-0001.xml"))],
    )
    views = page_lines(page=document.pages.get())
    original = page_lines(page=document_with_lines.pages.get())
    assert [v.text for v in views] == [v.text for v in original]
    assert [v.line.polygon for v in views] == [v.line.polygon for v in original]
    assert {v.current.source for v in views} == {TextSource.IMPORT}
    assert views[0].current.author == owner


PAGE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15">
  <Page imageFilename="{image}" imageWidth="{w}" imageHeight="{h}">
    <TextRegion id="r1"><Coords points="0,0 {w},0 {w},{h} 0,{h}"/>
      <TextLine id="l1"><Coords points="100,100 900,100 900,180 100,180"/><Baseline points="100,170 900,170"/>
        <TextEquiv><Unicode>Amoxicillin 500 mg</Unicode></TextEquiv></TextLine>
      <TextLine id="l2"><Baseline points="100,290 900,290"/>
        <TextEquiv><Unicode>1 tab. 3x daily</Unicode></TextEquiv></TextLine>
    </TextRegion>
  </Page>
</PcGts>"""


def test_import_scales_coordinates_to_a_resized_image(owner):
    image = scans.png_bytes(scans.handwritten_page().resize((750, 500)))
    xml = PAGE_XML.format(image="scan-7.jpg", w=1500, h=1000).encode()
    document = document_import(
        owner=owner, kind="prescription", title="Rx",
        images=[upload_file("scan-7.png", image)], layouts=[upload_file("rx.xml", xml)],
    )
    first, second = page_lines(page=document.pages.get())
    assert first.line.polygon == [[50, 50], [450, 50], [450, 90], [50, 90]]
    assert (first.text, second.text) == ("Amoxicillin 500 mg", "1 tab. 3x daily")
    assert second.line.polygon  # a baseline-only line is drawn as a band around it


def test_writing_an_imported_page_leaves_out_is_shown_as_a_place_of_unread_ink(owner, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: sent.append((name, args)))

    def imported(indices: list[int]) -> Page:
        with django_capture_on_commit_callbacks(execute=True):
            document = document_import(
                owner=owner, kind="prescription", title="Rx", images=[upload_file("scan.png", scans.png_bytes(scans.handwritten_page()))],
                layouts=[upload_file("scan.xml", scans.page_xml(indices))],
            )
            recognition.document_imported_follow(document=document)  # as the web layer does
            page = document.pages.get()
        (job,) = Job.objects.filter(page=page)  # the search runs in a worker, not in the request
        assert (job.stage, job.state) == (JobStage.PLACES, JobState.QUEUED) and sent[-1] == ("recognition.tasks.find_places", [str(job.id)])
        assert page_places_find(page=page) == len(Page.objects.get(pk=page.pk).unread_ink)
        return Page.objects.get(pk=page.pk)

    assert imported([0, 1, 2, 3]).unread_ink == []
    (place,) = imported([0, 1, 3]).unread_ink  # the third line is not in the XML
    xs, ys = zip(*place["polygon"])
    x0, y0, x1, y1 = scans.pasted_box(2)
    assert min(ys) >= y0 - 15 and max(ys) <= y1 + 15 and min(xs) < x0 + 100 and max(xs) > x1 - 100


@pytest.mark.parametrize(
    "images, xml, message",
    [
        ([("other.png", True)], PAGE_XML.format(image="scan.png", w=1500, h=1000), "its image scan.png was not uploaded"),
        ([("scan.png", True), ("extra.png", True)], PAGE_XML.format(image="scan.png", w=1500, h=1000), "No ALTO or PAGE XML file describes extra.png"),
        ([("scan.png", True)], "<PcGts><Page>", "scan.xml: "),
        ([("scan.png", True)], '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><alto>&e;</alto>', "scan.xml: "),
        ([("scan.png", False)], PAGE_XML.format(image="scan.png", w=1500, h=1000), "scan.png: not a PDF"),
    ],
)
def test_a_bad_import_is_refused_and_leaves_nothing(owner, images, xml, message):
    files = [upload_file(name, scans.png_bytes(scans.handwritten_page()) if ok else b"junk") for name, ok in images]
    with pytest.raises(UploadError, match=message):
        document_import(owner=owner, kind="prescription", title="Rx", images=files,
                        layouts=[upload_file("scan.xml", xml.encode())])
    assert not Document.objects.exists() and not Page.objects.exists()
