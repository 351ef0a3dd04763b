"""A page's line spacing, measured from its lines' baselines."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def baseline_spacing(baselines: Sequence[np.ndarray], min_lines: int = 1) -> float | None:
    """The median distance from each baseline's middle to the nearest other baseline that runs above
    or below that point, or None when fewer than ``min_lines`` baselines have such a neighbour.

    Each baseline is an [N, 2] array of (x, y) points. Only baselines overlapping horizontally are
    neighbours, so the two columns or the margin notes of a page do not halve its spacing.
    """
    lines = [line[np.argsort(line[:, 0], kind="stable")] for line in map(np.asarray, baselines) if len(line) >= 2]
    gaps = []
    for i, line in enumerate(lines):
        x = (line[0, 0] + line[-1, 0]) / 2
        y = np.interp(x, line[:, 0], line[:, 1])
        nearest = [
            abs(np.interp(x, other[:, 0], other[:, 1]) - y)
            for j, other in enumerate(lines)
            if j != i and other[0, 0] <= x <= other[-1, 0]
        ]
        nearest = [gap for gap in nearest if gap > 1]
        if nearest:
            gaps.append(min(nearest))
    return float(np.median(gaps)) if gaps and len(gaps) >= min_lines else None
