"""A box a person draws round a line: fitted to the writing it was drawn for, whichever way it runs."""
import cv2
import numpy as np
import pytest
from tests.ml.drawn_pages import PAPER, draw_page

from ml.layout import TextLine
from ml.layout.geometry import bounding_box
from ml.read.codec import normalize_text
from ml.read.line_image import extract_line
from ml.read.metrics import cer
from ml.read.recognizer import Recognizer
from ml.segment.drawn_line import box_line, fit_drawn_line, fit_free_line, writing_direction
from tests import scans


def cut(page: np.ndarray, polygon, baseline) -> np.ndarray:
    return extract_line(page, TextLine(id="drawn", polygon=list(polygon), baseline=list(baseline)))


def difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two images of nearly the same size, at the best shift of up to 2 pixels."""
    rows, cols = min(a.shape[0], b.shape[0]) - 4, min(a.shape[1], b.shape[1]) - 4
    return min(
        float(np.abs(a[dy : dy + rows, dx : dx + cols].astype(int) - b[2 : 2 + rows, 2 : 2 + cols]).mean())
        for dy in range(5) for dx in range(5)
    )


@pytest.mark.parametrize("skew, ruled", [(0.0, True), (3.0, False), (-2.0, False)])
def test_a_loose_box_is_fitted_to_its_line_and_leaves_out_its_neighbours(skew, ruled):
    page, baselines = draw_page(lines=4, spacing=110, skew=skew, ruled=ruled)
    (x0, y0), (x1, y1) = baselines[1]
    top, bottom = min(y0, y1), max(y0, y1)
    box = (round(x0) - 40, round(top) - 100, round(x1) + 40, round(bottom) + 85)  # into each neighbour

    polygon, baseline = fit_drawn_line(page, box)

    left, upper, right, lower = bounding_box(polygon)
    assert top - 50 < upper and lower < bottom + 25  # ascenders 36 px, descenders 13 px, no more
    assert abs(left - x0) < 10 and abs(right - x1) < 10
    (bx0, by0), (bx1, by1) = baseline
    assert abs(by0 - np.interp(bx0, [x0, x1], [y0, y1])) <= 4  # along the skewed baseline
    assert abs(by1 - np.interp(bx1, [x0, x1], [y0, y1])) <= 4


@pytest.mark.parametrize("direction, turn", [("up", 1), ("down", -1)])
def test_a_box_drawn_along_the_margin_is_fitted_and_cut_upright(direction, turn):
    page, baselines = draw_page(lines=3, width=1400, height=600)
    (x0, y), (x1, _) = baselines[1]
    box = (x0 - 40, y - 100, x1 + 40, y + 85)
    upright = cut(page, *fit_drawn_line(page, box))

    turned = np.ascontiguousarray(np.rot90(page, turn))  # the writing now runs up (or down) the page
    along_margin = cut(turned, *fit_drawn_line(turned, turned_box(box, turn, page.shape), direction))

    assert abs(along_margin.shape[0] - upright.shape[0]) <= 2 and abs(along_margin.shape[1] - upright.shape[1]) <= 2
    assert difference(along_margin, upright) < 2


def turned_box(box, turn: int, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """Where ``box`` lies once its page is turned by numpy's rot90 (``turn`` quarter turns anticlockwise)."""
    x0, y0, x1, y1 = box
    height, width = shape
    return (y0, width - x1, y1, width - x0) if turn == 1 else (height - y1, x0, height - y0, x1)


@pytest.mark.parametrize("direction, turn", [("up", 1), ("down", -1)])
def test_a_box_drawn_along_the_margin_is_cut_upright_for_the_recognizer(direction, turn):
    written = np.asarray(scans.line_crops()[0])
    along_margin = np.rot90(written, turn)
    height, width = along_margin.shape
    page = np.full((height + 100, width + 200), 236, np.uint8)
    page[50 : 50 + height, 100 : 100 + width] = along_margin

    drawn = cut(page, *box_line((100, 50, 100 + width, 50 + height), direction))

    assert abs(drawn.shape[0] - written.shape[0]) <= 2 and abs(drawn.shape[1] - written.shape[1]) <= 2
    assert difference(drawn, written) < 2  # the writing itself, the right way up
    assert difference(drawn, np.rot90(written, 2)) > 10


def test_a_box_with_no_ink_is_taken_as_drawn():
    page = np.full((300, 600), PAPER, np.uint8)
    assert fit_drawn_line(page, (50, 100, 400, 160)) == box_line((50, 100, 400, 160))


