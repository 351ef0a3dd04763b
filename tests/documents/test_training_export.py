"""Corrected lines feed retraining: the export holds only verified lines, in the format ml.train.loop reads."""
import pytest
from django.core.management import CommandError, call_command

from documents.models import Line
from documents.services import line_text_save
from ml.layout.formats import read_layout
from ml.train.datasets import load_folder

pytestmark = pytest.mark.django_db


def correct_first_line(document, user, text: str) -> Line:
    line = Line.objects.get(page__document=document, order=0)
    line_text_save(line=line, author=user, text=text, revision=line.revision)
    return line


def test_only_verified_lines_are_exported_and_ml_train_reads_them(document_with_lines, collaborator, tmp_path):
    line = correct_first_line(document_with_lines, collaborator, "take 2 tablets")
    out = tmp_path / "verified"
    call_command("export_training_pages", str(out))

    [xml] = out.glob("*.xml")
    layout = read_layout(xml)
    assert [(l.text, [list(p) for p in l.polygon]) for l in layout.lines] == [("take 2 tablets", line.polygon)]
    assert (out / layout.image_filename).is_file()
    assert [sample.text for sample in load_folder(out, workers=1)] == ["take 2 tablets"]


def test_pages_without_verified_lines_and_other_kinds_are_left_out(document_with_lines, make_document, owner, tmp_path):
    call_command("export_training_pages", str(tmp_path / "none"))
    assert not list((tmp_path / "none").iterdir())  # model readings only

    prescription = make_document(pages=1, kind="prescription")
    Line.objects.create(page=prescription.pages.get(), order=0, polygon=[[0, 0], [50, 0], [50, 20], [0, 20]],
                        baseline=[[0, 18], [50, 18]])
    correct_first_line(prescription, owner, "5 mg")
    correct_first_line(document_with_lines, owner, "lecture line")
    call_command("export_training_pages", str(tmp_path / "notes"), "--kind", "lecture_notes")
    assert [read_layout(x).lines[0].text for x in (tmp_path / "notes").glob("*.xml")] == ["lecture line"]


def test_a_folder_with_files_in_it_is_refused(document_with_lines, tmp_path):
    (tmp_path / "old.xml").write_text("<x/>")
    with pytest.raises(CommandError, match="not empty"):
        call_command("export_training_pages", str(tmp_path))
