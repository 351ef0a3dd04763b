"""Training lines: read from pages + PAGE/ALTO XML or from NAME.png + NAME.gt.txt pairs."""
from __future__ import annotations

import hashlib
import logging
import multiprocessing
import pickle
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from ml.layout.formats import IMAGE_SUFFIXES, read_layout
from ml.read.codec import Codec, normalize_text
from ml.read.line_image import extract_line
from ml.read.preprocess import PreprocessConfig, cropped_ink_map, resize_to_height, to_gray
from ml.read.thin_outlines import widen_thin_outlines
from ml.train.augment import augment_line

log = logging.getLogger(__name__)

# Lines are stored at a higher resolution than the network's input so that
# augmentation works on detail that resizing then removes.
STORE_HEIGHT = 48
# A line wider than this per character (at STORE_HEIGHT) has a broken polygon:
# some ground-truth lines are a pixel high, which stretches them to 60,000 px.
MAX_WIDTH_PER_CHAR = 100


@dataclass
class LineSample:
    ink: np.ndarray  # uint8 ink map (255 = ink), STORE_HEIGHT high, cropped to ink
    text: str
    source: str  # collection (folder) name, for per-collection figures


def _store(gray_line: np.ndarray) -> np.ndarray:
    ink = cropped_ink_map(to_gray(gray_line))
    config = PreprocessConfig(height=STORE_HEIGHT, pad=0)
    return (resize_to_height(ink, config) * 255).astype(np.uint8)


def page_samples(xml_path: Path, source: str) -> list[LineSample]:
    """The lines of one page with text, in the order its XML gives them (reading order)."""
    layout = read_layout(xml_path)
    image_path = _image_for(xml_path, layout.image_filename)
    page = cv2.imread(str(image_path), cv2.IMREAD_GRAYSCALE) if image_path else None
    if page is None:
        log.warning("no readable image for %s; skipped", xml_path)
        return []
    lines, widened = widen_thin_outlines(page, layout.lines)
    if widened:
        log.info("%s: %d outlines cut through their letters; cut by a band round the baseline", xml_path, widened)
    samples = []
    for line in lines:
        text = normalize_text(line.text)
        if text:
            samples.append(LineSample(_store(extract_line(page, line)), text, source))
    return samples


def _image_for(xml_path: Path, declared: str) -> Path | None:
    candidates = [xml_path.parent / Path(declared).name] if declared else []
    candidates += [xml_path.with_suffix(suffix) for suffix in IMAGE_SUFFIXES]
    return next((path for path in candidates if path.is_file()), None)


def _pair_sample(image_path: Path, source: str) -> list[LineSample]:
    text = normalize_text(image_path.with_suffix("").with_suffix(".gt.txt").read_text("utf-8"))
    gray = cv2.imread(str(image_path), cv2.IMREAD_GRAYSCALE)
    return [LineSample(_store(gray), text, source)] if gray is not None and text else []


SPLITS = frozenset({"train", "val", "test"})  # a folder so named is a split of the collection its parent names


def load_folder(folder: str | Path, workers: int = 2) -> list[LineSample]:
    """All lines of a folder: pages with PAGE/ALTO XML, and/or NAME.png + NAME.gt.txt pairs."""
    folder = Path(folder)
    source = folder.parent.name if folder.name in SPLITS else folder.name
    xmls = sorted(folder.glob("*.xml"))
    pairs = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES
                   and p.with_suffix(".gt.txt").is_file())
    jobs = [(fn, path, source) for fn, path in
            [(page_samples, path) for path in xmls] + [(_pair_sample, path) for path in pairs]]
    # A daemonic process (a Celery worker's child, fine-tuning) may not start processes of its own.
    if workers <= 1 or multiprocessing.current_process().daemon:
        samples = [sample for job in jobs for sample in _call(job)]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            samples = [sample for chunk in pool.map(_call, jobs) for sample in chunk]
    plausible = [s for s in samples if s.ink.shape[1] <= MAX_WIDTH_PER_CHAR * len(s.text)]
    if len(plausible) < len(samples):
        log.warning("%s: %d lines with broken geometry left out", folder, len(samples) - len(plausible))
    return plausible


def _call(job):
    fn, path, source = job
    return fn(path, source)


