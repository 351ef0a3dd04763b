"""Train the line-band network on pages with PAGE/ALTO ground truth.

    python -m ml.train.line_net --train ../shared/data/*/train --val ../shared/data/*/val \\
        --out ml/pretrained/line-net.pt --epochs 30

Each ground-truth line becomes a band from its baseline up (the way its
letters stand) a third of the page's line spacing: lines written across the
page in the first output, lines written up or down it in the second; crops
turned a quarter swap the two, so that the second learns from every line, and
strips of turned crops laid beside upright ones stand for notes in a margin.
Everything else (unannotated notes, stamps, print that the transcribers left
out) is background, which is what the network learns. With ``--print DIR``
(line images rendered in printed typefaces by ml.train.rendered_lines), some crops get
a strip of print across them with a band on its letters' core, standing for
letterheads and printed forms, which the shared pages hardly transcribe.

Each epoch is judged by the segmenter run with it on the ``--val`` pages: its
line F1, and whether a few pages turned on their side come out with every line
running the way their writing runs (ml.evaluate.turned_pages); the file kept
is the best F1 among the epochs that pass.
"""
from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from ml.layout import PageLayout
from ml.layout.baseline_spacing import baseline_spacing
from ml.layout.formats import load_truth, page_pairs
from ml.segment.line_net import LineNet, LineNetConfig, network_input, save_line_net
from ml.segment.metrics import DetectionCounts, detection_counts
from ml.segment.segmenter import SegmenterConfig, segment_page
from ml.segment.turned_pages import turned_figures

log = logging.getLogger("train_line_net")

CROP = 384  # network input crop, pixels
BAND_HEIGHT = 0.33  # of the line spacing, above the baseline
TURN_SHARE = 0.25  # of the training crops turned a quarter
MARGIN_SHARE = 0.3  # of the training crops with a strip of another crop, turned, laid over one side
PRINT_SHARE = 0.25  # of the training crops with a strip of print across them (with --print; --print-share)
PRINT_SIZES = (10, 36)  # font size of that print, in crop pixels
TURNED_PAGES = 4  # of each --val folder, turned both ways to check an epoch (ml.evaluate.turned_pages)


@dataclass
class Page:
    ink: np.ndarray  # uint8 [H, W], network input scale, 255 = black
    band: np.ndarray  # uint8 [H/4, W/4, 2], 1 inside a band: lines across the page, lines up or down it


@dataclass
class PrintedLine:
    darkness: np.ndarray  # float32 [h, w], 1 = black, as network_input gives a page
    core: tuple[int, int]  # rows of the letters' core (densest rows), top and bottom + 1
    size: int  # its font size, pixels: about its height / 2.5 (ml.train.rendered_lines)


