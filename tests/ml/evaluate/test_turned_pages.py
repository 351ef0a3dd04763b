"""Pages lying on their side, counted by ml.evaluate.turned_pages."""
from __future__ import annotations

import cv2
import pytest
from tests.ml.drawn_pages import draw_page, make_folder

from ml.evaluate.turned_pages import TurnedFigures, evaluate_turned, main, runs_the_right_way
from ml.segment.line_net import DEFAULT_LINE_NET_PATH
from ml.segment.segmenter import SegmenterConfig

CLOCKWISE, ANTICLOCKWISE = cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE


@pytest.mark.parametrize("baseline, turn, right", [
    ([(100, 50), (104, 900)], CLOCKWISE, True),  # down the image: a page turned clockwise
    ([(100, 900), (104, 50)], CLOCKWISE, False),  # up it: that page read upside down
    ([(100, 900), (104, 50)], ANTICLOCKWISE, True),
    ([(50, 100), (900, 110)], CLOCKWISE, False),  # across: turned writing taken for a line across
    ([(50, 100), (900, 110)], ANTICLOCKWISE, False),
])
def test_a_line_is_right_only_running_the_way_the_turned_writing_runs(baseline, turn, right):
    assert runs_the_right_way(baseline, turn) is right


def test_a_drawn_page_turned_either_way_has_every_line_the_right_way():
    if not DEFAULT_LINE_NET_PATH.exists():
        pytest.skip(f"no line network file at {DEFAULT_LINE_NET_PATH}")
    page, drawn = draw_page(lines=6)
    figures = TurnedFigures()

    evaluate_turned(page, SegmenterConfig(), figures)

    assert figures.pages == 2 and figures.lines == 2 * len(drawn)
    assert figures.lines_right == figures.lines and figures.pages_wrong == 0


def test_the_command_prints_a_folders_figures(tmp_path, capsys):
    if not DEFAULT_LINE_NET_PATH.exists():
        pytest.skip(f"no line network file at {DEFAULT_LINE_NET_PATH}")
    make_folder(tmp_path)

    main([str(tmp_path), "--limit", "1"])

    out = capsys.readouterr().out
    assert '"turned_pages": 2' in out and '"turned_pages_wrong": 0' in out


def test_a_line_network_file_that_is_not_there_is_named(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main([str(tmp_path), "--line-net", str(tmp_path / "absent.pt")])

    assert f"no line network at {tmp_path / 'absent.pt'}" in capsys.readouterr().err
