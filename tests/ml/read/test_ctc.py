import numpy as np
import pytest

from ml.read.ctc import align, greedy_decode

ALPHABET = "ab"


def posteriors(path: list[int], confidence: float = 0.9) -> np.ndarray:
    """One frame per label in ``path`` (0 = blank) with ``confidence`` on it, the rest spread."""
    probs = np.full((len(path), 3), (1 - confidence) / 2)
    probs[np.arange(len(path)), path] = confidence
    return probs


def test_greedy_collapses_repeats_and_blanks():
    prediction = greedy_decode(posteriors([1, 1, 0, 1, 2, 2, 0]), ALPHABET)
    assert prediction.text == "aab"
    assert prediction.spans == [(0, 1), (3, 3), (4, 5)]


def test_greedy_confidence_is_the_characters_best_posterior():
    probs = posteriors([0, 1, 1, 0])
    probs[1] = [0.3, 0.6, 0.1]
    prediction = greedy_decode(probs, ALPHABET)
    assert prediction.confidences == [pytest.approx(0.9)]


def test_confidences_are_probabilities_one_per_character():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(3) * 0.3, size=40)
    for prediction in (greedy_decode(probs, ALPHABET), align(probs, [1, 2, 1], ALPHABET)):
        assert len(prediction.confidences) == len(prediction.text) == len(prediction.spans)
        assert all(0.0 <= c <= 1.0 for c in prediction.confidences)


def test_the_best_path_is_the_best_alignment_of_its_own_text():
    """The decoders take the best path's confidences and spans when it spells the text they chose:
    check that this is what the Viterbi alignment of that text gives, on random peaky posteriors."""
    rng = np.random.default_rng(1)
    for _ in range(200):
        probs = rng.dirichlet(np.ones(4) * 0.2, size=rng.integers(1, 30))
        best = greedy_decode(probs, "abc")
        aligned = align(probs, ["abc".index(char) + 1 for char in best.text], "abc")
        assert (best.text, best.spans) == (aligned.text, aligned.spans)
        assert best.confidences == pytest.approx(aligned.confidences)
