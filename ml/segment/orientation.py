"""Is a page upside down? The recognizer reads its longest lines both ways round.

    python -m ml.segment.orientation ../shared/data/hooker/val [more folders ...] --limit 15

measures it: each page as it is, turned a quarter either way and a half turn,
segmented and checked as the platform does before reading it.

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
from ml.layout.formats import page_pairs
from ml.read.line_image import extract_line
from ml.read.recognizer import DEFAULT_LANGUAGE, Recognizer
from ml.segment.segmenter import segment_page

SAMPLE_LINES = 8  # the longest lines say the most; more cost time and say little more
# One line alone is not enough: of the 1,820 upright val lines, 6 read surer turned by
# more than MARGIN; no pair of them did (2,000 random pairs).
MIN_LINES = 2
MARGIN = 0.1  # mean character confidence the turned reading must gain


def reads_upside_down(
    recognizer: Recognizer, line_images: list[np.ndarray], readings: list[LinePrediction],
    *, language: str | None = DEFAULT_LANGUAGE,
) -> bool:
    """True when the lines read clearly surer turned a half turn than as they are.

    ``readings`` are the recognizer's readings of ``line_images`` as they are, with the
    language model of ``language``, which the caller has made anyway: only the turned lines
    are read here, with the same.
    """
    longest = sorted(range(len(line_images)), key=lambda i: -line_images[i].shape[1])[:SAMPLE_LINES]
    if len(longest) < MIN_LINES:
        return False
    turned = recognizer.recognize([half_turned(line_images[i]) for i in longest], language=language)
    return _mean_confidence(turned) - _mean_confidence([readings[i] for i in longest]) > MARGIN


def lines_read_turned(
    recognizer: Recognizer, line_images: list[np.ndarray], readings: list[LinePrediction], indices: list[int],
    *, language: str | None = DEFAULT_LANGUAGE,
) -> dict[int, LinePrediction]:
    """Of the lines at ``indices``, those that read clearly surer turned a half turn, with that
    reading: for a line written up or down a margin, which way it runs is the person's guess.
    One line alone misleads more often than a page (6 of the 1,820 upright val lines read
    surer turned by MARGIN), so only lines whose direction is in doubt are asked."""
    if not indices:
        return {}
    turned = recognizer.recognize([half_turned(line_images[i]) for i in indices], language=language)
    return {i: reading for i, reading in zip(indices, turned) if reading.mean_confidence - readings[i].mean_confidence > MARGIN}


def half_turned(image: np.ndarray) -> np.ndarray:
    """A line image turned a half turn (upside down and right to left)."""
    return np.ascontiguousarray(image[::-1, ::-1])


def upright_turns(lines: list[TextLine]) -> int:
    """Clockwise quarter turns that stand a page upright whose ``lines`` read upside down:
    its writing runs against the way their baselines run (mostly)."""
    runs = [np.subtract(line.baseline[-1], line.baseline[0]) for line in lines if len(line.baseline) >= 2]
    dx, dy = np.sum(runs, axis=0) if runs else (1.0, 0.0)
    if abs(dx) >= abs(dy):
        return 2 if dx > 0 else 0  # the writing runs leftwards: a half turn
    return 1 if dy > 0 else 3  # it runs up the page: a clockwise quarter turn; down: three


def _mean_confidence(predictions: list[LinePrediction]) -> float:
    return float(np.mean([p.mean_confidence for p in predictions]))


def _turns_found(recognizer: Recognizer, gray: np.ndarray) -> int:
    """The clockwise quarter turns the platform would give this page before reading it."""
    lines = segment_page(gray).lines
    images = [extract_line(gray, line) for line in lines]
    if not reads_upside_down(recognizer, images, recognizer.recognize(images)):
        return 0
    return upright_turns(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path, help="folders of upright page images (with PAGE/ALTO beside them)")
    parser.add_argument("--limit", type=int, default=0, help="at most this many pages per folder")
    args = parser.parse_args(argv)
    recognizer = Recognizer.load(device="cpu")
    for folder in args.folders:
        counts = {"upright turned": 0, "upside down turned upright": 0, "on a side turned upright": 0, "turned wrongly": 0}
        pages = page_pairs(folder)[: args.limit or None]
        for image, _ in pages:
            gray = cv2.imread(str(image), cv2.IMREAD_GRAYSCALE)
            for turned in range(4):  # counterclockwise quarter turns given to the upright page
                found = _turns_found(recognizer, np.ascontiguousarray(np.rot90(gray, turned)))
                if found and found != turned:
                    counts["turned wrongly"] += 1
                elif found:
                    counts["upside down turned upright" if turned == 2 else "on a side turned upright"] += 1
                counts["upright turned"] += turned == 0 and found != 0
        print(f"{folder}: {len(pages)} pages, each as it is, on either side and upside down; "
              + "; ".join(f"{name}: {n}" for name, n in counts.items()))


if __name__ == "__main__":
    main()