def load_cached(folder: str | Path, cache_dir: str | Path = "cache") -> list[LineSample]:
    """``load_folder``, kept in ``cache_dir`` until the folder or the code that cuts its lines changes."""
    folder = Path(folder).resolve()
    cache = Path(cache_dir) / f"{folder.parent.name}-{folder.name}-h{STORE_HEIGHT}-{line_code_digest()}.pkl"
    if cache.is_file() and cache.stat().st_mtime > folder.stat().st_mtime:
        with cache.open("rb") as fh:
            return pickle.load(fh)
    samples = load_folder(folder)
    cache.parent.mkdir(parents=True, exist_ok=True)
    with cache.open("wb") as fh:
        pickle.dump(samples, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return samples


@lru_cache(maxsize=1)
def line_code_digest() -> str:
    """A digest of the code that reads, cuts and normalizes training lines: a cache made by other code is not used."""
    ml = Path(__file__).resolve().parents[1]
    sources = [ml / name for name in ("train/datasets.py", "read/line_image.py", "read/thin_outlines.py",
                                      "read/preprocess.py", "read/codec.py")]
    digest = hashlib.sha256()
    for source in sources + sorted((ml / "layout" / "formats").glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:10]


def report_unknown(samples: list[LineSample], codec: Codec) -> dict[str, int]:
    """Characters of the samples that the codec cannot encode, with their counts."""
    counts: dict[str, int] = {}
    for sample in samples:
        for char in codec.unknown(sample.text):
            counts[char] = counts.get(char, 0) + sample.text.count(char)
    return counts


class LineDataset(Dataset):
    def __init__(
        self,
        samples: list[LineSample],
        codec: Codec,
        preprocess: PreprocessConfig,
        augment: bool = False,
        seed: int = 0,
        augment_share: float = 1.0,
    ) -> None:
        self.samples = [s for s in samples if not codec.unknown(s.text)]
        self.codec = codec
        self.preprocess = preprocess
        self.augment = augment
        self.augment_share = augment_share  # the fraction of lines distorted; the rest are seen as they are
        self.seed = seed
        self.epoch = 0

    def __len__(self) -> int:
        return len(self.samples)

    def width(self, index: int) -> int:
        ink = self.samples[index].ink
        return round(ink.shape[1] * self.preprocess.height / ink.shape[0])

    def __getitem__(self, index: int) -> tuple[np.ndarray, list[int]]:
        sample = self.samples[index]
        ink = sample.ink.astype(np.float32) / 255.0
        if self.augment:
            rng = np.random.default_rng((self.seed, self.epoch, index))
            # Drawn only below 1, so that a full share keeps earlier recipes' random stream.
            if self.augment_share >= 1 or rng.random() < self.augment_share:
                ink = augment_line(ink, rng)
        return resize_to_height(ink, self.preprocess), self.codec.encode(sample.text)


def collate(batch: list[tuple[np.ndarray, list[int]]]) -> dict[str, torch.Tensor]:
    width = max(image.shape[1] for image, _ in batch)
    images = torch.zeros(len(batch), 1, batch[0][0].shape[0], width)
    for i, (image, _) in enumerate(batch):
        images[i, 0, :, : image.shape[1]] = torch.from_numpy(image)
    return {
        "images": images,
        "widths": torch.tensor([image.shape[1] for image, _ in batch]),
        "targets": torch.tensor([label for _, labels in batch for label in labels], dtype=torch.long),
        "target_lengths": torch.tensor([len(labels) for _, labels in batch]),
    }


class WidthBucketSampler(Sampler[list[int]]):
    """Batches of lines of similar width (little padding), in a shuffled order each epoch."""

    def __init__(self, widths: list[int], batch_size: int, shuffle: bool = True, seed: int = 0,
                 limit: int = 0) -> None:
        self.widths = widths
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.limit = limit  # batches an epoch at most (0: all); each epoch draws its own
        self.epoch = 0

    def __len__(self) -> int:
        batches = (len(self.widths) + self.batch_size - 1) // self.batch_size
        return min(batches, self.limit) if self.limit else batches

    def __iter__(self) -> Iterator[list[int]]:
        rng = np.random.default_rng((self.seed, self.epoch))
        order = np.argsort(np.array(self.widths) + (rng.uniform(0, 40, len(self.widths)) if self.shuffle else 0))
        batches = [order[i : i + self.batch_size].tolist() for i in range(0, len(order), self.batch_size)]
        if self.shuffle:
            rng.shuffle(batches)
        return iter(batches[: len(self)])
