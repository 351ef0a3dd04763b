"""Read handwriting from the command line, no database: ``python -m ml.read IMAGE [IMAGE ...]``.

A page image is segmented into lines first; ``--line`` reads each image as one
line. Characters below ``--flag`` confidence are printed in [brackets] so that
uncertain readings stand out.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import cv2

from ml.layout import LinePrediction
from ml.read.line_image import extract_line
from ml.read.precision import cpu_bf16_option
from ml.read.recognizer import DEFAULT_MODEL_PATH, Recognizer
from ml.segment.segmenter import SegmenterConfig, segment_page


def marked(prediction: LinePrediction, threshold: float) -> str:
    return "".join(f"[{c}]" if conf < threshold else c for c, conf in zip(prediction.text, prediction.confidences))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("images", nargs="+", type=Path)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--line", action="store_true", help="each image is a single text line")
    parser.add_argument("--beam", type=int, default=0, help="beam width (0: greedy)")
    parser.add_argument("--flag", type=float, default=0.7, help="bracket characters below this confidence")
    parser.add_argument("--threads", type=int, help="torch threads on the CPU (default: one per core)")
    cpu_bf16_option(parser)
    args = parser.parse_args(argv)

    recognizer = Recognizer.load(args.model, cpu_bf16=args.cpu_bf16, threads=args.threads)
    segmenter = SegmenterConfig(cpu_bf16=args.cpu_bf16)
    for path in args.images:
        gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if gray is None:
            parser.error(f"{path}: not a readable image")
        crops = [gray] if args.line else [extract_line(gray, line) for line in segment_page(gray, segmenter).lines]
        if len(args.images) > 1:
            print(f"== {path}")
        for prediction in recognizer.shown(recognizer.recognize(crops, beam_width=args.beam)):
            print(f"{prediction.confidence:5.2f}  {marked(prediction, args.flag)}")


if __name__ == "__main__":
    main()
