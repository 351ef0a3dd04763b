"""Adapt a recognizer to one document's hand from the few lines a person corrected:
``adapt(base, corrected, held_out, AdaptConfig())``.

A few hundred small steps at a low rate, not epochs: each step trains on a handful of the
corrected lines (half of them distorted by ml.train.augment, so that the model learns the hand
rather than the lines), and every ``eval_every`` steps the held-out lines are read. The step that
read them best is kept, the base model included as step 0, so adaptation never hands back a
model that reads its held-out lines worse than the base did. It stops at ``max_steps``, after
``patience`` readings without improvement, or when the time budget is spent.
"""
from __future__ import annotations

import copy
import logging
import time
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np
import torch

from ml.read.model_file import ModelBundle
from ml.train.config import TrainingError
from ml.train.datasets import LineDataset, LineSample, collate
from ml.train.loop import ctc_step, drop_too_short, seed_everything, widen_head
from ml.train.validation import validate

log = logging.getLogger(__name__)

LAYERS = ("all", "recurrent", "head")


@dataclass
class AdaptConfig:
    lr: float = 1e-3  # of the BiLSTM and the head
    cnn_lr_scale: float = 0.3  # the CNN's rate is lr times this (layers="all")
    layers: str = "all"  # "all", "recurrent" (BiLSTM and head) or "head"
    max_steps: int = 100
    batch_size: int = 4
    augment_share: float = 0.5  # share of the lines distorted at each step
    time_budget_s: float = 180.0  # training stops once this much time has passed (0: no limit)
    eval_every: int = 20  # steps between readings of the held-out lines
    patience: int = 3  # readings without improvement before stopping
    freeze_batchnorm: bool = True  # keep the base's BatchNorm statistics: batches of a few lines are too small
    seed: int = 1
    device: str = "cpu"
    cpu_bf16: str = "auto"  # ml.read.precision

    def __post_init__(self) -> None:
        if self.layers not in LAYERS:
            raise ValueError(f"layers must be one of {LAYERS}, not {self.layers!r}")


@dataclass
class Progress:
    step: int
    total: int  # max_steps; a run may stop earlier
    elapsed: float  # seconds
    eta: float  # seconds left at most: the steps left at the pace so far, within the time budget


@dataclass
class Adapted:
    bundle: ModelBundle  # the best step's model (the base's own weights when no step read better)
    best_step: int  # 0: the base model
    steps: int  # steps taken
    cer_before: float  # the base model's CER on the held-out lines
    cer_after: float  # the kept model's
    seconds: float
    train_lines: int
    history: list[dict] = field(default_factory=list)  # {"step", "cer"} per reading


def adapt(base: ModelBundle, corrected: list[LineSample], held_out: list[LineSample], config: AdaptConfig,
          on_step: Callable[[Progress], None] | None = None) -> Adapted:
    """A copy of ``base`` adapted to ``corrected`` and chosen on ``held_out`` (lines not in
    ``corrected``); ``base`` is left as it is. The alphabet grows by the corrected lines' new
    characters. Raises TrainingError when no line can train or none is held out."""
    if not held_out:
        raise TrainingError("no held-out lines to choose the adapted model on")
    seed_everything(config.seed)
    started = time.monotonic()
    bundle = _copy_with_alphabet(base, corrected)
    device = torch.device(config.device)
    model = bundle.model.to(device)
    dataset = LineDataset(corrected, bundle.codec, bundle.preprocess, augment=True, seed=config.seed,
                          augment_share=config.augment_share)
    dataset = drop_too_short(dataset, model)
    if not len(dataset):
        raise TrainingError("no corrected line can train: each is too short for its text")
    optimizer = torch.optim.AdamW(_parameter_groups(model, config), weight_decay=1e-4)
    criterion = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    rng = np.random.default_rng(config.seed)

    best_cer = _held_out_cer(bundle, held_out, config)
    cer_before, best_step, best_state = best_cer, 0, copy.deepcopy(model.state_dict())
    history, since_best, step = [{"step": 0, "cer": best_cer}], 0, 0
    while step < config.max_steps and not _over_budget(started, config):
        _train_mode(model, config)
        dataset.epoch = step  # fresh distortions each step
        batch = _padded(collate([dataset[i] for i in _batch(rng, len(dataset), config.batch_size)]))
        loss = ctc_step(model, batch, device, criterion, config.cpu_bf16)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        step += 1
        if step % config.eval_every == 0 or step == config.max_steps:
            cer = _held_out_cer(bundle, held_out, config)
            history.append({"step": step, "cer": cer})
            if cer < best_cer:
                best_cer, best_step, best_state, since_best = cer, step, copy.deepcopy(model.state_dict()), 0
            else:
                since_best += 1
            if since_best >= config.patience:
                break
        if on_step:
            on_step(_progress(step, started, config))
    model.load_state_dict(best_state)
    model.eval()
    log.info("adapted on %d lines: step %d of %d kept, held-out CER %.4f -> %.4f in %.0f s (readings %s)",
             len(dataset), best_step, step, cer_before, best_cer, time.monotonic() - started,
             " ".join(f"{h['step']}:{h['cer']:.3f}" for h in history))
    return Adapted(bundle=bundle, best_step=best_step, steps=step, cer_before=cer_before, cer_after=best_cer,
                   seconds=time.monotonic() - started, train_lines=len(dataset), history=history)


