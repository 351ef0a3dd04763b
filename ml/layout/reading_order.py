"""Reading order of detected lines: columns left to right, lines top to bottom (recursive XY cut)."""
from __future__ import annotations

Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def reading_order(boxes: list[Box], min_column_gap: float, min_block_gap: float) -> list[list[int]]:
    """Indices of ``boxes`` grouped into blocks, blocks and lines each in reading order.

    A vertical gap of at least ``min_column_gap`` that no box crosses splits
    columns (read left to right); failing that, a horizontal gap of at least
    ``min_block_gap`` splits blocks (read top to bottom); a block that cannot
    be split is read top to bottom by the middle of its lines.
    """
    return _order(list(range(len(boxes))), boxes, min_column_gap, min_block_gap)


def _order(indices: list[int], boxes: list[Box], column_gap: float, block_gap: float) -> list[list[int]]:
    if len(indices) <= 1:
        return [indices] if indices else []
    for axis, gap in ((0, column_gap), (1, block_gap)):
        groups = _split(indices, boxes, axis, gap)
        if len(groups) > 1:
            return [block for group in groups for block in _order(group, boxes, column_gap, block_gap)]
    return [sorted(indices, key=lambda i: ((boxes[i][1] + boxes[i][3]) / 2, boxes[i][0]))]


def _split(indices: list[int], boxes: list[Box], axis: int, min_gap: float) -> list[list[int]]:
    """Groups separated by empty gaps of at least ``min_gap`` along ``axis`` (0 = x, 1 = y)."""
    ordered = sorted(indices, key=lambda i: boxes[i][axis])
    groups, reach = [[ordered[0]]], boxes[ordered[0]][axis + 2]
    for i in ordered[1:]:
        if boxes[i][axis] - reach >= min_gap:
            groups.append([i])
        else:
            groups[-1].append(i)
        reach = max(reach, boxes[i][axis + 2])
    return groups
