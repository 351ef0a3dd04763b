"""Train the CRNN-CTC recognizer as a TrainConfig says: ``train(config)``, or
``python -m ml.train --train DIR... --val DIR... --out DIR``."""
from __future__ import annotations

import argparse
import sys
import json
import logging
import math
import random
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader
from tqdm import tqdm

from ml.read.codec import Codec
from ml.read.crnn import CRNN, CRNNConfig
from ml.read.model_file import ModelBundle, load_model, load_payload, save_model
from ml.read.precision import CPU_BF16_SETTINGS, autocast
from ml.read.preprocess import PreprocessConfig
from ml.train.config import TrainConfig, TrainingError, default_device
from ml.train.datasets import LineDataset, LineSample, WidthBucketSampler, collate, report_unknown
from ml.train.packed_lines import load_lines
from ml.train.plot import plot_history
from ml.train.validation import validate

log = logging.getLogger("ml.train.loop")


def parse_args(argv: list[str] | None = None) -> TrainConfig:
    """The TrainConfig ``python -m ml.train``'s options give."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", nargs="+", required=True, help="training folders (pages+XML or line pairs) or packed .lines.npz files (ml.train.packed_lines)")
    parser.add_argument("--val", nargs="+", required=True, help="validation folders or packed files: select the model on these")
    parser.add_argument("--out", type=Path, required=True, help="folder for checkpoints, best.pt, curve.png")
    parser.add_argument("--init", type=Path, help="fine-tune from this model file (alphabet is extended); with "
                        "architecture options, a bigger network that starts from every weight of it that fits")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--epoch-batches", type=int, default=0,
                        help="an epoch is at most this many batches, drawn anew each epoch (0: all the lines); "
                             "shorter epochs checkpoint more often on a slow machine")
    parser.add_argument("--max-minutes", type=float, default=0, help="stop (resumably) after this long")
    parser.add_argument("--fit-minutes", type=float, default=0,
                        help="fit the learning-rate schedule to this much time: after the first epoch, the run "
                        "takes as many epochs as fit (at most --epochs) and ends with the rate annealed")
    parser.add_argument("--keep-epochs", action="store_true",
                        help="keep every epoch's model as epochN.pt (to average the last ones with ml.train.ship)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1.5e-3)
    parser.add_argument("--patience", type=int, default=6, help="epochs without improvement before stopping")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--device", default=default_device())
    parser.add_argument("--cpu-bf16", choices=CPU_BF16_SETTINGS, default="auto",
                        help="on a CPU, run the network in bfloat16 where it is native (auto), never (0) or always (1)")
    parser.add_argument("--cache", type=Path, default=Path("cache"))
    parser.add_argument("--augment-share", type=float, default=1.0,
                        help="fraction of training lines distorted each epoch (lower it to fine-tune closer to real lines)")
    parser.add_argument("--deslant", action="store_true",
                        help="straighten slanted writing before the network (saved with the model, so inference does it too)")
    parser.add_argument("--pools", type=_pools, help='pooling per conv block, e.g. "2x2 2x1 2x1 1x1" '
                        "(vertical x horizontal); with --init, the same weights read at the new frame rate, "
                        "or at a new --height")
    parser.add_argument("--dropout", type=float, help="dropout before and inside the BiLSTM and before the output "
                        "(default 0.2); with --init, the same weights trained at the new rate")
    shape = parser.add_argument_group("architecture of a new model (a resumed model keeps its own; an --init model "
                                      "grows into it, keeping each tensor whose name and shape it shares)")
    shape.add_argument("--height", type=int, help="input line height in pixels (default 32); with --init and "
                       "--pools, the same weights read taller lines if the rows the CNN hands the BiLSTM stay "
                       'the same (32 px with "2x2 2x1 2x1 1x1" -> 48 px with "2x2 2x1 3x1 1x1")')
    shape.add_argument("--channels", type=_ints, help='channels per conv block, e.g. "32 64 96 128 160"; '
                       "give --pools with as many blocks when their number changes")
    shape.add_argument("--lstm-hidden", type=int, help="units of each LSTM direction (default 192)")
    shape.add_argument("--lstm-layers", type=int, help="stacked BiLSTM layers (default 2)")
    return TrainConfig(**vars(parser.parse_args(argv)))


# Options that are fields of CRNNConfig: the shape of a new model (an --init model grows into it), then the
# three an --init model may change keeping all its weights.
ARCHITECTURE_OPTIONS = ("channels", "lstm_hidden", "lstm_layers")
CONFIG_OPTIONS = (*ARCHITECTURE_OPTIONS, "height", "pools", "dropout")


def _ints(text: str) -> list[int]:
    try:
        return [int(n) for n in text.split()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 32 64 96, got {text!r}") from None


def _pools(text: str) -> list[tuple[int, int]]:
    try:
        return [tuple(int(n) for n in block.split("x", 1)) for block in text.split()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected blocks like 2x2 2x1, got {text!r}") from None


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def load_samples(folders: list[str], cache: Path) -> list[LineSample]:
    samples = []
    for folder in folders:
        found = load_lines(folder, cache)
        log.info("%s: %d lines", folder, len(found))
        samples += found
    return samples


def build_bundle(config: TrainConfig, train: list[LineSample]) -> tuple[ModelBundle, dict]:
    """A fresh model, or the --init / resumed one with its alphabet extended to the data."""
    resume = config.out / "last.pt"
    if resume.is_file():
        payload = load_payload(resume)
        bundle = load_model(resume)
        log.info("resuming from %s (epoch %d)", resume, payload["epoch"])
        return bundle, payload
    shape = {name: getattr(config, name) for name in CONFIG_OPTIONS if getattr(config, name) is not None}
    if config.init:
        bundle = load_model(config.init)
        bundle.calibration = None  # training changes what its confidences mean: fit anew (ml.read.calibration)
        if any(name in shape for name in ARCHITECTURE_OPTIONS):
            bundle.model = _grown(bundle.model, shape)
        else:
            if config.pools or config.height:
                bundle.model = _resized(bundle.model, config.height, config.pools)
            if config.dropout is not None:
                bundle.model = _rebuilt(bundle.model, dropout=config.dropout)
        bundle.preprocess = replace(bundle.preprocess, height=bundle.model.config.height)
        if config.deslant:
            bundle.preprocess = replace(bundle.preprocess, deslant=True)
        codec = bundle.codec.extended(s.text for s in train)
        if codec.num_classes != bundle.codec.num_classes:
            log.info("alphabet extended by %r", codec.alphabet[len(bundle.codec.alphabet):])
            bundle.model = widen_head(bundle.model, codec.num_classes)
            bundle.codec = codec
        return bundle, {}
    codec = Codec.from_texts((s.text for s in train), min_count=2)
    unknown = report_unknown(train, codec)
    if unknown:
        log.warning("characters seen once are left out of the alphabet (their lines too): %s", unknown)
    network = _buildable(CRNNConfig(num_classes=codec.num_classes), **shape)
    preprocess = PreprocessConfig(height=network.height, deslant=config.deslant)
    return ModelBundle(model=CRNN(network), codec=codec, preprocess=preprocess), {}


def _buildable(config: CRNNConfig, **changes: object) -> CRNNConfig:
    """``config`` with ``changes``, or TrainingError saying why that network cannot be built."""
    try:
        return replace(config, **changes)
    except ValueError as error:
        raise TrainingError(f"cannot build that network: {error}") from None


def _resized(model: CRNN, height: int | None, pools: list[tuple[int, int]] | None) -> CRNN:
    """The same weights with another input height or pooling. Convolutions take any size, so every
    tensor keeps its shape as long as the CNN hands the BiLSTM as many rows as before."""
    old = model.config
    new = _buildable(old, height=height or old.height, pools=pools or old.pools)
    if new.feature_rows != old.feature_rows:
        raise TrainingError(f"with --init, --height and --pools must keep the {old.feature_rows} rows the CNN hands "
                         f"the BiLSTM (height / vertical pooling); {new.height} px with these pools gives "
                         f"{new.feature_rows}")
    return _rebuilt(model, height=new.height, pools=new.pools)


def _grown(model: CRNN, changes: dict) -> CRNN:
    """A network of another shape that starts from every tensor of ``model`` with the same name and shape
    (e.g. the CNN under a deeper BiLSTM), and from every BiLSTM tensor of a narrower one (``_widened``);
    the others start fresh, and are logged."""
    grown = CRNN(_buildable(model.config, **changes))
    old, state = model.state_dict(), grown.state_dict()
    kept = {key: value for key, value in old.items() if key in state and state[key].shape == value.shape}
    widened = {}
    if grown.config.lstm_hidden > model.config.lstm_hidden:
        widened = _widened(old, state, model.config.lstm_hidden, grown.config.lstm_hidden)
    grown.load_state_dict(kept | widened, strict=False)
    fresh = [key for key in state if key not in kept and key not in widened]
    log.info("grown from --init: %d of %d tensors kept, %d widened; fresh: %s",
             len(kept), len(state), len(widened), ", ".join(fresh) or "none")
    return grown


def _widened(old: dict, new: dict, units: int, wider: int) -> dict:
    """The BiLSTM and head tensors of ``old`` (``units`` a direction) placed in the ``new`` ones
    (``wider``) so that the network reads as before: each old unit keeps its weights, what the added
    units pass to old units and to the head starts at zero, and the added units' own weights start
    fresh. Training then starts from the old readings and has room to learn more."""
    gate_rows = torch.cat([gate * wider + torch.arange(units) for gate in range(4)])  # gates i, f, g, o
    hidden = torch.arange(units)
    both_ways = torch.cat([hidden, wider + hidden])  # a layer above reads [forward, backward]
    placed = {}
    for key, value in old.items():
        if key not in new or new[key].shape == value.shape:
            continue
        if key == "head.weight":
            rows, columns = torch.arange(value.shape[0]), both_ways
        elif key.startswith("lstm.weight_hh"):
            rows, columns = gate_rows, hidden
        elif key.startswith("lstm.weight_ih_l0"):
            if new[key].shape[1] != value.shape[1]:
                continue  # the CNN changed too: the first layer reads other features
            rows, columns = gate_rows, torch.arange(value.shape[1])
        elif key.startswith("lstm.weight_ih"):
            rows, columns = gate_rows, both_ways
        elif key.startswith("lstm.bias"):
            rows, columns = gate_rows, None
        else:
            continue
        tensor = new[key].clone()
        if columns is None:
            tensor[rows] = value
        else:
            tensor[rows] = 0
            tensor[rows.unsqueeze(1), columns] = value
        placed[key] = tensor
    return placed


def _rebuilt(model: CRNN, **changes: object) -> CRNN:
    """The same weights in a network whose config differs by ``changes`` that keep every tensor's shape."""
    rebuilt = CRNN(replace(model.config, **changes))
    rebuilt.load_state_dict(model.state_dict())
    return rebuilt