def test_the_shipped_model_reads_a_fitted_loose_box_as_well_as_the_line_alone():
    """Real lines written close together (tests/fixtures/cremma_lines), a box round the middle one
    with 40 % of its height of paper above and below, reaching into both neighbours."""
    recognizer = Recognizer.load()
    crops = [np.asarray(crop) for crop in scans.line_crops()]
    texts = [normalize_text(path.with_suffix("").with_suffix(".gt.txt").read_text("utf-8"))
             for path in sorted(scans.LINES_DIR.glob("*.png"))]
    alone, as_box, fitted = [], [], []
    for first in range(len(crops) - 2):
        above, line, below = crops[first : first + 3]
        page = np.full((above.shape[0] + line.shape[0] + below.shape[0] + 100, 1600), 236, np.uint8)
        top = 50 + above.shape[0] - 8  # each line's ink reaches 8 px into its neighbour's crop
        for crop, y in ((above, 50), (line, top), (below, top + line.shape[0] - 8)):
            region = page[y : y + crop.shape[0], 50 : 50 + crop.shape[1]]
            np.minimum(region, crop, out=region)
        pad = round(0.4 * line.shape[0])
        box = (30, top - pad, 70 + line.shape[1], top + line.shape[0] + pad)
        read = recognizer.recognize([line, cut(page, *box_line(box)), cut(page, *fit_drawn_line(page, box))])
        for texts_read, prediction in zip((alone, as_box, fitted), read):
            texts_read.append(prediction.text)
    references = texts[1 : len(crops) - 1]

    # Measured: 0.20 alone, 0.54 as a box, 0.20 fitted (six lines, shipped model cbd91f936f59).
    assert cer(references, fitted) <= cer(references, alone) + 0.05
    assert cer(references, as_box) >= cer(references, fitted) + 0.15


@pytest.mark.parametrize("direction", ["right", "up", "down"])
def test_a_drawn_boxs_direction_is_read_back_from_its_baseline(direction):
    _, baseline = box_line((10, 10, 60, 200), direction)
    assert writing_direction(baseline) == direction


def test_an_unknown_direction_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="right, up, down"):
        box_line((0, 0, 50, 50), "sideways")


def test_a_box_too_thin_to_hold_writing_is_taken_as_drawn():
    page, baselines = draw_page(lines=2)
    (x0, y), (x1, _) = baselines[0]
    for thin in ((x0, y - 40, x1, y - 39), (x0, y - 25, x1, y - 21)):  # above the writing, through it
        assert fit_drawn_line(page, thin) == box_line(thin)


def test_a_box_drawn_round_a_line_of_small_print_keeps_all_its_letters():
    # Set tight, a line of print joins into long straight runs, as a ruling's dashes do; it must
    # not be taken out as one (a form's small print, shown unread, is read by drawing a box round it).
    page = np.full((200, 1400), PAPER, np.uint8)
    text = "I have read the terms of participation and I consent to my manuscript being used for research."
    cv2.putText(page, text, (20, 100), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 35, 1, cv2.LINE_AA)
    ys, xs = np.nonzero(page < PAPER - 60)

    polygon, _ = fit_drawn_line(page, (10, 80, int(xs.max()) + 15, 112))

    inside = np.array([cv2.pointPolygonTest(np.array(polygon, np.float32), (float(x), float(y)), True) >= -1
                       for x, y in zip(xs, ys)])
    assert inside.mean() > 0.97



def test_a_fold_of_the_sheet_across_the_box_is_not_taken_for_its_line():
    """A fold is a thick dark band: its middle is a ruling's straight run, its fading edges come
    apart in flat pieces, which made the densest band of a box whose middle the fold crossed."""
    rng = np.random.default_rng(1)
    page, baselines = draw_page(lines=3, width=1400, height=900, spacing=200)
    (x0, y), (x1, _) = baselines[0]
    fold = y + 80
    cv2.line(page, (0, fold), (page.shape[1], fold), 70, 24)
    for edge in (fold - 20, fold + 20):
        x = 0
        while x < page.shape[1]:
            length = int(rng.integers(150, 400))
            cv2.line(page, (x, edge + int(rng.integers(-3, 4))), (x + length, edge + int(rng.integers(-3, 4))), 110, 12)
            x += length + int(rng.integers(30, 60))
    box = (x0 - 40, y - 60, x1 + 40, 2 * fold - (y - 60))  # the fold crosses the box's middle

    polygon, baseline = fit_drawn_line(page, box)

    assert all(abs(by - y) <= 4 for _, by in baseline)
    assert bounding_box(polygon)[3] < fold - 30


def test_a_place_is_fitted_to_its_densest_line_then_to_the_next_and_then_to_nothing():
    """A place of unread ink is no box a person centred on a line: its densest line is read, then,
    with that line taken, the next; when every line is taken there is nothing left to fit."""
    page = np.full((800, 1200), PAPER, np.uint8)
    cv2.putText(page, "dense writing here", (60, 110), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 2.0, 30, 6, cv2.LINE_AA)
    cv2.putText(page, "a thin note", (60, 420), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 1.0, 60, 2, cv2.LINE_AA)
    box = (20, 40, 1000, 800)  # its middle is the thin note's

    _, centred = fit_drawn_line(page, box)
    first, densest = fit_free_line(page, box)
    second, next_line = fit_free_line(page, box, taken=[first])
    nothing = fit_free_line(page, box, taken=[first, second])

    assert abs(centred[0][1] - 420) <= 6
    assert abs(densest[0][1] - 110) <= 6 and abs(next_line[0][1] - 420) <= 6
    assert nothing is None


def test_a_place_round_a_single_stroke_gives_a_polygon_all_the_same():
    page = np.full((200, 300), PAPER, np.uint8)
    page[60:140, 150] = 30  # one upright stroke, a pixel wide
    polygon, _ = fit_free_line(page, (100, 40, 200, 160))
    x0, y0, x1, y1 = bounding_box(polygon)
    assert len(polygon) >= 4 and x1 > x0 and y1 > y0
