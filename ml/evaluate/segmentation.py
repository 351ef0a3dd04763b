"""Measure the segmenter on pages with ground truth: line detection, baselines, speed, end-to-end text.

    python -m ml.evaluate.segmentation ../shared/data/copiste/val [more folders ...]

Each folder holds page images and, beside each, its PAGE or ALTO file (same
stem). Figures are summed over the pages of a folder (micro-averaged).
End-to-end: the detected lines are read by the shipped recognizer and the page
text (lines joined by newlines, in reading order) is compared with the ground
truth page text; the same model reading the ground-truth lines gives the
line-level reference; their difference (``page_minus_line_cer_points``) is what
segmentation costs the user. ``uncovered_char_share`` is the share of the truth's
characters that no detected line covers (text never read). With several folders
a last row, "overall", sums them all; a Markdown table of the figures that judge
segmentation by the text follows. The page text is also compared with the
detected lines put in the ground truth's order (``page_truth_order_cer``): the difference is what
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

from ml.layout import LinePrediction, PageLayout, TextLine
from ml.layout.formats import load_truth, page_pairs
from ml.read.line_image import extract_line
from ml.read.metrics import error_counts
from ml.read.precision import cpu_bf16_option
from ml.read.recognizer import DEFAULT_MODEL_PATH, Recognizer
from ml.read.thin_outlines import widen_thin_outlines
from ml.segment.metrics import (
    BaselineCounts,
    DetectionCounts,
    CoverageCounts,
    UnreadCounts,
    baseline_counts,
    coverage_counts,
    detection_counts,
    truth_order,
    unread_counts,
)
from ml.segment.place_lines import read_places
from ml.segment.segmenter import SegmenterConfig, segment_page
from ml.segment.show_through import show_through

# Reads lines of a page; returns one string per line. Asked to (the third argument, for
# detected lines, as the platform does), it gives None for a line set aside as ink showing
# through from the back of the sheet.
ReadLines = Callable[[np.ndarray, list[TextLine], bool], list[str | None]]
# Reads lines of a page with the recognizer's confidences (for places of unread ink).
ReadPlaces = Callable[[np.ndarray, list[TextLine]], list[LinePrediction]]


@dataclass
class TextCounts:
    char_errors: int = 0
    chars: int = 0
    word_errors: int = 0
    words: int = 0

    def __add__(self, other: "TextCounts") -> "TextCounts":
        return TextCounts(self.char_errors + other.char_errors, self.chars + other.chars,
                          self.word_errors + other.word_errors, self.words + other.words)

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
    coverage: CoverageCounts = field(default_factory=CoverageCounts)
    page_text: TextCounts | None = None
    # The same page text with the detected lines in the ground truth's reading order.
    page_text_truth_order: TextCounts | None = None
    line_text: TextCounts | None = None
    show_through: int = 0  # detected lines set aside as ink from the back of the sheet
    places_read: int = 0  # places of unread ink read surely enough to become lines (--read-places)
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
            "uncovered_char_share": round(self.coverage.uncovered_share, 4),
        }
        texts = (("page", self.page_text), ("page_truth_order", self.page_text_truth_order), ("line", self.line_text))
        for name, counts in texts:
            if counts is not None:
                out[f"{name}_cer"] = round(counts.cer, 4)
                out[f"{name}_wer"] = round(counts.wer, 4)
        if self.page_text is not None:
            out["page_minus_line_cer_points"] = round(100 * (self.page_text.cer - self.line_text.cer), 2)
            out["show_through_set_aside"] = self.show_through
            out["places_read"] = self.places_read
        return out

    def __add__(self, other: "FolderReport") -> "FolderReport":
        def both(a, b):
            return None if a is None or b is None else a + b

        return FolderReport(
            folder="overall", pages=self.pages + other.pages, seconds=self.seconds + other.seconds,
            lines=self.lines + other.lines, lines_widened_truth=self.lines_widened_truth + other.lines_widened_truth,
            truth_outlines_widened=self.truth_outlines_widened + other.truth_outlines_widened,
            baselines=self.baselines + other.baselines, unread=self.unread + other.unread,
            coverage=self.coverage + other.coverage, page_text=both(self.page_text, other.page_text),
            page_text_truth_order=both(self.page_text_truth_order, other.page_text_truth_order),
            line_text=both(self.line_text, other.line_text), show_through=self.show_through + other.show_through,
            places_read=self.places_read + other.places_read,
            page_gaps=self.page_gaps + other.page_gaps,
        )


def evaluate_folder(
    folder: Path, read_lines: ReadLines | None = None, limit: int = 0, config: SegmenterConfig | None = None,
    place_reader: ReadPlaces | None = None,
) -> FolderReport:
    """The figures of a folder's pages; with ``place_reader`` too, the places of unread ink that
    look like a line are read after the page's lines and kept when read surely (ml.segment.place_lines)."""
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
            if place_reader is not None:
                page_text = _with_places_read(place_reader, gray, detected, page_text, report)
        widened_truth, widened = widen_thin_outlines(gray, truth.lines)
        report.truth_outlines_widened += widened
        report.lines = report.lines + detection_counts(truth.lines, detected.lines)
        report.lines_widened_truth = report.lines_widened_truth + detection_counts(widened_truth, detected.lines)
        report.baselines = report.baselines + baseline_counts(truth.lines, detected.lines)
        report.unread = report.unread + unread_counts(truth.lines, detected.lines, detected.unread_ink)
        report.coverage = report.coverage + coverage_counts(truth.lines, detected.lines)
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


