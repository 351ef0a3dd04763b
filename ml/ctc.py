"""CTC decoding with per-character confidences and frame spans."""
from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from ml.layout import LinePrediction

BLANK = 0


def greedy_decode(probs: np.ndarray, alphabet: str) -> LinePrediction:
    """Best path of one line's posteriors ``probs`` [T, C] (probabilities, not logs).

    A character's confidence is its highest posterior over the frames it occupies.
    """
    best = probs.argmax(axis=1)
    text, confidences, spans = [], [], []
    previous = BLANK
    for frame, label in enumerate(best):
        if label != BLANK and label != previous:
            text.append(alphabet[label - 1])
            confidences.append(float(probs[frame, label]))
            spans.append((frame, frame))
        elif label != BLANK and label == previous:
            confidences[-1] = max(confidences[-1], float(probs[frame, label]))
            spans[-1] = (spans[-1][0], frame)
        previous = label
    return LinePrediction("".join(text), confidences, spans)


def beam_decode(probs: np.ndarray, alphabet: str, beam_width: int = 8, prune: float = 1e-4) -> LinePrediction:
    """Prefix beam search over one line's posteriors [T, C].

    Each beam keeps, per character, the frame and posterior where it was emitted,
    so the best prefix carries confidences and spans like the greedy path does.
    """
    log = np.log(np.clip(probs, 1e-12, 1.0))
    # prefix -> (log p ending in blank, log p ending in its last label)
    beams: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, -math.inf)}
    trace: dict[tuple[int, ...], list[tuple[int, float]]] = {(): []}
    for t in range(log.shape[0]):
        candidates = np.flatnonzero(probs[t] > prune)
        next_beams: dict[tuple[int, ...], list[float]] = defaultdict(lambda: [-math.inf, -math.inf])
        next_trace: dict[tuple[int, ...], list[tuple[int, float]]] = {}
        for prefix, (p_blank, p_label) in beams.items():
            total = np.logaddexp(p_blank, p_label)
            for label in candidates:
                p = log[t, label]
                if label == BLANK:
                    entry = next_beams[prefix]
                    entry[0] = np.logaddexp(entry[0], total + p)
                    next_trace.setdefault(prefix, trace[prefix])
                    continue
                extended = prefix + (int(label),)
                entry = next_beams[extended]
                if prefix and prefix[-1] == label:
                    # a repeated label needs a blank in between to count twice
                    entry[1] = np.logaddexp(entry[1], p_blank + p)
                    same = next_beams[prefix]
                    same[1] = np.logaddexp(same[1], p_label + p)
                    _extend_last(next_trace, trace, prefix, t, float(probs[t, label]))
                else:
                    entry[1] = np.logaddexp(entry[1], total + p)
                if extended not in next_trace:
                    next_trace[extended] = trace[prefix] + [(t, float(probs[t, label]), t)]
        ranked = sorted(next_beams.items(), key=lambda kv: -np.logaddexp(*kv[1]))[:beam_width]
        beams = {prefix: (v[0], v[1]) for prefix, v in ranked}
        trace = {prefix: next_trace[prefix] for prefix in beams}
    best = max(beams, key=lambda prefix: np.logaddexp(*beams[prefix]))
    emitted = trace[best]
    return LinePrediction(
        "".join(alphabet[label - 1] for label in best),
        [conf for _, conf, _ in emitted],
        [(start, end) for start, _, end in emitted],
    )


def _extend_last(next_trace, trace, prefix, frame: int, prob: float) -> None:
    """The prefix's last character continues into ``frame``: widen its span, keep the best posterior."""
    current = next_trace.get(prefix, trace[prefix])
    if not current:
        return
    start, conf, _ = current[-1]
    next_trace[prefix] = current[:-1] + [(start, max(conf, prob), frame)]
