"""How well lines a person draws by hand are read: the ground-truth lines of pages, each given a
box as a person would draw it (the line's bounding box and some paper round it), read three ways.

    python -m ml.evaluate.drawn_lines [--margin 0.3] ../shared/data/copiste/val [more folders ...]

- ``outline``: the line cut by its ground-truth polygon (what ml.evaluate.recognition reads);
- ``box``: the drawn box read as it is, a rectangle;
- ``fitted``: the drawn box fitted to its writing by ml.segment.drawn_line, as the platform does.

The margin is a share of the line's thickness (its extent across the writing), added on every
side: 0.3 takes in the descenders of the line above and the ascenders of the one below on most
pages.
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from ml.evaluate.segmentation import TextCounts, recognizer_reader
from ml.layout import TextLine
from ml.layout.formats import load_truth, page_pairs
from ml.layout.geometry import bounding_box
from ml.read.codec import normalize_text
from ml.read.metrics import error_counts
from ml.segment.drawn_line import box_line, fit_drawn_line, writing_direction

WAYS = ("outline", "box", "fitted")


@dataclass
class DrawnReport:
    folder: str
    lines: int = 0
    fit_seconds: float = 0.0
    text: dict[str, TextCounts] = field(default_factory=lambda: {way: TextCounts() for way in WAYS})

    def summary(self) -> dict:
        out: dict = {"folder": self.folder, "lines": self.lines}
        out |= {f"{way}_cer": round(counts.cer, 4) for way, counts in self.text.items()}
        out["fit_ms_per_line"] = round(1000 * self.fit_seconds / max(self.lines, 1), 1)
        return out


def box_round(line: TextLine, margin: float, width: int, height: int) -> tuple[int, int, int, int]:
    """The line's bounding box with ``margin`` times its thickness added on every side, on the page."""
    x0, y0, x1, y1 = bounding_box(line.polygon)
    thickness = (x1 - x0) if writing_direction(line.baseline) != "right" else (y1 - y0)
    pad = round(margin * thickness)
    return max(0, x0 - pad), max(0, y0 - pad), min(width, x1 + pad), min(height, y1 + pad)


def evaluate_folder(folder: Path, read_lines, margin: float, limit: int = 0) -> DrawnReport:
    report = DrawnReport(folder=str(folder))
    for image, xml in page_pairs(folder)[: limit or None]:
        gray = cv2.imread(str(image), cv2.IMREAD_GRAYSCALE)
        truth = [line for line in load_truth(xml, gray).lines
                 if normalize_text(line.text) and line.polygon and len(line.baseline) >= 2]
        ways: dict[str, list[TextLine]] = {way: [] for way in WAYS}
        for line in truth:
            box = box_round(line, margin, gray.shape[1], gray.shape[0])
            direction = writing_direction(line.baseline)
            start = time.perf_counter()
            fitted = fit_drawn_line(gray, box, direction)
            report.fit_seconds += time.perf_counter() - start
            ways["outline"].append(line)
            ways["box"].append(TextLine(line.id, *box_line(box, direction)))
            ways["fitted"].append(TextLine(line.id, *fitted))
        references = [normalize_text(line.text) for line in truth]
        for way, lines in ways.items():
            report.text[way].add(error_counts(references, read_lines(gray, lines, False)))
        report.lines += len(truth)
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path, help="folders of page images with PAGE/ALTO beside them")
    parser.add_argument("--margin", type=float, default=0.3, help="paper added round each line, in line thicknesses")
    parser.add_argument("--model", help="recognizer model file (default: the shipped model)")
    parser.add_argument("--limit", type=int, default=0, help="at most this many pages per folder")
    args = parser.parse_args(argv)
    read_lines = recognizer_reader(args.model)
    for folder in args.folders:
        print(json.dumps(evaluate_folder(folder, read_lines, args.margin, args.limit).summary()), flush=True)


if __name__ == "__main__":
    main()
