"""The drawn-line evaluation on a folder made here: boxes reaching into the neighbouring lines."""
from __future__ import annotations

import json

import numpy as np
from tests.ml.drawn_pages import make_folder

from ml.evaluate.drawn_lines import evaluate_folder, main
from ml.layout import TextLine
from ml.layout.formats import read_layout
from ml.layout.geometry import bounding_box


def reader_of(folder):
    """Reads, for each line given, the texts of the ground-truth lines its outline covers
    (at least a third of their height): exactly one when the outline is the line's own."""
    truth = read_layout(folder / "page.xml").lines

    def read(gray: np.ndarray, lines: list[TextLine], set_aside_show_through: bool) -> list[str]:
        texts = []
        for line in lines:
            _, top, _, bottom = bounding_box(line.polygon)
            covered = [t.text for t in truth if min(bottom, t.bbox[3]) - max(top, t.bbox[1]) > (t.bbox[3] - t.bbox[1]) / 3]
            texts.append(" ".join(covered))
        return texts

    return read


def test_a_loose_box_takes_in_its_neighbours_and_the_fitted_one_does_not(tmp_path):
    make_folder(tmp_path)

    summary = evaluate_folder(tmp_path, reader_of(tmp_path), margin=1.5).summary()

    assert summary["lines"] == 4
    assert summary["outline_cer"] == 0.0
    assert summary["box_cer"] > 0.5  # every box reads its neighbours too
    assert summary["fitted_cer"] == 0.0
    assert summary["fit_ms_per_line"] > 0


def test_command_prints_a_line_per_folder(tmp_path, capsys, monkeypatch):
    make_folder(tmp_path)
    monkeypatch.setattr("ml.evaluate.drawn_lines.recognizer_reader", lambda model: reader_of(tmp_path))

    main([str(tmp_path), "--margin", "0.1"])

    printed = json.loads(capsys.readouterr().out.strip())
    assert printed["folder"] == str(tmp_path) and printed["box_cer"] == 0.0  # a small margin stays off them


def test_command_reads_with_the_shipped_recognizer(tmp_path, capsys):
    # The reader is the one ml.evaluate.segmentation builds; it once took an argument more than
    # this command gave it. (What the model makes of lines in a Hershey font says nothing.)
    make_folder(tmp_path)

    main([str(tmp_path)])

    printed = json.loads(capsys.readouterr().out.strip())
    assert printed["lines"] == 4 and all(printed[f"{way}_cer"] >= 0 for way in ("outline", "box", "fitted"))
