"""What a training run of the recognizer is told: ``ml.train.loop.train(TrainConfig(...))``.

``python -m ml.train`` builds one from its options (ml.train.loop.parse_args); the platform's
fine-tuning (recognition/fine_tuning.py) builds one directly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch


class TrainingError(Exception):
    """A run that cannot train as asked (a network that cannot be built, no usable line); the
    message says why. ``python -m ml.train`` exits with it."""


def default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


@dataclass
class TrainConfig:
    train: list[str]  # training folders (pages+XML or line pairs) or packed .lines.npz files
    val: list[str]  # validation folders or packed files: the model is selected on these
    out: Path  # folder for checkpoints, best.pt, curve.png; a last.pt there is resumed
    init: Path | None = None  # fine-tune from this model file (its alphabet is extended)
    epochs: int = 30
    epoch_batches: int = 0  # an epoch is at most this many batches, each epoch its own (0: all the lines):
    # on a slow machine, shorter epochs are checkpoints to resume from and points to choose the model at
    max_minutes: float = 0  # stop (resumably) after this long; 0: no limit
    fit_minutes: float = 0  # fit the learning-rate schedule to this much time; 0: --epochs
    keep_epochs: bool = False  # keep every epoch's model as epochN.pt
    batch_size: int = 16
    lr: float = 1.5e-3
    patience: int = 6  # epochs without improvement before stopping
    seed: int = 1
    workers: int = 1  # data loader processes
    device: str = field(default_factory=default_device)
    cache: Path = Path("cache")
    augment_share: float = 1.0  # fraction of training lines distorted each epoch
    deslant: bool = False  # straighten slanted writing before the network (saved with the model)
    cpu_bf16: str = "auto"  # on a CPU, bfloat16 where native (auto), never (0), always (1): ml.read.precision
    # The architecture (None: a new model's default, an --init or resumed model's own).
    pools: list[tuple[int, int]] | None = None
    dropout: float | None = None
    height: int | None = None
    channels: list[int] | None = None
    lstm_hidden: int | None = None
    lstm_layers: int | None = None

    def __post_init__(self) -> None:
        self.train, self.val = [str(folder) for folder in self.train], [str(folder) for folder in self.val]
        self.out, self.cache = Path(self.out), Path(self.cache)
        self.init = Path(self.init) if self.init else None
