"""CRNN: a small CNN reads columns of the line image, a BiLSTM reads the sequence, CTC decodes."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
from torch import nn


@dataclass
class CRNNConfig:
    num_classes: int  # alphabet size + 1 (CTC blank = 0)
    height: int = 32  # input height; must be divisible by the product of the vertical pools
    channels: list[int] = field(default_factory=lambda: [32, 64, 96, 128])
    # (vertical, horizontal) pooling after each conv block; horizontal pools set frames per pixel.
    pools: list[tuple[int, int]] = field(default_factory=lambda: [(2, 2), (2, 2), (2, 1), (1, 1)])
    lstm_hidden: int = 192
    lstm_layers: int = 2
    dropout: float = 0.2

    @property
    def width_reduction(self) -> int:
        return math.prod(horizontal for _, horizontal in self.pools)

    @property
    def feature_rows(self) -> int:
        """Rows of CNN features per frame (each of ``channels[-1]`` values) that the BiLSTM reads."""
        return self.height // math.prod(vertical for vertical, _ in self.pools)

    def __post_init__(self) -> None:
        if len(self.channels) != len(self.pools):
            raise ValueError(f"{len(self.channels)} conv blocks but {len(self.pools)} pools: give one pool per block")
        vertical = math.prod(v for v, _ in self.pools)
        if self.height % vertical:
            raise ValueError(f"input height {self.height} is not divisible by the vertical pooling ({vertical})")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "CRNNConfig":
        data = dict(data)
        data["pools"] = [tuple(p) for p in data["pools"]]
        return cls(**data)


def conv_block(c_in: int, c_out: int, pool: tuple[int, int]) -> nn.Sequential:
    layers: list[nn.Module] = [
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    ]
    if pool != (1, 1):
        layers.append(nn.MaxPool2d(pool, pool))
    return nn.Sequential(*layers)


class CRNN(nn.Module):
    def __init__(self, config: CRNNConfig) -> None:
        super().__init__()
        self.config = config
        blocks, c_in = [], 1
        for c_out, pool in zip(config.channels, config.pools):
            blocks.append(conv_block(c_in, c_out, pool))
            c_in = c_out
        self.cnn = nn.Sequential(*blocks)
        self.dropout = nn.Dropout(config.dropout)
        self.lstm = nn.LSTM(
            config.channels[-1] * config.feature_rows,
            config.lstm_hidden,
            num_layers=config.lstm_layers,
            bidirectional=True,
            dropout=config.dropout if config.lstm_layers > 1 else 0.0,
        )
        self.head = nn.Linear(2 * config.lstm_hidden, config.num_classes)

    def output_lengths(self, widths: torch.Tensor) -> torch.Tensor:
        return torch.div(widths, self.config.width_reduction, rounding_mode="floor").clamp(min=1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """images [B, 1, H, W] ink in [0, 1] -> log-probabilities [T, B, C] with T = W // reduction."""
        if images.shape[2] != self.config.height:
            raise ValueError(f"expected lines {self.config.height} px high, got {images.shape[2]}")
        if images.shape[3] < self.config.width_reduction:
            raise ValueError(f"line image is {images.shape[3]} px wide, too narrow for this network")
        features = self.cnn(images)  # [B, C, H', T]
        b, c, h, t = features.shape
        sequence = features.reshape(b, c * h, t).permute(2, 0, 1)  # [T, B, C*H']
        sequence, _ = self.lstm(self.dropout(sequence))
        return self.head(self.dropout(sequence)).log_softmax(-1)
