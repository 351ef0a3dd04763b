"""The segmentation evaluation command on a folder made here: a drawn page and its PAGE XML."""
from __future__ import annotations

import json

import numpy as np
from tests.ml.drawn_pages import make_folder

from ml.evaluate.segmentation import evaluate_folder, main
from ml.layout import TextLine
from ml.layout.formats import read_layout, write_page_xml


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

    def read_perfectly_but_swap_two(gray: np.ndarray, lines: list[TextLine], set_aside: bool) -> list[str]:
        by_height = sorted(range(len(lines)), key=lambda i: lines[i].baseline[0][1])
        out = [texts[by_height.index(i)] for i in range(len(lines))]
        return out if lines[0].text else [out[1], out[0], *out[2:]]

    report = evaluate_folder(tmp_path, read_perfectly_but_swap_two)

    assert report.line_text.cer == 0.0
    assert report.page_text.char_errors > 0
    assert report.page_text.wer == 2 / 8
    assert report.page_gaps == [("page.png", report.page_text.char_errors)]


def test_lines_set_aside_as_show_through_leave_the_page_text(tmp_path):
    texts = make_folder(tmp_path)

    def read_perfectly_but_set_aside_the_last(gray: np.ndarray, lines: list[TextLine], set_aside: bool) -> list:
        by_height = sorted(range(len(lines)), key=lambda i: lines[i].baseline[0][1])
        out = [texts[by_height.index(i)] for i in range(len(lines))]
        if set_aside:
            out[by_height[-1]] = None
        return out

    report = evaluate_folder(tmp_path, read_perfectly_but_set_aside_the_last)

    assert report.show_through == 1
    assert report.summary()["show_through_set_aside"] == 1
    assert (report.lines.true_positives, report.lines.false_negatives) == (3, 1)
    assert report.line_text.cer == 0.0  # the ground-truth lines are all read
    assert report.page_text.char_errors == len(texts[-1]) + 1  # the last line and its line break


def test_command_prints_and_writes_json(tmp_path, capsys):
    make_folder(tmp_path)
    out = tmp_path / "figures.json"

    main([str(tmp_path), "--no-text", "--json", str(out)])

    printed = capsys.readouterr().out.strip().splitlines()
    assert json.loads(printed[0])["line_f1"] == 1.0
    assert json.loads(printed[0])["uncovered_char_share"] == 0.0
    assert printed[-1].startswith(f"| {tmp_path.parent.name}/{tmp_path.name} | 1 | 1.0 | 1.0 | 1.0 | - |")
    assert json.loads(out.read_text())[0]["folder"] == str(tmp_path)


def test_several_folders_end_with_their_sum(tmp_path, capsys):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        make_folder(tmp_path / name)

    main([str(tmp_path / "a"), str(tmp_path / "b"), "--no-text"])

    printed = capsys.readouterr().out.strip().splitlines()
    overall = json.loads(printed[2])
    assert (overall["folder"], overall["pages"], overall["truth_lines"]) == ("overall", 2, 8)
    assert printed[-1].startswith("| overall | 2 |")


def test_a_transcriber_order_that_differs_from_the_page_costs_only_the_reading_order(tmp_path):
    texts = make_folder(tmp_path)
    truth = read_layout(tmp_path / "page.xml")
    truth.lines = truth.lines[1:] + truth.lines[:1]  # the top line listed last, as some transcribers do
    (tmp_path / "page.xml").write_bytes(write_page_xml(truth))

    def read_perfectly(gray: np.ndarray, lines: list[TextLine], set_aside: bool) -> list[str]:
        by_height = sorted(range(len(lines)), key=lambda i: lines[i].baseline[0][1])
        return [texts[by_height.index(i)] for i in range(len(lines))]

    summary = evaluate_folder(tmp_path, read_perfectly).summary()

    assert summary["line_cer"] == 0.0
    assert summary["page_cer"] > 0.0  # the page is read top down, the truth starts at its second line
    assert summary["page_truth_order_cer"] == 0.0


def test_truth_outlines_cut_through_the_letters_are_also_counted_widened(tmp_path):
    make_folder(tmp_path, spacing=75)  # lines as close as handwriting's usually are
    truth = read_layout(tmp_path / "page.xml")
    (x0, y0), (x1, y1) = truth.lines[1].baseline
    truth.lines[1].polygon = [(x0, y0 - 12), (x1, y1 - 12), (x1, y1 + 6), (x0, y0 + 6)]  # a strip along the baseline
    (tmp_path / "page.xml").write_bytes(write_page_xml(truth))
    heights = []

    def read_and_note_heights(gray: np.ndarray, lines: list[TextLine], set_aside: bool) -> list[str]:
        if not set_aside:
            heights.extend(max(y for _, y in line.polygon) - min(y for _, y in line.polygon) for line in lines)
        return ["" for _ in lines]

    summary = evaluate_folder(tmp_path, read_and_note_heights).summary()

    assert summary["truth_outlines_widened"] == 1
    assert summary["line_f1"] < 1.0  # the strip matches no detected line...
    assert summary["line_f1_widened_truth"] == 1.0  # ...the band round its baseline does
    assert min(heights) > 18  # the reference reading cuts the line by the band, not the strip
