"""Measure a model: ``python -m ml.evaluate MODEL DATA [DATA ...]``.

DATA folders hold pages with PAGE/ALTO XML (lines cut by their ground-truth
polygons) or NAME.png + NAME.gt.txt line pairs. Prints CER, WER, lines/s and
the most frequent character confusions, per folder and overall, and how the
marks on uncertain characters fall on the errors (ml.unsure_marks).
"""
from __future__ import annotations

import argparse
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import torch
from rapidfuzz.distance import Levenshtein

from ml.data import LineSample
from ml.metrics import error_counts
from ml.model_file import ModelBundle, load_model
from ml.packed_lines import load_lines
from ml.precision import precision_name
from ml.preprocess import PreprocessConfig, resize_to_height
from ml.recognizer import DEFAULT_BEAM, DEFAULT_LANGUAGE, Recognizer
from ml.unsure_marks import MarkFigures, mark_figures


@dataclass
class EvaluationReport:
    cer: float
    wer: float
    lines: int
    seconds: float
    per_source: dict = field(default_factory=dict)
    confusions: list = field(default_factory=list)
    marks: list[MarkFigures] = field(default_factory=list)

    @property
    def lines_per_second(self) -> float:
        return self.lines / max(self.seconds, 1e-9)

    def as_metrics(self) -> dict:
        """The figures a model file keeps of its validation."""
        return {"val_cer": self.cer, "val_wer": self.wer, "per_source": self.per_source}


def stored_inks(samples: list[LineSample], preprocess: PreprocessConfig) -> list[np.ndarray]:
    return [resize_to_height(s.ink.astype(np.float32) / 255.0, preprocess) for s in samples]


def evaluate_samples(bundle: ModelBundle, samples: list[LineSample], device: torch.device | str = "cpu",
                     batch_size: int = 32, beam_width: int = 0, widths: tuple[float, ...] = (1.0,),
                     unsure_thresholds: tuple[float, ...] = (), language: str | None = None) -> EvaluationReport:
    was_training = bundle.model.training
    recognizer = Recognizer(bundle, device, widths)
    inks = stored_inks(samples, bundle.preprocess)
    if beam_width > 1:
        recognizer.decoder(beam_width, language)  # loading the language model is not reading
    started = time.perf_counter()
    predictions = recognizer.recognize_inks(inks, batch_size=batch_size, beam_width=beam_width, language=language)
    seconds = time.perf_counter() - started
    bundle.model.train(was_training)
    hypotheses = [p.text for p in predictions]
    references = [s.text for s in samples]
    per_source = {}
    for source in sorted({s.source for s in samples}):
        idx = [i for i, s in enumerate(samples) if s.source == source]
        counts = error_counts([references[i] for i in idx], [hypotheses[i] for i in idx])
        per_source[source] = _rates(counts) | {"lines": len(idx)}
    overall = _rates(error_counts(references, hypotheses))
    return EvaluationReport(overall["cer"], overall["wer"], len(samples), seconds, per_source,
                            confusions(references, hypotheses),
                            [mark_figures(references, recognizer.shown(predictions), t) for t in unsure_thresholds])


def _rates(counts: dict[str, int]) -> dict[str, float]:
    return {"cer": counts["char_errors"] / max(counts["chars"], 1),
            "wer": counts["word_errors"] / max(counts["words"], 1)}


def confusions(references: list[str], hypotheses: list[str], top: int = 15) -> list[tuple[str, str, int]]:
    """Most frequent (expected, read) pairs; '' stands for a missing or extra character."""
    counter: Counter = Counter()
    for ref, hyp in zip(references, hypotheses):
        for op, i, j in Levenshtein.editops(ref, hyp):
            if op == "replace":
                counter[(ref[i], hyp[j])] += 1
            elif op == "delete":
                counter[(ref[i], "")] += 1
            else:
                counter[("", hyp[j])] += 1
    return [(a, b, n) for (a, b), n in counter.most_common(top)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("data", nargs="+")
    parser.add_argument("--beam", type=int, default=DEFAULT_BEAM,
                        help="beam width of the compiled CTC beam search (0: greedy, without language model)")
    parser.add_argument("--language", default=DEFAULT_LANGUAGE,
                        help="the character language model the beam search uses (ml/pretrained/lm: en, fr; none)")
    parser.add_argument("--widths", type=float, nargs="+", default=[1.0],
                        help="read each line at these horizontal scales and keep the text they find most likely")
    parser.add_argument("--unsure", type=float, nargs="*", default=[0.7, 0.9],
                        help="confidence thresholds under which characters are marked: how the marks fall on "
                        "the errors (the platform's are 0.7 for lecture notes, 0.9 for prescriptions)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--cache", default="cache")
    args = parser.parse_args(argv)
    bundle = load_model(args.model)
    samples = [s for folder in args.data for s in load_lines(folder, args.cache)]
    language = None if args.language == "none" else args.language
    report = evaluate_samples(bundle, samples, args.device, args.batch_size, args.beam, tuple(args.widths),
                              tuple(args.unsure), language)
    readings = f", read at widths {' '.join(map(str, args.widths))}" if args.widths != [1.0] else ""
    decoding = f"beam {args.beam}, {language or 'no'} language model" if args.beam > 1 else "greedy"
    print(f"model {args.model} ({bundle.version}), {decoding}"
          f" decoding on {args.device} ({precision_name(torch.device(args.device))}){readings}")
    print(f"{'data':<12}{'lines':>7}{'CER %':>8}{'WER %':>8}")
    for source, row in report.per_source.items():
        print(f"{source:<12}{row['lines']:>7}{100 * row['cer']:>8.2f}{100 * row['wer']:>8.2f}")
    print(f"{'all':<12}{report.lines:>7}{100 * report.cer:>8.2f}{100 * report.wer:>8.2f}")
    print(f"{report.lines_per_second:.1f} lines/s (recognition incl. decoding, batch {args.batch_size})")
    print("top confusions (expected -> read):")
    for expected, read, count in report.confusions:
        print(f"  {expected or '∅'!r:>6} -> {read or '∅'!r:<6} {count}")
    if report.marks:
        print("characters marked as uncertain (under the threshold), % of:")
        print(f"{'threshold':<11}{'wrong lines':>13}{'right lines':>13}{'wrong chars':>13}{'all chars':>11}")
        for figures in report.marks:
            shares = {name: 100 * share for name, share in figures.shares().items()}
            print(f"{figures.threshold:<11.2f}{shares['wrong_lines_marked']:>13.1f}"
                  f"{shares['right_lines_marked']:>13.1f}{shares['wrong_chars_marked']:>13.1f}{shares['chars_marked']:>11.1f}")


if __name__ == "__main__":
    main()