def _with_places_read(
    place_reader: ReadPlaces, gray: np.ndarray, detected: PageLayout, texts: list[str], report: FolderReport
) -> list[str]:
    """The page's texts in reading order once its places that read as lines are lines."""
    text_of = {id(line): text for line, text in zip(detected.lines, texts)}
    added = read_places(gray, detected, lambda lines: place_reader(gray, lines))
    report.places_read += len(added)
    text_of.update((id(line), reading.text) for line, reading in added)
    return [text_of[id(line)] for line in detected.lines]


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


def recognizer_place_reader(model_path: str | None, beam_width: int = 3, cpu_bf16: str = "auto") -> ReadPlaces:
    """Lines read by the shipped CRNN with their confidences, as the platform reads them."""
    recognizer = Recognizer.load(model_path or DEFAULT_MODEL_PATH, device="cpu", cpu_bf16=cpu_bf16)

    def read(gray: np.ndarray, lines: list[TextLine]) -> list[LinePrediction]:
        return recognizer.recognize([extract_line(gray, line) for line in lines], beam_width=beam_width) if lines else []

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
    parser.add_argument("--print-lines", action="store_true",
                        help="also find lines of print too small for the working scale (ml.segment.print_lines)")
    parser.add_argument("--read-places", action="store_true",
                        help="read the places of unread ink that look like a line; keep those read surely")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--worst", type=int, default=0,
                        help="also list the N pages whose text loses most to segmentation (page minus line errors)")
    cpu_bf16_option(parser)
    args = parser.parse_args(argv)

    read_lines = None if args.no_text else recognizer_reader(args.model, args.beam, args.cpu_bf16)
    place_reader = recognizer_place_reader(args.model, args.beam, args.cpu_bf16) if args.read_places else None
    if place_reader is not None and read_lines is None:
        parser.error("--read-places reads text: leave out --no-text")
    config = SegmenterConfig(sideways=args.sideways, line_net=line_net_option(parser, args.line_net),
                             cpu_bf16=args.cpu_bf16, print_lines=args.print_lines)
    if args.classical or not Path(config.line_net).is_file():
        config.line_net = None
    reports = []
    for folder in args.folders:
        report = evaluate_folder(folder, read_lines, args.limit, config, place_reader)
        reports.append(report)
        print(json.dumps(_described(report.summary(), config)))
        for page, extra in sorted(report.page_gaps, key=lambda gap: -gap[1])[: args.worst]:
            print(f"  {page}: {extra:+d} character errors over its lines read alone")
    if len(reports) > 1:
        reports.append(sum(reports[1:], reports[0]))  # folder "overall": the pages of all of them
        print(json.dumps(_described(reports[-1].summary(), config)))
    print(table([report.summary() for report in reports]))
    if args.json:
        args.json.write_text(json.dumps([_described(r.summary(), config) for r in reports], indent=2) + "\n")


def _described(summary: dict, config: SegmenterConfig) -> dict:
    summary["method"] = "classical" if config.line_net is None else f"line network {config.line_net}"
    summary["sideways"] = config.sideways
    return summary


TABLE_COLUMNS = (
    ("collection", "folder"), ("pages", "pages"), ("recall", "line_recall"), ("precision", "line_precision"),
    ("F1", "line_f1"), ("page CER", "page_cer"), ("line CER", "line_cer"),
    ("page - line (points)", "page_minus_line_cer_points"), ("uncovered chars", "uncovered_char_share"),
    ("s/page", "seconds_per_page"),
)


def table(summaries: list[dict]) -> str:
    """The figures that judge segmentation by the text a user gets, one row per folder, as Markdown."""
    def cell(summary: dict, key: str) -> str:
        value = summary.get(key)
        if value is None:
            return "-"
        if key == "folder":
            return value if value == "overall" else "/".join(Path(value).parts[-2:])
        if key in ("page_cer", "line_cer", "uncovered_char_share"):
            return f"{100 * value:.1f} %"
        if key == "page_minus_line_cer_points":
            return f"{value:+.1f}"
        return str(value)

    rows = [[name for name, _ in TABLE_COLUMNS], ["---"] * len(TABLE_COLUMNS)]
    rows += [[cell(summary, key) for _, key in TABLE_COLUMNS] for summary in summaries]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


if __name__ == "__main__":
    main()
