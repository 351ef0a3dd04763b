"""Flags on prescription lines: computed on the current text, confirmed by a pharmacist with a key
or corrected (a new version, flagged again); none on lecture notes; exports warn while any is open."""
import io
import json
import zipfile

import pypdfium2 as pdfium
import pytest
from django.urls import reverse
from docx import Document as WordDocument

from documents.models import DocumentKind, Line, LineFlag, LineText, TextSource
from documents.services import document_share, line_text_save
from recognition import services as recognition
from recognition.models import FormularyDrug

pytestmark = pytest.mark.django_db

MISREAD = "Amoxicilin 5000 mg tds x 70 days"


def read_line(document, text: str, confidences: list[float] | None = None) -> Line:
    """A line of the document's first page read by a model as ``text``, flagged as the pipeline flags it."""
    page = document.pages.order_by("number").first()
    line = Line.objects.create(page=page, order=page.lines.count(), polygon=[[10, 10], [300, 10], [300, 60], [10, 60]],
                               baseline=[[10, 55], [300, 55]], revision=1)
    LineText.objects.create(line=line, text=text, confidences=confidences or [0.99] * len(text),
                            source=TextSource.MODEL, model_version="test-model-1")
    recognition.lines_flag(lines=[line])
    return line


@pytest.fixture
def prescription(make_document, collaborator):
    document = make_document(pages=1, kind=DocumentKind.PRESCRIPTION)
    document_share(document=document, user=collaborator)
    return document


def test_a_misread_drug_and_dose_are_flagged_on_a_prescription(prescription):
    line = read_line(prescription, MISREAD)
    flags = {flag.kind: flag for flag in LineFlag.objects.filter(version__line=line)}
    assert set(flags) == {"unknown_drug", "unusual_strength"}
    assert flags["unknown_drug"].token == "Amoxicilin"
    assert "amoxicillin" in flags["unknown_drug"].suggestions


def test_lecture_notes_are_never_flagged(make_document):
    notes = make_document(pages=1, kind=DocumentKind.LECTURE_NOTES)
    line = read_line(notes, MISREAD)
    assert not LineFlag.objects.filter(version__line=line).exists()


def test_a_dose_that_is_not_a_common_one_is_flagged_on_prescriptions_only(prescription, make_document):
    line = read_line(prescription, "Amoxicillin 300 mg tds")
    [flag] = LineFlag.objects.filter(version__line=line)
    assert (flag.kind, flag.token) == ("uncommon_dose", "300 mg") and "250, 500, 1000 mg" in flag.reason
    assert not LineFlag.objects.filter(version__line=read_line(prescription, "Amoxicillin 1 g tds")).exists()
    notes = make_document(pages=1, kind=DocumentKind.LECTURE_NOTES)
    assert not LineFlag.objects.filter(version__line=read_line(notes, "Amoxicillin 300 mg tds")).exists()


def test_a_doubt_is_flagged_under_the_flags_threshold_not_the_shading_mark(prescription):
    text = "Amoxicillin 500 mg tds"
    doubtful, ruled_out = [0.99] * len(text), [0.99] * len(text)
    doubtful[text.index("5")] = 0.3  # shaded on the page (under 90 %), not flagged
    ruled_out[text.index("5")] = 0.005
    assert not LineFlag.objects.filter(version__line=read_line(prescription, text, doubtful)).exists()
    [flag] = LineFlag.objects.filter(version__line=read_line(prescription, text, ruled_out))
    assert (flag.kind, flag.token) == ("unsure_character", "500")


def test_a_drug_of_the_local_formulary_is_known(prescription):
    FormularyDrug.objects.create(name="Zapomycin")
    line = read_line(prescription, "Zapomycin 50 mg bd")
    assert not LineFlag.objects.filter(version__line=line, kind="unknown_drug").exists()


def test_a_persons_text_is_checked_too(client, prescription, owner):
    line = read_line(prescription, "Amoxicillin 500 mg tds")
    assert not LineFlag.objects.filter(version__line=line).exists()
    client.force_login(owner)
    response = client.patch(reverse("api-line-detail", args=[line.id]), {"text": "Amoxicillin 5.0 mg tds", "revision": 1},
                            content_type="application/json")
    assert response.status_code == 200
    assert [flag["kind"] for flag in response.json()["flags"]] == ["error_prone", "unusual_strength"]


