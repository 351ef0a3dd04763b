"""The model file to ship from a training run: ``python -m ml.train.ship BEST.pt OUT.pt --name NAME``
(no optimizer, float16), or the mean of several of a run's files, measured on validation lines."""
from __future__ import annotations

import argparse
from pathlib import Path

from ml.read.model_file import ModelBundle, average_models, file_digest, load_model, save_model
from ml.train.packed_lines import load_lines
from ml.train.validation import validate


def main(argv: list[str] | None = None) -> None:
    """``python -m ml.train.ship BEST.pt OUT.pt --name NAME``: the slim file to ship (no optimizer, float16).
    Given several model files of one run (``A.pt B.pt C.pt OUT.pt --val DIR...``), their weights are
    averaged, and the mean is measured on the validation lines (greedy, as ``ml.train.loop`` measures)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("sources", type=Path, nargs="+")
    parser.add_argument("target", type=Path)
    parser.add_argument("--name", default="crnn-default")
    parser.add_argument("--val", nargs="+", default=[], help="validation folders or packed files: measure the file on them")
    parser.add_argument("--cache", default="cache")
    args = parser.parse_args(argv)
    bundle = average_models(args.sources) if len(args.sources) > 1 else load_model(args.sources[0])
    if args.val:
        bundle.metrics = _measured(bundle, args.val, args.cache)
    bundle.name = args.name
    save_model(args.target, bundle, half=True)
    print(f"{args.target}: {args.target.stat().st_size / 2**20:.1f} MiB, version {file_digest(args.target)}")


def _measured(bundle: ModelBundle, folders: list[str], cache: str) -> dict:
    return validate(bundle, [s for folder in folders for s in load_lines(folder, cache)]).as_metrics()


if __name__ == "__main__":
    main()
