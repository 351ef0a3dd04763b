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
    return best_path_decode(best, probs[np.arange(len(best)), best], alphabet)


def best_path_decode(best: np.ndarray, best_probs: np.ndarray, alphabet: str) -> LinePrediction:
    """The text of a best path: ``best`` [T] is each frame's most likely label, ``best_probs`` [T]
    its posterior. Each run of one label is a character (blank runs are none), and its
    confidence is the run's highest posterior."""
    if best.size == 0:
        return LinePrediction("", [], [])
    starts = np.flatnonzero(np.diff(best, prepend=-1))  # the frames where a run begins
    ends = np.append(starts[1:], best.size) - 1
    labels, peaks = best[starts], np.maximum.reduceat(best_probs, starts)
    chars = labels != BLANK
    return LinePrediction(
        "".join(alphabet[label - 1] for label in labels[chars]),
        [float(peak) for peak in peaks[chars]],
        list(zip(starts[chars].tolist(), ends[chars].tolist())),
    )


def beam_decode(probs: np.ndarray, alphabet: str, beam_width: int = 8, prune: float = 1e-4) -> LinePrediction:
    """Prefix beam search over one line's posteriors [T, C], summing all paths of a prefix.

    Confidences and spans come from the best alignment of the chosen text, so they
    mean the same as the greedy ones.
    """
    labels = beam_search(probs, beam_width, prune)
    greedy = greedy_decode(probs, alphabet)
    if greedy.text == "".join(alphabet[label - 1] for label in labels):
        # The best path is the best alignment of its own text: no need to search for it (most lines).
        return greedy
    return align(probs, labels, alphabet)


def beam_search(probs: np.ndarray, beam_width: int = 8, prune: float = 1e-4) -> list[int]:
    """The labels (from 1; 0 is the blank) of the likeliest text, by prefix beam search."""
    log = np.log(np.clip(probs, 1e-12, 1.0))
    # prefix -> [log p of paths ending in blank, log p of paths ending in its last label]
    beams: dict[tuple[int, ...], list[float]] = {(): [0.0, -math.inf]}
    for t in range(log.shape[0]):
        candidates = [int(c) for c in np.flatnonzero(probs[t] > prune)]
        if candidates == [BLANK]:
            # Most frames: every prefix now ends in a blank, and their order stays the same.
            p = float(log[t, BLANK])
            beams = {prefix: [_log_add(*scores) + p, -math.inf] for prefix, scores in beams.items()}
            continue
        grown: dict[tuple[int, ...], list[float]] = defaultdict(lambda: [-math.inf, -math.inf])
        frame = log[t].tolist()
        for prefix, (p_blank, p_label) in beams.items():
            total = _log_add(p_blank, p_label)
            for label in candidates:
                p = frame[label]
                if label == BLANK:
                    grown[prefix][0] = _log_add(grown[prefix][0], total + p)
                elif prefix and prefix[-1] == label:
                    # the same label again: it continues the last character, or after a blank repeats it
                    grown[prefix][1] = _log_add(grown[prefix][1], p_label + p)
                    extended = grown[prefix + (label,)]
                    extended[1] = _log_add(extended[1], p_blank + p)
                else:
                    extended = grown[prefix + (label,)]
                    extended[1] = _log_add(extended[1], total + p)
        beams = dict(sorted(grown.items(), key=lambda kv: -_log_add(*kv[1]))[:beam_width])
    return list(max(beams, key=lambda prefix: _log_add(*beams[prefix])))


def _log_add(a: float, b: float) -> float:
    """log(exp(a) + exp(b)) of two Python floats (numpy's logaddexp is slow on scalars)."""
    if a < b:
        a, b = b, a
    return a if b == -math.inf else a + math.log1p(math.exp(b - a))


def align(probs: np.ndarray, labels: list[int], alphabet: str) -> LinePrediction:
    """Best CTC alignment (Viterbi) of ``labels`` to the posteriors: per-character spans and confidences."""
    if not labels:
        return LinePrediction("", [], [])
    log = np.log(np.clip(probs, 1e-12, 1.0))
    states = [BLANK]
    for label in labels:
        states += [label, BLANK]
    n_frames, n_states = log.shape[0], len(states)
    state_labels = np.array(states)
    # A label state may be reached from two states back, skipping the blank between two different labels.
    may_skip = np.zeros(n_states, bool)
    may_skip[2:] = (state_labels[2:] != BLANK) & (state_labels[2:] != state_labels[:-2])
    score = np.full((n_frames, n_states), -np.inf)
    back = np.zeros((n_frames, n_states), dtype=np.int64)
    score[0, :2] = log[0, states[:2]]
    index = np.arange(n_states)
    step, skip = np.full(n_states, -np.inf), np.full(n_states, -np.inf)
    for t in range(1, n_frames):
        previous = score[t - 1]
        step[1:] = previous[:-1]
        skip[2:] = np.where(may_skip[2:], previous[:-2], -np.inf)
        # The best of staying, stepping and skipping; of equals the first, as staying is preferred.
        best, choice = previous.copy(), np.zeros(n_states, np.int64)
        for move, option in ((1, step), (2, skip)):
            better = option > best
            best[better], choice[better] = option[better], move
        score[t] = best + log[t, state_labels]
        back[t] = index - choice
    s = n_states - 1 if n_states < 2 or score[-1, -1] >= score[-1, -2] else n_states - 2
    path = [s]
    for t in range(n_frames - 1, 0, -1):
        s = back[t, s]
        path.append(s)
    path.reverse()
    spans: dict[int, list[int]] = {}
    for t, state in enumerate(path):
        if state % 2 == 1:  # odd states are the labels
            spans.setdefault(state // 2, []).append(t)
    confidences, frame_spans = [], []
    for index, label in enumerate(labels):
        frames = spans.get(index, [])
        confidences.append(float(max(probs[f, label] for f in frames)) if frames else 0.0)
        frame_spans.append((frames[0], frames[-1]) if frames else (0, 0))
    return LinePrediction("".join(alphabet[label - 1] for label in labels), confidences, frame_spans)
