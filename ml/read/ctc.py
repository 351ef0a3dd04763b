"""CTC decoding with per-character confidences and frame spans."""
from __future__ import annotations


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
