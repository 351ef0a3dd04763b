"""Line matching by polygon IoU, baseline coverage, and the reading order of boxes."""
from __future__ import annotations

from ml.layout import TextLine
from ml.layout.reading_order import reading_order
from ml.segment.metrics import baseline_counts, coverage_counts, detection_counts, match_lines, truth_order


def band(x0: int, x1: int, y: int, height: int = 40, name: str = "") -> TextLine:
    """A rectangular line whose baseline runs along its bottom fifth."""
    return TextLine(
        id=name,
        polygon=[(x0, y - height), (x1, y - height), (x1, y), (x0, y)],
        baseline=[(x0, y - height // 5), (x1, y - height // 5)],
    )


def test_identical_lines_all_match():
    truth = [band(100, 900, 100 * i) for i in range(1, 6)]

    counts = detection_counts(truth, truth)

    assert (counts.true_positives, counts.false_positives, counts.false_negatives) == (5, 0, 0)
    assert counts.f1 == 1.0


def test_a_line_shifted_by_half_its_height_does_not_match():
    truth = [band(100, 900, 200)]

    assert match_lines(truth, [band(100, 900, 220)]) == []  # IoU 1/3
    assert match_lines(truth, [band(100, 900, 208)]) == [(0, 0)]  # IoU 2/3


def test_three_lines_merged_into_one_match_none():
    truth = [band(100, 360, 200), band(370, 630, 200), band(640, 900, 200)]
    merged = [band(100, 900, 200)]

    counts = detection_counts(truth, merged)

    assert (counts.true_positives, counts.false_positives, counts.false_negatives) == (0, 1, 3)


def test_matching_is_one_to_one():
    truth = [band(100, 900, 200)]
    twice = [band(100, 900, 200), band(100, 900, 202)]

    counts = detection_counts(truth, twice)

    assert (counts.true_positives, counts.false_positives, counts.false_negatives) == (1, 1, 0)


def test_baselines_within_a_quarter_line_spacing_count():
    truth = [band(100, 900, 100 * i) for i in range(1, 6)]  # spacing 100: tolerance 25
    near = [band(100, 900, 100 * i + 20) for i in range(1, 6)]
    far = [band(100, 900, 100 * i + 40) for i in range(1, 6)]

    assert baseline_counts(truth, near).f1 == 1.0
    assert baseline_counts(truth, far).f1 == 0.0


def test_a_missing_half_line_lowers_baseline_recall_only():
    truth = [band(100, 900, 100), band(100, 900, 200), band(100, 900, 300)]
    detected = [band(100, 900, 100), band(100, 900, 200), band(100, 500, 300)]

    counts = baseline_counts(truth, detected)

    assert counts.precision == 1.0
    # The truth is covered up to the tolerance (25 px) past the detected end at x = 500.
    assert abs(counts.recall - (2 * 800 + 425) / (3 * 800)) < 0.01


def test_truth_order_follows_the_matched_lines_and_keeps_unmatched_ones_after_their_predecessor():
    label, first, second = band(700, 900, 50), band(100, 900, 150), band(100, 900, 250)
    truth = [first, second, label]  # the corner label listed last
    speck = band(950, 980, 150, height=10)
    detected = [label, speck, first, second]

    assert truth_order(truth, detected) == [2, 3, 0, 1]


def test_reading_order_takes_columns_left_to_right_then_lines_top_down():
    boxes = [
        (600, 100, 1000, 140),  # right column, first line
        (100, 300, 500, 340),  # left column, third line
        (100, 100, 500, 140),  # left column, first line
        (100, 200, 500, 240),
        (600, 200, 1000, 240),
    ]

    blocks = reading_order(boxes, min_column_gap=50, min_block_gap=200)

    assert blocks == [[2, 3, 1], [0, 4]]


def test_a_heading_across_both_columns_comes_first():
    boxes = [(100, 400, 500, 440), (100, 100, 1000, 150), (600, 400, 1000, 440), (100, 500, 500, 540)]

    blocks = reading_order(boxes, min_column_gap=50, min_block_gap=150)

    assert [i for block in blocks for i in block] == [1, 0, 3, 2]


def test_characters_outside_every_detected_line_are_uncovered():
    truth = [TextLine(id="t", polygon=[(0, 0), (400, 0), (400, 40), (0, 40)], baseline=[(0, 30), (400, 30)],
                      text="abcdefghij")]
    left_half = TextLine(id="d", polygon=[(0, 0), (200, 0), (200, 40), (0, 40)], baseline=[(0, 30), (200, 30)])

    assert coverage_counts(truth, [left_half]).uncovered == 5
    assert coverage_counts(truth, []).uncovered_share == 1.0
    assert coverage_counts(truth, truth).uncovered == 0
    total = coverage_counts(truth, [left_half]) + coverage_counts(truth, truth)
    assert (total.uncovered, total.chars) == (5, 20)
