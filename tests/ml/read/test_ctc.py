import numpy as np
import pytest

from ml.read.ctc import align, beam_decode, greedy_decode

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


def test_beam_and_greedy_agree_on_clear_posteriors():
    probs = posteriors([0, 1, 0, 2, 2, 0, 1, 1, 0, 1], confidence=0.95)
    greedy = greedy_decode(probs, ALPHABET)
    beam = beam_decode(probs, ALPHABET, beam_width=5)
    assert beam.text == greedy.text == "abaa"
    assert beam.confidences == pytest.approx(greedy.confidences)
    assert beam.spans == greedy.spans


def test_beam_sums_paths_that_greedy_cannot():
    # The best single path reads blank-blank, but "a" is likelier summed over its paths.
    probs = np.array([[0.4, 0.35, 0.25], [0.4, 0.35, 0.25]])
    assert greedy_decode(probs, ALPHABET).text == ""
    assert beam_decode(probs, ALPHABET, beam_width=4).text == "a"


def test_confidences_are_probabilities_one_per_character():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(3) * 0.3, size=40)
    for prediction in (greedy_decode(probs, ALPHABET), beam_decode(probs, ALPHABET)):
        assert len(prediction.confidences) == len(prediction.text) == len(prediction.spans)
        assert all(0.0 <= c <= 1.0 for c in prediction.confidences)


def test_where_the_beam_finds_the_greedy_text_its_confidences_and_spans_are_the_best_alignments():
    """beam_decode takes the best path as the alignment when it spells the beam's text: check that
    it is what the Viterbi alignment gives, on random peaky posteriors."""
    rng = np.random.default_rng(1)
    agreed = 0
    for _ in range(200):
        probs = rng.dirichlet(np.ones(4) * 0.2, size=rng.integers(1, 30))
        beam = beam_decode(probs, "abc", beam_width=3)
        if beam.text != greedy_decode(probs, "abc").text:
            continue
        agreed += 1
        aligned = align(probs, ["abc".index(char) + 1 for char in beam.text], "abc")
        assert (beam.text, beam.spans) == (aligned.text, aligned.spans)
        assert beam.confidences == pytest.approx(aligned.confidences)
    assert agreed > 100
