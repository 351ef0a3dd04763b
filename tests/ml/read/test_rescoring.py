import itertools
import math

import numpy as np
import pytest

from ml.read.ctc import greedy_decode
from ml.read.rescoring import log_likelihoods, most_likely, stretched

ALPHABET = "ab"


def reading(rows: list[list[float]]) -> np.ndarray:
    """Log-posteriors [T, 3] (blank, a, b) from rows of probabilities."""
    return np.log(np.array(rows, dtype=np.float32))


def brute_force_likelihood(probs: np.ndarray, labels: list[int]) -> float:
    """Sum over every frame path that collapses (repeats merged, blanks dropped) to ``labels``."""
    total = 0.0
    for path in itertools.product(range(probs.shape[1]), repeat=probs.shape[0]):
        collapsed = [label for i, label in enumerate(path) if label and (i == 0 or path[i - 1] != label)]
        if collapsed == labels:
            total += math.prod(probs[t, label] for t, label in enumerate(path))
    return total


def test_likelihoods_are_ctc_sums_over_paths_for_readings_of_different_lengths():
    rng = np.random.default_rng(3)
    short, long = rng.dirichlet(np.ones(3), size=3), rng.dirichlet(np.ones(3), size=5)
    candidates = [[1], [1, 2], [2, 2], []]
    scores = log_likelihoods([np.log(short), np.log(long)], candidates)
    assert scores.shape == (4, 2)
    for i, labels in enumerate(candidates):
        for j, probs in enumerate((short, long)):
            assert math.exp(scores[i, j]) == pytest.approx(brute_force_likelihood(probs, labels), rel=1e-4)


def test_readings_outvote_the_first_readings_best_path():
    # The first reading hesitates on its third frame and, alone, reads "aa"; the second reads "ab" clearly.
    first = reading([[0.05, 0.9, 0.05], [0.9, 0.05, 0.05], [0.05, 0.55, 0.4], [0.9, 0.05, 0.05]])
    second = reading([[0.05, 0.9, 0.05], [0.9, 0.05, 0.05], [0.9, 0.05, 0.05],
                      [0.05, 0.05, 0.9], [0.05, 0.05, 0.9], [0.9, 0.05, 0.05]])
    texts = [greedy_decode(np.exp(r), ALPHABET).text for r in (first, second)]
    assert texts == ["aa", "ab"]
    assert most_likely([first, second], [[1, 1], [1, 2]]) == [1, 2]
    assert most_likely([first], [[1, 1], [1, 2]]) == [1, 1]


def test_a_text_too_long_for_a_reading_is_not_chosen():
    one_frame = reading([[0.2, 0.5, 0.3]])
    assert log_likelihoods([one_frame], [[1, 2]])[0, 0] == -math.inf
    assert most_likely([one_frame], [[1, 2], [2]]) == [2]
    assert most_likely([one_frame], [[1, 2], [2, 1]]) == [1, 2]  # none fits: the first reading's own


def test_stretched_scales_width_and_keeps_height():
    inks = [np.ones((32, 100), np.float32), np.ones((32, 5), np.float32)]
    assert stretched(inks, 1.0) is inks
    assert [ink.shape for ink in stretched(inks, 0.8)] == [(32, 80), (32, 8)]
    assert [ink.shape for ink in stretched(inks, 1.25)] == [(32, 125), (32, 8)]
