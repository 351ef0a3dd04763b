import numpy as np

from ml.layout.baseline_spacing import baseline_spacing


def _baseline(x0: float, x1: float, y: float, slope: float = 0.0) -> np.ndarray:
    xs = np.linspace(x0, x1, 5)
    return np.stack([xs, y + slope * (xs - x0)], axis=1)


def test_spacing_of_a_single_column_is_the_distance_between_its_baselines():
    lines = [_baseline(100, 900, 200 + 60 * i, slope=0.02) for i in range(8)]
    assert baseline_spacing(lines) == np.float64(60.0)


def test_two_columns_offset_by_half_a_line_do_not_halve_the_spacing():
    left = [_baseline(50, 450, 200 + 60 * i) for i in range(8)]
    right = [_baseline(550, 950, 230 + 60 * i) for i in range(8)]
    assert baseline_spacing(left + right) == 60.0


def test_baselines_given_right_to_left_or_unsorted_are_measured_alike():
    lines = [_baseline(100, 900, 200 + 50 * i)[::-1] for i in range(4)]
    assert baseline_spacing(lines) == 50.0


def test_lines_with_no_neighbour_above_or_below_give_no_spacing():
    assert baseline_spacing([_baseline(50, 450, 200), _baseline(550, 950, 260)]) is None
    assert baseline_spacing([_baseline(50, 450, 200)]) is None
    assert baseline_spacing([]) is None


def test_a_spacing_can_require_enough_lines_to_measure():
    lines = [_baseline(100, 900, 200 + 50 * i) for i in range(2)]
    assert baseline_spacing(lines) == 50.0
    assert baseline_spacing(lines, min_lines=3) is None