def _copy_with_alphabet(base: ModelBundle, corrected: list[LineSample]) -> ModelBundle:
    bundle = replace(base, model=copy.deepcopy(base.model), calibration=base.calibration)
    codec = base.codec.extended(sample.text for sample in corrected)
    if codec.num_classes != base.codec.num_classes:
        log.info("alphabet extended by %r", codec.alphabet[len(base.codec.alphabet):])
        bundle.model, bundle.codec = widen_head(bundle.model, codec.num_classes), codec
    return bundle


def _parameter_groups(model: torch.nn.Module, config: AdaptConfig) -> list[dict]:
    """What trains, at which rate; the rest is frozen."""
    upper = [*model.lstm.parameters(), *model.head.parameters()] if config.layers != "head" \
        else [*model.head.parameters()]
    groups = [{"params": upper, "lr": config.lr}]
    if config.layers == "all":
        groups.append({"params": list(model.cnn.parameters()), "lr": config.lr * config.cnn_lr_scale})
    training = {id(p) for group in groups for p in group["params"]}
    for parameter in model.parameters():
        parameter.requires_grad_(id(parameter) in training)
    return groups


def _train_mode(model: torch.nn.Module, config: AdaptConfig) -> None:
    model.train()
    if config.freeze_batchnorm:
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.eval()


def _batch(rng: np.random.Generator, lines: int, size: int) -> list[int]:
    return rng.choice(lines, size=min(size, lines), replace=False).tolist()


def _padded(batch: dict, multiple: int = 128) -> dict:
    """The batch's images padded to a multiple of ``multiple`` pixels: on a CPU each new width costs
    the convolutions and the LSTM a slow first pass, so fewer distinct widths make steps faster."""
    images = batch["images"]
    extra = -images.shape[3] % multiple
    return batch | {"images": torch.nn.functional.pad(images, (0, extra))} if extra else batch


def _held_out_cer(bundle: ModelBundle, held_out: list[LineSample], config: AdaptConfig) -> float:
    bundle.model.eval()
    return validate(bundle, held_out, device=config.device, cpu_bf16=config.cpu_bf16).cer


def _over_budget(started: float, config: AdaptConfig) -> bool:
    return bool(config.time_budget_s) and time.monotonic() - started >= config.time_budget_s


def _progress(step: int, started: float, config: AdaptConfig) -> Progress:
    elapsed = time.monotonic() - started
    eta = elapsed / step * (config.max_steps - step)
    if config.time_budget_s:
        eta = min(eta, max(config.time_budget_s - elapsed, 0.0))
    return Progress(step=step, total=config.max_steps, elapsed=elapsed, eta=eta)
