"""Measure a model: ``python -m ml.evaluate MODEL DATA [DATA ...]``.

DATA folders hold pages with PAGE/ALTO XML (lines cut by their ground-truth
polygons) or NAME.png + NAME.gt.txt line pairs. Prints CER, WER, lines/s and
the most frequent character confusions, per folder and overall, and how the
marks on uncertain characters fall on the errors (ml.evaluate.unsure_marks).
"""
from __future__ import annotations

import argparse

import torch

from ml.evaluate.unsure_marks import mark_figures
from ml.read.model_file import ModelBundle, load_model
from ml.read.precision import cpu_bf16_option, precision_name
from ml.read.recognizer import DEFAULT_BEAM, DEFAULT_LANGUAGE
from ml.train.datasets import LineSample
from ml.train.packed_lines import load_lines
from ml.train.validation import EvaluationReport, confusions, read_samples, scored, stored_inks

__all__ = ["EvaluationReport", "confusions", "evaluate_samples", "stored_inks", "main"]


def evaluate_samples(bundle: ModelBundle, samples: list[LineSample], device: torch.device | str = "cpu",
                     batch_size: int = 32, beam_width: int = 0, widths: tuple[float, ...] = (1.0,),
                     unsure_thresholds: tuple[float, ...] = (), cpu_bf16: str = "auto",
                     language: str | None = None) -> EvaluationReport:
    """``samples`` read and scored (ml.train.validation), with how the marks on uncertain
    characters fall on the errors at each of ``unsure_thresholds``."""
    recognizer, predictions, seconds = read_samples(bundle, samples, device, batch_size, beam_width, widths, cpu_bf16,
                                                    language)
    report = scored(samples, predictions, seconds)
    references = [s.text for s in samples]
    report.marks = [mark_figures(references, recognizer.shown(predictions), t) for t in unsure_thresholds]
    return report


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
    cpu_bf16_option(parser)
    args = parser.parse_args(argv)
    bundle = load_model(args.model)
    samples = [s for folder in args.data for s in load_lines(folder, args.cache)]
    language = None if args.language == "none" else args.language
    report = evaluate_samples(bundle, samples, args.device, args.batch_size, args.beam, tuple(args.widths),
                              tuple(args.unsure), args.cpu_bf16, language)
    readings = f", read at widths {' '.join(map(str, args.widths))}" if args.widths != [1.0] else ""
    decoding = f"beam {args.beam}, {language or 'no'} language model" if args.beam > 1 else "greedy"
    print(f"model {args.model} ({bundle.version}), {decoding}"
          f" decoding on {args.device} ({precision_name(torch.device(args.device), args.cpu_bf16)}){readings}")
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
