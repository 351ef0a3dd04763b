"""Exports for people, not machines: a searchable PDF, a Word document and CSV, each keeping the
model's doubts in view."""
import csv
import io

import docx
import pypdfium2 as pdfium
import pytest
from docx.enum.text import WD_COLOR_INDEX

from documents.exports import document_export
from documents.models import Line, LineText, TextSource
from documents.services import line_text_save
from documents.services.unread_ink import places_save

pytestmark = pytest.mark.django_db


def checked(document, user, order: int, text: str) -> None:
    line = Line.objects.get(page__document=document, order=order)
    line_text_save(line=line, author=user, text=text, revision=line.revision)


def pdf_text_in(page: pdfium.PdfPage, box: tuple[float, float, float, float], points_per_pixel: float) -> str:
    """The text of the PDF page inside ``box`` (x0, y0, x1, y1 in the scan's pixels, y down)."""
    height = page.get_height()
    x0, y0, x1, y1 = (v * points_per_pixel for v in box)
    return page.get_textpage().get_text_bounded(left=x0, bottom=height - y1, right=x1, top=height - y0)


def test_the_searchable_pdf_is_the_scan_with_each_lines_text_over_its_writing(document_with_lines, owner):
    checked(document_with_lines, owner, 0, "Œuvre: 500 mg ½ cp, l’après-midi")  # beyond Latin-1
    line = Line.objects.get(page__document=document_with_lines, order=2)
    line.polygon, line.baseline = [[1300, 100], [1360, 100], [1360, 700], [1300, 700]], [[1320, 100], [1320, 700]]
    line.save()  # a note running down the margin
    LineText.objects.filter(line__order=1).update(confidences=[0.3] * 6)  # 4.2 characters expected wrong

    pdf = pdfium.PdfDocument(document_export(document=document_with_lines, fmt="pdf"))

    (page,) = pdf
    per_pixel = page.get_width() / 1500
    assert page.get_height() == pytest.approx(1000 * per_pixel)  # the scan's shape
    assert per_pixel == pytest.approx(72 / 200)  # a scan that does not say its resolution: 200 dpi
    assert page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE]).__next__() is not None
    whole = page.get_textpage().get_text_range()
    assert "Œuvre: 500 mg ½ cp, l’après-midi" in whole
    assert "[?] line 1" in whole and "[?] line 2" not in whole  # as in the plain text: 0.89 errors expected on line 2
    assert "Œuvre" in pdf_text_in(page, (0, 0, 220, 55), per_pixel)  # over the first line's writing
    assert "line 1" in pdf_text_in(page, (0, 55, 220, 105), per_pixel)
    assert "line" not in pdf_text_in(page, (0, 160, 1200, 1000), per_pixel)  # nowhere else
    assert "line 2" in pdf_text_in(page, (1280, 90, 1380, 710), per_pixel).replace("\r\n", "")


def test_the_word_document_highlights_what_the_model_doubted_and_nobody_checked(document_with_lines, owner):
    checked(document_with_lines, owner, 0, "Line zero")
    page = document_with_lines.pages.get()
    places_save(page, [{"id": 1, "polygon": [[0, 0], [9, 0], [9, 9]]}])
    Line.objects.create(page=page, order=3, polygon=[[10, 160], [200, 160], [200, 200]], baseline=[[10, 195], [200, 195]])

    word = docx.Document(io.BytesIO(document_export(document=document_with_lines, fmt="docx")))

    texts = [paragraph.text for paragraph in word.paragraphs]
    assert texts[0] == "Notes"
    assert texts[1] == ("Not checked: 2 lines are the model's reading, and nobody has checked them against the scan; "
                        "the characters it was less than 70 % sure of are highlighted.")
    assert texts[2].startswith("Not read: 1 place")
    assert texts[3:] == ["Page 1", "Line zero", "line 1", "line 2", "[not read yet]"]
    doubted = [[run.text for run in paragraph.runs if run.font.highlight_color == WD_COLOR_INDEX.YELLOW]
               for paragraph in word.paragraphs[4:7]]
    assert doubted == [[], ["n"], ["n"]]  # "line 1": the model was 50 % sure of its "n"


def test_the_csv_has_a_row_a_line_with_who_checked_it_and_the_models_doubt(document_with_lines, owner):
    checked(document_with_lines, owner, 0, "Amoxicillin, 500 mg")
    LineText.objects.filter(line__order=1).update(confidences=[0.3] * 6)  # 4.2 characters expected wrong
    imported = Line.objects.get(page__document=document_with_lines, order=2)
    LineText.objects.create(line=imported, text="line 2", source=TextSource.IMPORT, author=owner)

    exported = document_export(document=document_with_lines, fmt="csv")

    assert exported.startswith("\ufeff".encode())  # spreadsheets then read it as UTF-8
    rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"))))
    assert [(r["page"], r["line"], r["text"], r["checked_by"], r["least_confidence"], r["unsure"]) for r in rows] == [
        ("1", "1", "Amoxicillin, 500 mg", "owner", "", "no"),
        ("1", "2", "line 1", "", "0.30", "yes"),
        ("1", "3", "line 2", "imported", "", "no"),
    ]