def test_confirming_keeps_the_text_and_its_versions(client, prescription, collaborator):
    line = read_line(prescription, MISREAD)
    client.force_login(collaborator)
    response = client.post(reverse("api-line-flags-confirm", args=[line.id]), {"revision": 1},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["text"] == MISREAD and len(body["versions"]) == 1
    assert all(flag["confirmed_by"] == "collaborator" and flag["confirmed_at"] for flag in body["flags"])


def test_a_confirmation_of_a_text_that_changed_is_refused(client, prescription, owner):
    line = read_line(prescription, MISREAD)
    line_text_save(line=line, author=owner, text="Amoxicillin 500 mg tds x 7 days", revision=1)
    client.force_login(owner)
    response = client.post(reverse("api-line-flags-confirm", args=[line.id]), {"revision": 1},
                           content_type="application/json")
    assert response.status_code == 409
    assert not LineFlag.objects.filter(confirmed_at__isnull=False).exists()


def test_a_correction_adds_a_version_flagged_anew(client, prescription, owner):
    line = read_line(prescription, MISREAD)
    client.force_login(owner)
    response = client.patch(reverse("api-line-detail", args=[line.id]),
                            {"text": "Amoxicillin 500 mg tds x 7 days", "revision": 1}, content_type="application/json")
    assert response.status_code == 200 and response.json()["flags"] == []
    versions = list(line.versions.order_by("created", "id"))
    assert [v.text for v in versions] == [MISREAD, "Amoxicillin 500 mg tds x 7 days"]
    assert versions[0].flags.count() == 2  # the model's reading keeps its flags
    lines = client.get(reverse("api-page-lines", args=[line.page_id])).json()
    assert lines[0]["flags"] == []


def export(client, document, fmt: str) -> bytes:
    response = client.get(reverse("document-download", args=[document.id, fmt]))
    assert response.status_code == 200
    return response.content


def test_every_export_warns_while_a_flag_is_open_and_not_once_confirmed(client, prescription, owner):
    line = read_line(prescription, MISREAD)
    client.force_login(owner)
    warning = "NOT CONFIRMED BY A PHARMACIST"
    assert warning in export(client, prescription, "txt").decode()
    assert "[flag] Amoxicilin" in export(client, prescription, "txt").decode()
    word = WordDocument(io.BytesIO(export(client, prescription, "docx")))
    assert warning in word.paragraphs[1].text
    pdf = pdfium.PdfDocument(export(client, prescription, "pdf"))
    assert warning in pdf[0].get_textpage().get_text_range() and len(pdf) == 2  # the warning, then the scan
    csv_text = export(client, prescription, "csv").decode("utf-8-sig")
    assert "flags_not_confirmed" in csv_text.splitlines()[0] and "is not in the drug list" in csv_text
    body = json.loads(export(client, prescription, "json"))
    assert warning in body["warnings"][0] and body["pages"][0]["lines"][0]["flags"][0]["confirmed"] is False
    for fmt in ("alto", "page"):
        archive = zipfile.ZipFile(io.BytesIO(export(client, prescription, fmt)))
        assert "WARNING-flags-not-confirmed.txt" in archive.namelist()
        assert f"<!-- WARNING: {warning}".encode() in archive.read("page-0001.xml")
    assert "flags not confirmed" in client.get(reverse("document-list")).content.decode()

    client.post(reverse("api-line-flags-confirm", args=[line.id]), {"revision": 1}, content_type="application/json")
    assert warning not in export(client, prescription, "txt").decode()
    assert json.loads(export(client, prescription, "json"))["warnings"] == []
    archive = zipfile.ZipFile(io.BytesIO(export(client, prescription, "alto")))
    assert "WARNING-flags-not-confirmed.txt" not in archive.namelist()
    assert "flags not confirmed" not in client.get(reverse("document-list")).content.decode()


def test_the_review_page_shows_flags_with_reasons_and_suggestions(client, prescription, owner):
    read_line(prescription, MISREAD)
    client.force_login(owner)
    page = client.get(reverse("page-review", args=[prescription.pages.get().id])).content.decode()
    assert "is not in the drug list" in page and 'data-suggestion="amoxicillin"' in page


def test_staff_add_to_the_formulary_on_the_models_page(client, owner, prescription):
    client.force_login(owner)
    assert client.post(reverse("formulary-edit"), {"names": "Zapomycin"}).status_code == 403
    owner.is_staff = True
    owner.save()
    client.post(reverse("formulary-edit"), {"names": "Zapomycin\n  \nzapomycin"})
    assert list(FormularyDrug.objects.values_list("name", flat=True)) == ["Zapomycin"]
    assert "Zapomycin" in client.get(reverse("models")).content.decode()
    line = read_line(prescription, "Zapomycin 50 mg bd")
    assert not LineFlag.objects.filter(version__line=line, kind="unknown_drug").exists()


def test_a_change_of_kind_flags_or_unflags_the_lines(client, make_document, owner):
    document = make_document(pages=1, kind=DocumentKind.LECTURE_NOTES)
    line = read_line(document, MISREAD)
    client.force_login(owner)
    url = reverse("api-document-detail", args=[document.id])
    client.patch(url, {"kind": "prescription"}, content_type="application/json")
    assert LineFlag.objects.filter(version__line=line).count() == 2
    client.post(reverse("document-edit", args=[document.id]), {"title": "Notes", "kind": "lecture_notes"})
    assert not LineFlag.objects.filter(version__line=line).exists()


def test_an_imported_prescription_is_checked_too(document_with_lines, owner):
    from documents.exports import document_export
    from documents.services import document_import
    from tests.conftest import upload_file

    line = document_with_lines.pages.get().lines.order_by("order").first()
    line_text_save(line=line, author=owner, text=MISREAD, revision=line.revision)
    archive = zipfile.ZipFile(io.BytesIO(document_export(document=document_with_lines, fmt="page")))
    document = document_import(owner=owner, kind="prescription", title="Rx",
                               images=[upload_file("page-0001.png", archive.read("page-0001.png"))],
                               layouts=[upload_file("page-0001.xml", archive.read("page-0001.xml"))])
    recognition.document_imported_follow(document=document)  # as the web layer does
    flags = LineFlag.objects.filter(version__line__page__document=document, version__line__order=0)
    assert {flag.kind for flag in flags} == {"unknown_drug", "unusual_strength"}