def load_printed_lines(folder: Path) -> list[PrintedLine]:
    """Line images (``*.png``) rendered in printed typefaces by ml.train.rendered_lines."""
    lines = []
    for path in sorted(folder.glob("*.png")):
        darkness = 1.0 - cv2.imread(str(path), cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255.0
        paper = float(np.median(darkness))
        rows = (darkness > paper + 0.3).sum(axis=1)
        core = np.flatnonzero(rows >= 0.5 * rows.max()) if rows.max() else np.array([0])
        lines.append(PrintedLine(darkness, (int(core[0]), int(core[-1]) + 1), round(darkness.shape[0] / 2.5)))
    return lines


def with_print(
    crop: np.ndarray, target: np.ndarray, line: PrintedLine, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``crop`` (darkness) with a strip across it holding ``line`` at a random size and place, and
    ``target`` with the strip's bands replaced by one on the printed letters' core (both in place)."""
    reduction = crop.shape[0] // target.shape[0]
    scale = rng.uniform(*PRINT_SIZES) / line.size
    printed = cv2.resize(line.darkness, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    height, width = printed.shape
    top = int(rng.integers(0, max(crop.shape[0] - height, 1))) // reduction * reduction
    left = int(rng.integers(-width // 2, crop.shape[1] - width // 4))
    paper = float(np.median(crop))
    ink = np.clip(printed - np.median(printed), 0, 1)  # the print on this crop's paper, not its own
    strip = crop[top : top + height]
    strip[:] = paper  # what was there goes, so that the bands say only what the strip shows
    shown = slice(max(left, 0), min(left + width, crop.shape[1]))
    strip[:, shown] = paper + ink[: strip.shape[0], shown.start - left : shown.stop - left]
    rows = slice(top // reduction, -(-(top + height) // reduction))
    target[rows] = 0
    core = slice(int(top + line.core[0] * scale) // reduction, -(-int(top + line.core[1] * scale) // reduction))
    target[core, shown.start // reduction : -(-shown.stop // reduction), 0] = 1
    return crop, target


def band_target(truth: PageLayout, scale: float, shape: tuple[int, int]) -> np.ndarray:
    """Line bands drawn at ``scale`` (page pixels to target pixels) into an array of ``shape`` + (2,)."""
    across, sideways = np.zeros(shape, np.uint8), np.zeros(shape, np.uint8)
    baselines = [np.array(line.baseline, np.float64) * scale for line in truth.lines if len(line.baseline) >= 2]
    is_across = [abs(b[-1, 0] - b[0, 0]) >= abs(b[-1, 1] - b[0, 1]) for b in baselines]
    height = BAND_HEIGHT * (baseline_spacing([b for b, a in zip(baselines, is_across) if a]) or 10.0)
    for points, line_is_across in zip(baselines, is_across):
        if line_is_across:
            points = points[np.argsort(points[:, 0], kind="stable")]
            up, target = np.array([0.0, -1.0]), across
        else:
            # The baseline runs the way the line is written; its letters stand on its left.
            dx, dy = (points[-1] - points[0]) / np.linalg.norm(points[-1] - points[0])
            up, target = np.array([dy, -dx]), sideways
        polygon = np.concatenate([points + height * up, points[::-1] - 0.5 * up])
        cv2.fillPoly(target, [np.round(polygon).astype(np.int32)], 1)
    return np.stack([across, sideways], axis=-1)


def load_pages(folders: list[Path], input_size: int, reduction: int) -> list[Page]:
    pages = []
    for folder in folders:
        for image, xml in page_pairs(folder):
            gray = cv2.imread(str(image), cv2.IMREAD_GRAYSCALE)
            truth = load_truth(xml, gray)
            ink = network_input(gray, input_size)
            scale = input_size / max(gray.shape) / reduction
            band = band_target(truth, scale, (ink.shape[0] // reduction, ink.shape[1] // reduction))
            pages.append(Page((ink * 255).astype(np.uint8), band))
    return pages


def random_crop(
    page: Page, rng: np.random.Generator, reduction: int, printed: list[PrintedLine] | None = None,
    print_share: float = PRINT_SHARE,
) -> tuple[np.ndarray, np.ndarray]:
    """A CROP x CROP input and its [CROP/4, CROP/4, 2] target, at a random zoom, contrast, mirror and
    turn; with ``printed`` lines, some crops get one across them (``with_print``)."""
    zoom = float(np.exp(rng.uniform(np.log(0.75), np.log(1.33))))
    size = int(CROP / zoom) // reduction * reduction
    height, width = page.ink.shape
    ink = page.ink
    if height < size or width < size:
        pad = ((0, max(size - height, 0)), (0, max(size - width, 0)))
        ink = np.pad(ink, pad)
        band = np.pad(page.band, tuple((0, p // reduction) for _, p in pad) + ((0, 0),))
    else:
        band = page.band
    y = int(rng.integers(0, ink.shape[0] - size + 1)) // reduction * reduction
    x = int(rng.integers(0, ink.shape[1] - size + 1)) // reduction * reduction
    crop = ink[y : y + size, x : x + size].astype(np.float32) / 255.0
    target = band[y // reduction : (y + size) // reduction, x // reduction : (x + size) // reduction].astype(np.float32)
    crop = cv2.resize(crop, (CROP, CROP), interpolation=cv2.INTER_AREA if zoom < 1 else cv2.INTER_LINEAR)
    target = cv2.resize(target, (CROP // reduction, CROP // reduction), interpolation=cv2.INTER_LINEAR)
    if printed and rng.random() < print_share:
        crop, target = with_print(crop, target, printed[int(rng.integers(len(printed)))], rng)
    crop = np.clip(crop * rng.uniform(0.6, 1.4) + rng.uniform(-0.08, 0.08), 0, 1) ** rng.uniform(0.7, 1.4)
    crop = crop + rng.normal(0, rng.uniform(0, 0.04), crop.shape)
    if rng.random() < 0.5:
        crop, target = crop[:, ::-1], target[:, ::-1]
    if rng.random() < TURN_SHARE:
        crop, target = _turned(crop, target, rng)
    return np.clip(crop, 0, 1).astype(np.float32), (target > 0.5).astype(np.float32)


def _turned(crop: np.ndarray, target: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A crop and its target turned a quarter, either way: lines across become lines up or down,
    so the two bands change places."""
    turn = int(rng.choice([1, 3]))
    return np.rot90(crop, turn), np.rot90(target, turn)[..., ::-1]


def with_margin_note(
    crop: np.ndarray, target: np.ndarray, note: np.ndarray, note_target: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``crop`` with a strip of ``note`` turned a quarter over its left or right side: writing up
    or down a margin beside writing across (the shared pages have a few dozen such lines, too few)."""
    note, note_target = _turned(note, note_target, rng)
    reduction = crop.shape[1] // target.shape[1]
    width = int(rng.integers(crop.shape[1] // 6, crop.shape[1] // 3)) // reduction
    strip = slice(0, width) if rng.random() < 0.5 else slice(target.shape[1] - width, target.shape[1])
    crop, target = crop.copy(), target.copy()
    pixels = slice(strip.start * reduction, strip.stop * reduction)
    crop[:, pixels], target[:, strip] = note[:, pixels], note_target[:, strip]
    return crop, target


def batches(pages: list[Page], batch_size: int, steps: int, rng: np.random.Generator, reduction: int,
            printed: list[PrintedLine] | None = None, print_share: float = PRINT_SHARE):
    def crop() -> tuple[np.ndarray, np.ndarray]:
        pair = random_crop(pages[int(rng.integers(len(pages)))], rng, reduction, printed, print_share)
        if rng.random() < MARGIN_SHARE:
            pair = with_margin_note(*pair, *random_crop(pages[int(rng.integers(len(pages)))], rng, reduction), rng)
        return pair

    for _ in range(steps):
        pairs = [crop() for _ in range(batch_size)]
        inputs = torch.from_numpy(np.stack([p[0] for p in pairs]))[:, None]
        targets = torch.from_numpy(np.stack([p[1] for p in pairs])).permute(0, 3, 1, 2)
        yield inputs, targets


@torch.no_grad()
def validation_loss(model: LineNet, pages: list[Page], loss_fn: nn.Module) -> float:
    model.eval()
    total = 0.0
    for page in pages:
        ink = torch.from_numpy(page.ink.astype(np.float32) / 255.0)[None, None]
        target = torch.from_numpy(page.band.astype(np.float32)).permute(2, 0, 1)[None]
        total += float(loss_fn(model(ink), target))
    model.train()
    return total / max(len(pages), 1)


def segmentation_figures(model: LineNet, folders: list[Path], turned_limit: int = TURNED_PAGES) -> dict:
    """What an epoch is judged by: the line detection F1 (IoU >= 0.5) of the segmenter with ``model``
    on each folder's pages, and the turned pages (the first ``turned_limit`` of each folder, each
    turned both ways) on which it finds a line running another way than the page's writing."""
    model.eval()
    config = SegmenterConfig(line_net=model)
    figures = {
        "val_line_f1": {folder.parent.name or str(folder): line_f1(folder, config) for folder in folders},
        "val_turned_pages_wrong": sum(turned_figures(folder, config, turned_limit).pages_wrong for folder in folders),
    }
    model.train()
    return figures


def line_f1(folder: Path, config: SegmenterConfig) -> float:
    """The line detection F1 (IoU >= 0.5) of the segmenter on a folder's pages, summed over them
    (as ``python -m ml.evaluate.segmentation`` counts ``line_f1``)."""
    counts = DetectionCounts()
    for image, xml in page_pairs(folder):
        gray = cv2.imread(str(image), cv2.IMREAD_GRAYSCALE)
        counts = counts + detection_counts(load_truth(xml, gray).lines, segment_page(gray, config).lines)
    return counts.f1


def epoch_score(metrics: dict, select: str) -> float:
    """Higher is better. By F1, an epoch that reads a turned page wrong ranks below every one that
    does not: a network can gain line F1 and still mark turned writing as lines across."""
    if select == "loss":
        return -metrics["val_loss"]
    return float(np.mean(list(metrics["val_line_f1"].values()))) - (metrics["val_turned_pages_wrong"] > 0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", nargs="+", type=Path, required=True)
    parser.add_argument("--val", nargs="+", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--steps", type=int, default=80, help="batches per epoch")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--print", type=Path, dest="printed",
                        help="folder of line images in printed typefaces (ml.train.rendered_lines) to lay across crops")
    parser.add_argument("--print-share", type=float, default=PRINT_SHARE, help="share of the crops given a line of print")
    parser.add_argument("--input-size", type=int, default=LineNetConfig.input_size,
                        help="the page's longer side, in pixels, as the network sees it")
    parser.add_argument("--select", choices=("f1", "loss"), default="f1",
                        help="keep the epoch whose segmentation of the --val pages has the best mean line F1 "
                        "(each folder counts the same) among those that read every turned page the right way, "
                        "or the lowest band loss")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    config = LineNetConfig(outputs=2, input_size=args.input_size)
    train = load_pages(args.train, config.input_size, config.reduction)
    val = load_pages(args.val, config.input_size, config.reduction)
    printed = load_printed_lines(args.printed) if args.printed else None
    log.info("pages: %d train, %d val; %d printed lines", len(train), len(val), len(printed or []))
    model = LineNet(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, args.lr, total_steps=args.epochs * args.steps)
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(2.0))
    best = -float("inf")
    for epoch in range(1, args.epochs + 1):
        start, running = time.time(), 0.0
        for inputs, targets in batches(train, args.batch_size, args.steps, rng, config.reduction, printed,
                                   args.print_share):
            loss = loss_fn(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            running += loss.item()
        metrics = {"val_loss": validation_loss(model, val, loss_fn), "epoch": epoch}
        if args.select == "f1":
            metrics.update(segmentation_figures(model, args.val))
        log.info("epoch %d train %.4f %s (%.0f s)", epoch, running / args.steps, metrics, time.time() - start)
        score = epoch_score(metrics, args.select)
        if score > best:
            best = score
            save_line_net(args.out, model, {**metrics, "trained_on": [str(folder) for folder in args.train]})


if __name__ == "__main__":
    main()
