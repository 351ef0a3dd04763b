"""The segmentation evaluation command on a folder made here: a drawn page and its PAGE XML."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
from drawn_pages import FONT, draw_page

from ml.evaluate_segmentation import evaluate_folder, main
from ml.formats import write_page_xml
from ml.layout import PageLayout, TextLine


def make_folder(folder: Path) -> list[str]:
    """One page image with its ground truth beside it; returns the line texts."""
    page, drawn = draw_page(lines=4)
    # Ground truth as a transcriber draws it: the words' extent with a few pixels to spare.
    (_, above), below = cv2.getTextSize("Ag", FONT, 1.6, 3)
    texts = [f"line {n}" for n in range(len(drawn))]
    truth = PageLayout(width=page.shape[1], height=page.shape[0], image_filename="page.png")
    for n, ((x0, y0), (x1, y1)) in enumerate(drawn):
        polygon = [(x0, y0 - above - 5), (x1, y0 - above - 5), (x1, y1 + below + 5), (x0, y1 + below + 5)]
        truth.lines.append(TextLine(id=f"l{n}", polygon=polygon, baseline=[(x0, y0), (x1, y1)], text=texts[n]))
    cv2.imwrite(str(folder / "page.png"), page)
    (folder / "page.xml").write_bytes(write_page_xml(truth))
    (folder / "notes.txt").write_text("not a page")
    return texts


def test_segmentation_figures_of_a_drawn_page(tmp_path):
    make_folder(tmp_path)

    report = evaluate_folder(tmp_path)
    summary = report.summary()

    assert summary["pages"] == 1
    assert (summary["truth_lines"], summary["detected_lines"]) == (4, 4)
    assert summary["line_f1"] == 1.0
    assert summary["baseline_f1"] > 0.95
    assert summary["seconds_per_page"] > 0
    assert "page_cer" not in summary


def test_page_text_is_compared_in_reading_order(tmp_path):
    texts = make_folder(tmp_path)

    def read_perfectly_but_swap_two(gray: np.ndarray, lines: list[TextLine]) -> list[str]:
        by_height = sorted(range(len(lines)), key=lambda i: lines[i].baseline[0][1])
        out = [texts[by_height.index(i)] for i in range(len(lines))]
        return out if lines[0].text else [out[1], out[0], *out[2:]]

    report = evaluate_folder(tmp_path, read_perfectly_but_swap_two)

    assert report.line_text.cer == 0.0
    assert report.page_text.char_errors > 0
    assert report.page_text.wer == 2 / 8
    assert report.page_gaps == [("page.png", report.page_text.char_errors)]


def test_command_prints_and_writes_json(tmp_path, capsys):
    make_folder(tmp_path)
    out = tmp_path / "figures.json"

    main([str(tmp_path), "--no-text", "--json", str(out)])

    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed["line_f1"] == 1.0
    assert json.loads(out.read_text())[0]["folder"] == str(tmp_path)
