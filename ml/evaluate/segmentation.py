"""Measure the segmenter on pages with ground truth: line detection, baselines, speed, end-to-end text.

    python -m ml.evaluate.segmentation ../shared/data/copiste/val [more folders ...]

Each folder holds page images and, beside each, its PAGE or ALTO file (same
stem). Figures are summed over the pages of a folder (micro-averaged).
End-to-end: the detected lines are read by the shipped recognizer and the page
text (lines joined by newlines, in reading order) is compared with the ground
truth page text; the same model reading the ground-truth lines gives the
line-level reference. The page text is also compared with the detected lines put
in the ground truth's order (``page_truth_order_cer``): the difference is what
the reading order alone costs, where the transcriber's order differs from the
page's (a label in a corner listed last, say).

Ground-truth outlines drawn as thin strips through the letters (ml.read.thin_outlines)
are read, for the line-level reference, as ``python -m ml.evaluate`` reads them:
cut by a band round the baseline. Line detection is counted against the outlines
as drawn (``line_f1``) and against the widened ones (``line_f1_widened_truth``).
"""
from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ml.layout import PageLayout, TextLine
from ml.layout.formats import load_truth, page_pairs
from ml.read.line_image import extract_line
from ml.read.metrics import error_counts
from ml.read.precision import cpu_bf16_option
from ml.read.recognizer import DEFAULT_MODEL_PATH, Recognizer
from ml.read.thin_outlines import widen_thin_outlines
from ml.segment.metrics import (
    BaselineCounts,
    DetectionCounts,
    UnreadCounts,
    baseline_counts,
    detection_counts,
    truth_order,
    unread_counts,
)
from ml.segment.segmenter import SegmenterConfig, segment_page
from ml.segment.show_through import show_through

# Reads lines of a page; returns one string per line. Asked to (the third argument, for
# detected lines, as the platform does), it gives None for a line set aside as ink showing
# through from the back of the sheet.
ReadLines = Callable[[np.ndarray, list[TextLine], bool], list[str | None]]


@dataclass
class TextCounts:
    char_errors: int = 0
    chars: int = 0
    word_errors: int = 0
    words: int = 0

    def add(self, counts: dict[str, int]) -> None:
        self.char_errors += counts["char_errors"]
        self.chars += counts["chars"]
        self.word_errors += counts["word_errors"]
        self.words += counts["words"]

    @property
    def cer(self) -> float:
        return self.char_errors / max(self.chars, 1)

    @property
    def wer(self) -> float:
        return self.word_errors / max(self.words, 1)


@dataclass
class FolderReport:
    folder: str
    pages: int = 0
    seconds: float = 0.0
    lines: DetectionCounts = field(default_factory=DetectionCounts)
    # The same, against the truth with its outlines cut through the letters widened (ml.read.thin_outlines).
    lines_widened_truth: DetectionCounts = field(default_factory=DetectionCounts)
    truth_outlines_widened: int = 0
    baselines: BaselineCounts = field(default_factory=BaselineCounts)
    unread: UnreadCounts = field(default_factory=UnreadCounts)
    page_text: TextCounts | None = None
    # The same page text with the detected lines in the ground truth's reading order.
    page_text_truth_order: TextCounts | None = None
    line_text: TextCounts | None = None
    show_through: int = 0  # detected lines set aside as ink from the back of the sheet
    # (page, character errors the page text has beyond those of its ground-truth lines read alone)
    page_gaps: list[tuple[str, int]] = field(default_factory=list)

    @property
    def seconds_per_page(self) -> float:
        return self.seconds / max(self.pages, 1)

    def summary(self) -> dict:
        out = {
            "folder": self.folder,
            "pages": self.pages,
            "truth_lines": self.lines.true_positives + self.lines.false_negatives,
            "detected_lines": self.lines.true_positives + self.lines.false_positives,
            "line_precision": round(self.lines.precision, 4),
            "line_recall": round(self.lines.recall, 4),
            "line_f1": round(self.lines.f1, 4),
            "truth_outlines_widened": self.truth_outlines_widened,
            "line_f1_widened_truth": round(self.lines_widened_truth.f1, 4),
            "baseline_precision": round(self.baselines.precision, 4),
            "baseline_recall": round(self.baselines.recall, 4),
            "baseline_f1": round(self.baselines.f1, 4),
            "seconds_per_page": round(self.seconds_per_page, 3),
            "unread_lines": self.unread.unread,
            "unread_lines_shown": self.unread.unread_shown,
            "unread_ink_places_per_page": round(self.unread.places / max(self.pages, 1), 2),
            "unread_ink_places_on_text": self.unread.places_on_text,
        }
        texts = (("page", self.page_text), ("page_truth_order", self.page_text_truth_order), ("line", self.line_text))
        for name, counts in texts:
            if counts is not None:
                out[f"{name}_cer"] = round(counts.cer, 4)
                out[f"{name}_wer"] = round(counts.wer, 4)
        if self.page_text is not None:
            out["show_through_set_aside"] = self.show_through
        return out


