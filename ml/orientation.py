"""Is a page upside down? The recognizer reads its longest lines both ways round.

    python -m ml.orientation ../shared/data/hooker/val [more folders ...] --limit 15

measures it: each page as it is and turned a half turn, segmented and checked.

The line network marks upside-down writing almost as strongly as upright
writing, so the segmenter cannot tell; the recognizer can: read upright, a
line's characters come out far surer than read turned. On the 97 shared val
pages, no upright page was found upside down and 93 of the same pages turned
upside down were (docs/segmentation.md).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from ml.layout import LinePrediction, TextLine
from ml.recognizer import Recognizer

SAMPLE_LINES = 8  # the longest lines say the most; more cost time and say little more
# One line alone is not enough: of the 1,820 upright val lines, 6 read surer turned by
# more than MARGIN; no pair of them did (2,000 random pairs).
MIN_LINES = 2
MARGIN = 0.1  # mean character confidence the turned reading must gain


def reads_upside_down(recognizer: Recognizer, line_images: list[np.ndarray]) -> bool:
    """True when the lines read clearly surer turned a half turn than as they are."""
    sample = sorted(line_images, key=lambda image: -image.shape[1])[:SAMPLE_LINES]
    if len(sample) < MIN_LINES:
        return False
    as_they_are = _mean_confidence(recognizer.recognize(sample))
    turned = _mean_confidence(recognizer.recognize([np.ascontiguousarray(image[::-1, ::-1]) for image in sample]))
    return turned - as_they_are > MARGIN


def upright_turns(lines: list[TextLine]) -> int:
    """Clockwise quarter turns that stand a page upright whose ``lines`` read upside down:
    its writing runs against the way their baselines run (mostly)."""
    runs = [np.subtract(line.baseline[-1], line.baseline[0]) for line in lines if len(line.baseline) >= 2]
    dx, dy = np.sum(runs, axis=0) if runs else (1.0, 0.0)
    if abs(dx) >= abs(dy):
        return 2 if dx > 0 else 0  # the writing runs leftwards: a half turn
    return 1 if dy > 0 else 3  # it runs up the page: a clockwise quarter turn; down: three


def _mean_confidence(predictions: list[LinePrediction]) -> float:
    return float(np.mean([np.mean(p.confidences) if p.confidences else 0.0 for p in predictions]))


def _page_reads_upside_down(recognizer: Recognizer, gray: np.ndarray) -> bool:
    from ml.line_image import extract_line
    from ml.segmentation import segment_page

    return reads_upside_down(recognizer, [extract_line(gray, line) for line in segment_page(gray).lines])


def main(argv: list[str] | None = None) -> None:
    from ml.evaluate_segmentation import page_pairs

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path, help="folders of page images (with PAGE/ALTO beside them)")
    parser.add_argument("--limit", type=int, default=0, help="at most this many pages per folder")
    args = parser.parse_args(argv)
    recognizer = Recognizer.load(device="cpu")
    for folder in args.folders:
        pages = [cv2.imread(str(image), cv2.IMREAD_GRAYSCALE) for image, _ in page_pairs(folder)[: args.limit or None]]
        turned_wrongly = sum(_page_reads_upside_down(recognizer, gray) for gray in pages)
        told = sum(_page_reads_upside_down(recognizer, np.ascontiguousarray(gray[::-1, ::-1])) for gray in pages)
        print(f"{folder}: {len(pages)} pages; upright ones turned: {turned_wrongly}; upside-down ones told: {told}")


if __name__ == "__main__":
    main()
