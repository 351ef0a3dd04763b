"""A calibration maps a character's confidence to the share of such characters read right."""
import numpy as np
import pytest

from ml.evaluate.unsure_marks import characters_right
from ml.layout import LinePrediction
from ml.read.calibration import Calibration, fit_calibration, reliability


def overconfident_readings(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Characters read with confidence c that are right with probability c ** 3 (overconfident)."""
    rng = np.random.default_rng(seed)
    confidences = rng.uniform(0.3, 1.0, count)
    return confidences, rng.uniform(size=count) < confidences ** 3


def test_a_fitted_calibration_says_how_often_characters_are_right_on_other_lines():
    confidences, right = overconfident_readings(20_000, seed=0)
    calibration = fit_calibration(confidences, right)
    check_confidences, check_right = overconfident_readings(20_000, seed=1)

    before, after = reliability(check_confidences, check_right), reliability(calibration(check_confidences), check_right)

    assert before.error > 0.1 and after.error < 0.02
    assert calibration([0.9])[0] == pytest.approx(0.9 ** 3, abs=0.03)


def test_the_map_keeps_the_order_of_confidences_and_stays_in_0_1():
    rng = np.random.default_rng(2)
    confidences = rng.uniform(size=500)
    calibration = fit_calibration(confidences, rng.uniform(size=500) < 0.5, bins=25)  # noisy: violators pooled
    mapped = calibration(np.linspace(0, 1, 101))
    assert all(a <= b for a, b in zip(mapped, mapped[1:])) and 0 <= mapped[0] and mapped[-1] <= 1


def test_characters_all_read_with_one_confidence_make_one_knot():
    confidences = [1.0] * 900 + list(np.linspace(0.2, 0.99, 100))
    calibration = fit_calibration(confidences, [True] * 880 + [False] * 20 + [True, False] * 50)
    raws = [raw for raw, _ in calibration.knots]
    assert raws == sorted(set(raws)) and raws[0] == 0.0 and raws[-1] == 1.0


def test_a_reading_keeps_its_text_and_spans_with_calibrated_confidences():
    calibration = Calibration(((0.0, 0.0), (1.0, 0.5)))
    reading = calibration.prediction(LinePrediction("ab", [0.8, 1.0], [(0, 1), (3, 3)]))
    assert (reading.text, reading.spans, reading.confidences) == ("ab", [(0, 1), (3, 3)], [0.4, 0.5])


def test_characters_read_in_place_of_others_or_where_there_were_none_are_wrong():
    assert characters_right("dose 5 mg", "dose 8 mg") == [True] * 5 + [False] + [True] * 3
    assert sum(characters_right("5 mg", "5  mg")) == 4  # one of the two spaces is one too many
    assert characters_right("mg", "m") == [True]  # a character left out has nothing to be wrong