def evaluate_folder(
    folder: Path, read_lines: ReadLines | None = None, limit: int = 0, config: SegmenterConfig | None = None
) -> FolderReport:
    report = FolderReport(folder=str(folder))
    if read_lines is not None:
        report.page_text, report.page_text_truth_order, report.line_text = TextCounts(), TextCounts(), TextCounts()
    for image, xml in page_pairs(folder)[: limit or None]:
        gray = cv2.imread(str(image), cv2.IMREAD_GRAYSCALE)
        truth = load_truth(xml, gray)
        start = time.perf_counter()
        detected = segment_page(gray, config)
        report.seconds += time.perf_counter() - start
        report.pages += 1
        if read_lines is not None:
            page_text = _read_as_the_platform(read_lines, gray, detected, report)
        widened_truth, widened = widen_thin_outlines(gray, truth.lines)
        report.truth_outlines_widened += widened
        report.lines = report.lines + detection_counts(truth.lines, detected.lines)
        report.lines_widened_truth = report.lines_widened_truth + detection_counts(widened_truth, detected.lines)
        report.baselines = report.baselines + baseline_counts(truth.lines, detected.lines)
        report.unread = report.unread + unread_counts(truth.lines, detected.lines, detected.unread_ink)
        if read_lines is not None:
            _compare_text(report, image.name, truth.lines, detected.lines, page_text, read_lines(gray, widened_truth, False))
    return report


def _compare_text(
    report: FolderReport, page: str, truth: list[TextLine], detected: list[TextLine],
    detected_text: list[str], truth_read: list[str],
) -> None:
    """Add a page's text errors: its detected lines read in reading order, the same in the
    truth's order, and its ground-truth lines read alone."""
    truth_lines = [line.text for line in truth]
    truth_text = "\n".join(truth_lines)
    page_counts = error_counts([truth_text], ["\n".join(detected_text)])
    in_truth_order = "\n".join(detected_text[j] for j in truth_order(truth, detected))
    line_counts = error_counts(truth_lines, truth_read)
    report.page_text.add(page_counts)
    report.page_text_truth_order.add(error_counts([truth_text], [in_truth_order]))
    report.line_text.add(line_counts)
    report.page_gaps.append((page, page_counts["char_errors"] - line_counts["char_errors"]))


def _read_as_the_platform(read_lines: ReadLines, gray: np.ndarray, detected: PageLayout, report: FolderReport) -> list[str]:
    """The detected lines' texts; lines set aside as show-through leave ``detected`` and
    become places of unread ink, as on the platform."""
    texts = read_lines(gray, detected.lines, True)
    aside = [line for line, text in zip(detected.lines, texts) if text is None]
    report.show_through += len(aside)
    detected.lines = [line for line, text in zip(detected.lines, texts) if text is not None]
    detected.unread_ink += [line.polygon for line in aside]
    return [text for text in texts if text is not None]


def recognizer_reader(model_path: str | None, beam_width: int = 3, cpu_bf16: str = "auto") -> ReadLines:
    """Lines read by the shipped CRNN (by default as the platform reads them: beam 3), cut out
    by ml.read.line_image."""
    recognizer = Recognizer.load(model_path or DEFAULT_MODEL_PATH, device="cpu", cpu_bf16=cpu_bf16)

    def read(gray: np.ndarray, lines: list[TextLine], set_aside_show_through: bool) -> list[str | None]:
        if not lines:
            return []
        images = [extract_line(gray, line) for line in lines]
        # No language model: the pages here are of either language, and the figures stay comparable.
        readings = recognizer.recognize(images, beam_width=beam_width, language=None)
        texts: list[str | None] = [reading.text for reading in readings]
        for i in show_through(recognizer, images, readings) if set_aside_show_through else []:
            texts[i] = None
        return texts

    return read


def line_net_option(parser: argparse.ArgumentParser, path: str | None) -> str | Path:
    """The line network a command's ``--line-net`` names (it must exist), or the shipped one."""
    if path and not Path(path).is_file():
        parser.error(f"no line network at {path}")
    return path or SegmenterConfig.line_net


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path, help="folders of page images with PAGE/ALTO beside them")
    parser.add_argument("--no-text", action="store_true", help="skip recognition (segmentation figures only)")
    parser.add_argument("--model", help="recognizer model file (default: the shipped model)")
    parser.add_argument("--beam", type=int, default=3, help="beam width of the reading, as the platform's (0: greedy)")
    parser.add_argument("--limit", type=int, default=0, help="at most this many pages per folder")
    parser.add_argument("--line-net", help="line network file (default: the shipped one, if present)")
    parser.add_argument("--classical", action="store_true", help="find lines without the line network")
    parser.add_argument("--sideways", action="store_true", help="also find lines written up or down the page")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--worst", type=int, default=0,
                        help="also list the N pages whose text loses most to segmentation (page minus line errors)")
    cpu_bf16_option(parser)
    args = parser.parse_args(argv)

    read_lines = None if args.no_text else recognizer_reader(args.model, args.beam, args.cpu_bf16)
    config = SegmenterConfig(sideways=args.sideways, line_net=line_net_option(parser, args.line_net),
                             cpu_bf16=args.cpu_bf16)
    if args.classical or not Path(config.line_net).is_file():
        config.line_net = None
    summaries = []
    for folder in args.folders:
        report = evaluate_folder(folder, read_lines, args.limit, config)
        summary = report.summary()
        summary["method"] = "classical" if config.line_net is None else f"line network {config.line_net}"
        summary["sideways"] = config.sideways
        summaries.append(summary)
        print(json.dumps(summary))
        for page, extra in sorted(report.page_gaps, key=lambda gap: -gap[1])[: args.worst]:
            print(f"  {page}: {extra:+d} character errors over its lines read alone")
    if args.json:
        args.json.write_text(json.dumps(summaries, indent=2) + "\n")


if __name__ == "__main__":
    main()
