"""Training lines packed small enough to travel to a GPU machine (which takes 64 MiB of files).

    python -m ml.train.packed_lines ../shared/data/*/train ../shared/data/*/val --out cache/packed

writes one ``SOURCE-SPLIT.lines.npz`` per folder, which ``python -m ml.train --train`` and
``--val`` take in place of the folder. Each line's ink map is kept at the
network's input height (32 px by default) in 32 gray levels (``--levels``) as
lossless WebP. The three collections' `train` and `val` lines took 42 MiB at
32 px (52 as PNG; libwebp's default method 4), 86 MiB at 48 px, and 56 MiB at
48 px in 16 levels with method 5, which this module now uses; the line cache
holds them in 390 MB. The shipped model reads packed
`val` lines 0.0-0.3 points worse than from the cache (Hooker 23.30 against
23.03 %; with 16 levels Cremma lost 0.7), so final figures come from the
folders. The text and collection name travel with it; no pickle, so loading
one runs no code.
"""
from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ml.train.datasets import SPLITS, LineSample, load_cached

SUFFIX = ".lines.npz"
LEVELS = 32  # gray levels kept: ink maps compress about twice as well as with all 256


def pack(samples: list[LineSample], path: Path, height: int = 32, levels: int = LEVELS) -> None:
    """Write ``samples`` to ``path`` (ending in .lines.npz), each line ``height`` pixels high
    in ``levels`` gray levels."""
    table = np.round(np.arange(256) // (256 // levels) * 255 / (levels - 1)).astype(np.uint8)
    images = []
    for sample in samples:
        width = max(1, round(sample.ink.shape[1] * height / sample.ink.shape[0]))
        ink = cv2.resize(sample.ink, (width, height), interpolation=cv2.INTER_AREA)
        images.append(np.frombuffer(_lossless_webp(table[ink]), np.uint8))
    meta = {"texts": [s.text for s in samples], "sources": [s.source for s in samples], "height": height}
    np.savez(
        path,
        images=np.concatenate(images) if images else np.zeros(0, np.uint8),
        offsets=np.cumsum([0] + [len(image) for image in images]),
        meta=np.frombuffer(json.dumps(meta).encode("utf-8"), np.uint8),
    )


def _lossless_webp(image: np.ndarray) -> bytes:
    """The same pixels, in less than PNG takes: a fifth less with libwebp's default method 4, and
    11 % less again with method 5, at 4x the time (about 17 ms a line); 6 is no smaller and 20x slower."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "WEBP", lossless=True, quality=100, method=5)
    return buffer.getvalue()


def unpack(path: str | Path) -> list[LineSample]:
    """The lines of a file ``pack`` wrote."""
    with np.load(path, allow_pickle=False) as data:
        images, offsets = data["images"], data["offsets"]
        meta = json.loads(data["meta"].tobytes().decode("utf-8"))
    return [
        LineSample(cv2.imdecode(images[start:stop], cv2.IMREAD_GRAYSCALE), text, source)
        for start, stop, text, source in zip(offsets[:-1], offsets[1:], meta["texts"], meta["sources"])
    ]


def load_lines(source: str | Path, cache: str | Path = "cache") -> list[LineSample]:
    """The lines of a folder (through the line cache) or of a packed file."""
    return unpack(source) if str(source).endswith(SUFFIX) else load_cached(source, cache)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path, help="folders of pages with PAGE/ALTO, or of line pairs")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--height", type=int, default=32, help="line height kept, pixels (the network's input)")
    parser.add_argument("--levels", type=int, default=LEVELS, choices=[2, 4, 8, 16, 32, 64, 128, 256],
                        help="gray levels kept (fewer compress better)")
    parser.add_argument("--cache", type=Path, default=Path("cache"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for folder in args.folders:
        samples = load_cached(folder, args.cache)
        name = f"{folder.parent.name}-{folder.name}" if folder.name in SPLITS else folder.name
        path = args.out / f"{name}{SUFFIX}"
        pack(samples, path, args.height, args.levels)
        print(f"{path}: {len(samples)} lines, {path.stat().st_size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
