"""Recognition throughput: ``python -m ml.evaluate.benchmark DATA [--model M] [--batch-size 32 ...]``.

Times the platform's path (preprocess + network + decoding with confidences:
by default the beam search with a language model, as the platform reads) on real line crops cut from DATA's pages, after one warm-up batch.
Prints lines/s per batch size and the peak memory.
"""
from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from ml.layout.formats import read_layout
from ml.read.line_image import extract_line
from ml.read.precision import cpu_bf16_option, precision_name
from ml.read.recognizer import DEFAULT_BEAM, DEFAULT_LANGUAGE, DEFAULT_MODEL_PATH, Recognizer


def line_crops(folder: Path, limit: int) -> list[np.ndarray]:
    crops: list[np.ndarray] = []
    for xml in sorted(folder.glob("*.xml")):
        page = cv2.imread(str(xml.with_suffix(".jpg")), cv2.IMREAD_GRAYSCALE)
        if page is None:
            continue
        crops += [extract_line(page, line) for line in read_layout(xml).lines]
        if len(crops) >= limit:
            break
    if crops and len(crops) < limit:  # a few pages fill large batches by reading their lines again
        crops *= -(-limit // len(crops))
    return crops[:limit]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path, help="a folder of page images with PAGE/ALTO XML")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--lines", type=int, default=256, help="lines to read (the pages' lines repeated if they hold fewer)")
    parser.add_argument("--batch-size", type=int, nargs="+", default=[1, 16, 32])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--repeat", type=int, default=1, help="pass over the lines this many times")
    parser.add_argument("--beam", type=int, default=DEFAULT_BEAM, help="beam width (0: greedy, no language model)")
    parser.add_argument("--language", default=DEFAULT_LANGUAGE, help="character language model (en, fr; none)")
    parser.add_argument("--widths", type=float, nargs="+", default=[1.0], help="read each line at these horizontal scales")
    parser.add_argument("--threads", type=int, help="torch threads on the CPU (default: one per core)")
    cpu_bf16_option(parser)
    args = parser.parse_args(argv)
    language = None if args.language == "none" else args.language

    crops = line_crops(args.data, args.lines)
    recognizer = Recognizer.load(args.model, device=args.device, widths=tuple(args.widths),
                                 cpu_bf16=args.cpu_bf16, threads=args.threads)
    device_name = torch.cuda.get_device_name() if args.device.startswith("cuda") else f"cpu, {torch.get_num_threads()} threads"
    decoding = f"{precision_name(recognizer.device, args.cpu_bf16)}, " + (f"beam {args.beam}, {language or 'no'} language model" if args.beam > 1 else "greedy")
    if args.widths != [1.0]:
        decoding += f", read at widths {' '.join(map(str, args.widths))}"
    print(f"{len(crops)} real lines from {args.data}, model {args.model.name} ({recognizer.info.version}), {device_name}, {decoding}")
    if args.beam > 1:
        recognizer.decoder(args.beam, language)  # loading the language model is not reading
    started = time.perf_counter()
    recognizer.preprocess(crops)
    print(f"preprocessing alone: {len(crops) / (time.perf_counter() - started):8.1f} lines/s ({recognizer.threads} threads)")
    for batch_size in args.batch_size:
        recognizer.recognize(crops[:batch_size], batch_size=batch_size, beam_width=args.beam, language=language)  # warm-up
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        started = time.perf_counter()
        for _ in range(args.repeat):
            recognizer.recognize(crops, batch_size=batch_size, beam_width=args.beam, language=language)
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        seconds = time.perf_counter() - started
        print(f"batch {batch_size:>4}: {args.repeat * len(crops) / seconds:8.1f} lines/s")
    print(f"peak resident memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    if args.device.startswith("cuda"):
        print(f"peak GPU memory {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
