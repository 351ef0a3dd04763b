"""Train the line-band network on pages with PAGE/ALTO ground truth.

    python -m ml.train_line_net --train ../shared/data/*/train --val ../shared/data/*/val \\
        --out ml/pretrained/line-net.pt --epochs 30

Each ground-truth line becomes a band from its baseline up to a third of the
page's line spacing; everything else (unannotated notes, stamps, print that
the transcribers left out) is background, which is what the network learns.
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

from ml.evaluate_segmentation import load_truth, page_pairs
from ml.layout import PageLayout
from ml.line_net import LineNet, LineNetConfig, network_input, save_line_net

log = logging.getLogger("train_line_net")

CROP = 384  # network input crop, pixels
BAND_HEIGHT = 0.33  # of the line spacing, above the baseline


@dataclass
class Page:
    ink: np.ndarray  # uint8 [H, W], network input scale, 255 = black
    band: np.ndarray  # uint8 [H/4, W/4], 1 inside a line band


def band_target(truth: PageLayout, scale: float, shape: tuple[int, int]) -> np.ndarray:
    """Line bands drawn at ``scale`` (page pixels to target pixels) into an array of ``shape``."""
    target = np.zeros(shape, np.uint8)
    baselines = [np.array(line.baseline, np.float64) * scale for line in truth.lines if len(line.baseline) >= 2]
    height = BAND_HEIGHT * _spacing(baselines)
    for points in baselines:
        points = points[np.argsort(points[:, 0], kind="stable")]
        upper = points - (0, height)
        polygon = np.concatenate([upper, points[::-1] + (0, 0.5)])
        cv2.fillPoly(target, [np.round(polygon).astype(np.int32)], 1)
    return target


def _spacing(baselines: list[np.ndarray]) -> float:
    """Median distance from a baseline's middle to the nearest baseline above or below it."""
    gaps = []
    for i, line in enumerate(baselines):
        x, y = line.mean(axis=0)
        nearest = [
            abs(np.interp(x, *other[np.argsort(other[:, 0])].T) - y)
            for j, other in enumerate(baselines)
            if j != i and other[:, 0].min() <= x <= other[:, 0].max()
        ]
        nearest = [gap for gap in nearest if gap > 1]
        if nearest:
            gaps.append(min(nearest))
    return float(np.median(gaps)) if gaps else 10.0


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


def random_crop(page: Page, rng: np.random.Generator, reduction: int) -> tuple[np.ndarray, np.ndarray]:
    """A CROP x CROP input and its target, at a random zoom, contrast and mirror."""
    zoom = float(np.exp(rng.uniform(np.log(0.75), np.log(1.33))))
    size = int(CROP / zoom) // reduction * reduction
    height, width = page.ink.shape
    ink = page.ink
    if height < size or width < size:
        pad = ((0, max(size - height, 0)), (0, max(size - width, 0)))
        ink = np.pad(ink, pad)
        band = np.pad(page.band, tuple((0, p // reduction) for _, p in pad))
    else:
        band = page.band
    y = int(rng.integers(0, ink.shape[0] - size + 1)) // reduction * reduction
    x = int(rng.integers(0, ink.shape[1] - size + 1)) // reduction * reduction
    crop = ink[y : y + size, x : x + size].astype(np.float32) / 255.0
    target = band[y // reduction : (y + size) // reduction, x // reduction : (x + size) // reduction].astype(np.float32)
    crop = cv2.resize(crop, (CROP, CROP), interpolation=cv2.INTER_AREA if zoom < 1 else cv2.INTER_LINEAR)
    target = cv2.resize(target, (CROP // reduction, CROP // reduction), interpolation=cv2.INTER_LINEAR)
    crop = np.clip(crop * rng.uniform(0.6, 1.4) + rng.uniform(-0.08, 0.08), 0, 1) ** rng.uniform(0.7, 1.4)
    crop = crop + rng.normal(0, rng.uniform(0, 0.04), crop.shape)
    if rng.random() < 0.5:
        crop, target = crop[:, ::-1], target[:, ::-1]
    return np.clip(crop, 0, 1).astype(np.float32), (target > 0.5).astype(np.float32)


def batches(pages: list[Page], batch_size: int, steps: int, rng: np.random.Generator, reduction: int):
    for _ in range(steps):
        pairs = [random_crop(pages[int(rng.integers(len(pages)))], rng, reduction) for _ in range(batch_size)]
        inputs = torch.from_numpy(np.stack([p[0] for p in pairs]))[:, None]
        targets = torch.from_numpy(np.stack([p[1] for p in pairs]))[:, None]
        yield inputs, targets


@torch.no_grad()
def validation_loss(model: LineNet, pages: list[Page], loss_fn: nn.Module) -> float:
    model.eval()
    total = 0.0
    for page in pages:
        ink = torch.from_numpy(page.ink.astype(np.float32) / 255.0)[None, None]
        target = torch.from_numpy(page.band.astype(np.float32))[None, None]
        total += float(loss_fn(model(ink), target))
    model.train()
    return total / max(len(pages), 1)


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
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    config = LineNetConfig()
    train = load_pages(args.train, config.input_size, config.reduction)
    val = load_pages(args.val, config.input_size, config.reduction)
    log.info("pages: %d train, %d val", len(train), len(val))
    model = LineNet(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, args.lr, total_steps=args.epochs * args.steps)
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(2.0))
    best = float("inf")
    for epoch in range(1, args.epochs + 1):
        start, running = time.time(), 0.0
        for inputs, targets in batches(train, args.batch_size, args.steps, rng, config.reduction):
            loss = loss_fn(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            running += loss.item()
        val_loss = validation_loss(model, val, loss_fn)
        log.info("epoch %d train %.4f val %.4f (%.0f s)", epoch, running / args.steps, val_loss, time.time() - start)
        if val_loss < best:
            best = val_loss
            trained_on = [str(folder) for folder in args.train]
            save_line_net(args.out, model, {"val_loss": val_loss, "epoch": epoch, "trained_on": trained_on})


if __name__ == "__main__":
    main()