def widen_head(model: CRNN, num_classes: int) -> CRNN:
    """Copy a model into one with more output classes; new classes start untrained."""
    wider = CRNN(replace(model.config, num_classes=num_classes))
    state = model.state_dict()
    for key in ("head.weight", "head.bias"):
        grown = wider.state_dict()[key].clone()
        grown[: state[key].shape[0]] = state[key]
        state[key] = grown
    wider.load_state_dict(state)
    return wider


def ctc_step(model: CRNN, batch: dict, device: torch.device, criterion, cpu_bf16: str = "auto") -> torch.Tensor:
    images = batch["images"].to(device, non_blocking=True)
    with autocast(device, cpu_bf16):
        log_probs = model(images)
    lengths = model.output_lengths(batch["widths"])
    return criterion(log_probs.float(), batch["targets"], lengths, batch["target_lengths"])


def train(config: TrainConfig) -> Path:
    """Train as ``config`` says. Returns the best model's file; raises TrainingError when the run
    cannot train as asked."""
    seed_everything(config.seed)
    device = torch.device(config.device)
    # cudnn.benchmark stays off: it tunes again for every new batch shape, and batches differ in
    # width (on an H200 shared by three trainings, a first epoch took 224 s with it; shared by two, 26 s without).
    train_samples = load_samples(config.train, config.cache)
    val_samples = load_samples(config.val, config.cache)
    bundle, state = build_bundle(config, train_samples)
    model = bundle.model.to(device).train()
    dataset = LineDataset(train_samples, bundle.codec, bundle.preprocess, augment=True, seed=config.seed,
                          augment_share=config.augment_share)
    dataset = drop_too_short(dataset, model)
    if not len(dataset):
        raise TrainingError("no training lines left: every line was too short for its text or held characters "
                         "seen only once (see the warnings above)")
    sampler = WidthBucketSampler([dataset.width(i) for i in range(len(dataset))], config.batch_size, seed=config.seed,
                                 limit=config.epoch_batches)
    loader = DataLoader(dataset, batch_sampler=sampler, collate_fn=collate, num_workers=config.workers,
                        persistent_workers=config.workers > 0, pin_memory=device.type == "cuda")
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=1e-4)
    epochs = state.get("epochs", config.epochs)
    scheduler = one_cycle(optimizer, config.lr, epochs * len(loader))
    if state.get("optimizer"):
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
    criterion = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    history: list[dict] = state.get("history", [])
    start_epoch = state.get("epoch", 0)
    best_cer = min((h["val_cer"] for h in history), default=math.inf)
    started = time.monotonic()

    epoch = start_epoch
    while epoch < epochs:
        dataset.epoch = sampler.epoch = epoch
        model.train()
        losses = []
        for batch in tqdm(loader, desc=f"epoch {epoch + 1}/{epochs}", mininterval=30):
            loss = ctc_step(model, batch, device, criterion, config.cpu_bf16)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
        report = validate(bundle, val_samples, device=device, cpu_bf16=config.cpu_bf16)
        if config.fit_minutes and epoch == 0:
            first_epoch_seconds = time.monotonic() - started
            epochs = epochs_that_fit(config.fit_minutes * 60, first_epoch_seconds, config.epochs)
            log.info("one epoch took %.0f s: the schedule is fitted to %d epochs", first_epoch_seconds, epochs)
            scheduler = one_cycle(optimizer, config.lr, epochs * len(loader), done=len(loader))
        history.append({"epoch": epoch + 1, "train_loss": float(np.mean(losses)), "val_cer": report.cer,
                        "val_wer": report.wer, "per_source": report.per_source})
        log.info("epoch %d loss %.3f val CER %.4f WER %.4f %s", epoch + 1, history[-1]["train_loss"],
                 report.cer, report.wer, json.dumps(report.per_source))
        bundle.training = {"train": config.train, "val": config.val, "epochs": epoch + 1, "seed": config.seed,
                           "train_lines": len(dataset), "history": history}
        measured = report.as_metrics() | {"epoch": epoch + 1}
        if report.cer < best_cer:
            best_cer = report.cer
            bundle.metrics = measured
            save_model(config.out / "best.pt", bundle)
        save_model(config.out / "last.pt", bundle, extra={
            "epoch": epoch + 1, "epochs": epochs, "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(), "history": history})
        if config.keep_epochs:  # with this epoch's figures; best.pt and last.pt keep the best epoch's
            save_model(config.out / f"epoch{epoch + 1}.pt", replace(bundle, metrics=measured))
        plot_history(history, config.out / "curve.png")
        since_best = epoch + 1 - min(history, key=lambda h: h["val_cer"])["epoch"]
        if since_best >= config.patience:
            log.info("no improvement for %d epochs: stopping early", since_best)
            break
        if config.max_minutes and (time.monotonic() - started) / 60 > config.max_minutes:
            log.info("time budget reached after epoch %d; run again to resume", epoch + 1)
            break
        epoch += 1
    return config.out / "best.pt"


def one_cycle(optimizer: torch.optim.Optimizer, lr: float, total_steps: int, done: int = 0):
    """A one-cycle schedule peaking at ``lr`` over ``total_steps``, ``done`` of them already taken."""
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=lr, total_steps=total_steps, pct_start=min(0.05, 1500 / total_steps)
    )
    for _ in range(done):
        scheduler.step()
    return scheduler


def epochs_that_fit(budget_seconds: float, first_epoch_seconds: float, most: int) -> int:
    """Epochs in the budget, at the first epoch's pace (its start-up included, so a little under)."""
    return min(most, max(2, int(budget_seconds // max(first_epoch_seconds, 1e-3))))


def drop_too_short(dataset: LineDataset, model: CRNN) -> LineDataset:
    """CTC needs at least one frame per label (plus one per repeated pair)."""
    keep = []
    for i, sample in enumerate(dataset.samples):
        frames = dataset.width(i) // model.config.width_reduction
        repeats = sum(a == b for a, b in zip(sample.text, sample.text[1:]))
        if frames >= len(sample.text) + repeats:
            keep.append(sample)
    if len(keep) < len(dataset.samples):
        log.warning("dropped %d lines too short for their text", len(dataset.samples) - len(keep))
    dataset.samples = keep
    return dataset


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    # Tiny LSTM activations turn into denormal floats that slow CPU math tenfold.
    torch.set_flush_denormal(True)
    config = parse_args(argv)
    try:
        print(train(config))
    except TrainingError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
