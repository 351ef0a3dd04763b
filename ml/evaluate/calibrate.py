"""Fit a model's calibration (ml.read.calibration) on lines it was not trained on:

    python -m ml.evaluate.calibrate MODEL --fit DATA... [--check DATA...] [--out FILE]

prints how well the confidences match before and after, on the lines it was fitted on and on
others; with ``--out``, writes the model with the fitted calibration.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from ml.evaluate.unsure_marks import characters_right
from ml.read.calibration import EDGES, fit_calibration, reliability
from ml.read.model_file import load_model, save_model
from ml.read.recognizer import Recognizer
from ml.train.packed_lines import load_lines
from ml.train.validation import stored_inks


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path)
    parser.add_argument("--fit", nargs="+", required=True, help="folders or packed files the map is fitted on")
    parser.add_argument("--check", nargs="*", default=[], help="other lines to check it on")
    parser.add_argument("--out", type=Path, help="write the model with this calibration here")
    parser.add_argument("--beam", type=int, default=3, help="beam width the platform reads with (0: greedy)")
    parser.add_argument("--bins", type=int, default=20)
    parser.add_argument("--cache", default="cache")
    args = parser.parse_args(argv)

    bundle = load_model(args.model)
    recognizer = Recognizer(bundle, "cpu")

    def characters(folders: list[str]) -> tuple[list[float], list[bool]]:
        samples = [sample for folder in folders for sample in load_lines(folder, args.cache)]
        readings = recognizer.recognize_inks(stored_inks(samples, bundle.preprocess), beam_width=args.beam)
        confidences = [c for reading in readings for c in reading.confidences]
        right = [r for sample, reading in zip(samples, readings) for r in characters_right(sample.text, reading.text)]
        return confidences, right

    fit_confidences, fit_right = characters(args.fit)
    calibration = fit_calibration(fit_confidences, fit_right, args.bins)
    print("knots (raw -> calibrated):", ", ".join(f"{raw:.3f}->{cal:.3f}" for raw, cal in calibration.knots))
    for label, (confidences, right) in [("fitted on", (fit_confidences, fit_right)),
                                        *([("checked on", characters(args.check))] if args.check else [])]:
        for state, values in (("raw", confidences), ("calibrated", calibration(confidences))):
            table = reliability(values, right)
            print(f"{label} {len(right)} characters, {state}: calibration error {100 * table.error:.1f} points")
            for low, high, count, mean, share in table.rows:
                print(f"  [{low:.2f}, {high:.2f}{']' if high == EDGES[-1] else ')'} {count:>7} chars"
                      f"  mean confidence {100 * mean:5.1f} %  right {100 * share:5.1f} %")
    if args.out:
        bundle.calibration = calibration
        bundle.training = {**bundle.training, "calibration_fitted_on": [str(folder) for folder in args.fit]}
        save_model(args.out, bundle, half=True)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
