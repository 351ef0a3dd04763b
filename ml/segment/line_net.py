"""A small fully-convolutional network that marks the core band of each text line (kraken blla style).

The page goes in at ``input_size`` pixels on its longer side; out comes, at a
quarter of that, the probability that a pixel lies between a line's baseline
and its x-height. Bands of neighbouring lines stay apart, so each connected
band is one line; ``ml.segment.segmenter`` takes its ink and geometry from there.
A network with two outputs marks lines written across the page in the first
and lines written up or down it (margin notes) in the second.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from ml.read.precision import autocast

FORMAT = "htr-line-net"
DEFAULT_LINE_NET_PATH = Path(__file__).resolve().parents[1] / "pretrained" / "line-net.pt"


@dataclass
class LineNetConfig:
    channels: tuple[int, ...] = (16, 32, 48, 64)
    input_size: int = 1024  # the page's longer side, in pixels, when it enters the network
    reduction: int = 4  # output pixels are this many input pixels wide
    outputs: int = 1  # 1: lines across the page; 2: also lines up or down it


def _block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class LineNet(nn.Module):
    """U-Net-like: stride-2 stem, three poolings, dilated context at 1/16, decoder back to 1/4."""

    def __init__(self, config: LineNetConfig) -> None:
        super().__init__()
        self.config = config
        c1, c2, c3, c4 = config.channels
        self.stem = nn.Sequential(nn.Conv2d(1, c1, 3, stride=2, padding=1), nn.ReLU(inplace=True))
        self.enc1, self.enc2, self.enc3, self.enc4 = _block(c1, c1), _block(c1, c2), _block(c2, c3), _block(c3, c4)
        # Dilated convolutions see several lines at once: enough to tell a line from the gap beside it.
        self.context = nn.Sequential(
            *[nn.Sequential(nn.Conv2d(c4, c4, 3, padding=d, dilation=d), nn.ReLU(inplace=True)) for d in (2, 4, 8)]
        )
        self.dec3, self.dec2 = _block(c4 + c3, c3), _block(c3 + c2, c2)
        self.head = nn.Conv2d(c2, config.outputs, 1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, 1, H, W] ink in [0, 1] -> [B, outputs, H/4, W/4] logits of the line bands (H, W multiples of 16)."""
        a = self.enc1(self.stem(x))  # 1/2
        b = self.enc2(self.pool(a))  # 1/4
        c = self.enc3(self.pool(b))  # 1/8
        d = self.context(self.enc4(self.pool(c)))  # 1/16
        c = self.dec3(torch.cat([_up(d, c), c], 1))
        b = self.dec2(torch.cat([_up(c, b), b], 1))
        return self.head(b)


def _up(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return nn.functional.interpolate(x, size=like.shape[-2:], mode="bilinear", align_corners=False)


def network_input(gray: np.ndarray, input_size: int) -> np.ndarray:
    """The page as the network sees it: darkness in [0, 1], longer side ``input_size``, sides padded to 16."""
    scale = input_size / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = 1.0 - small.astype(np.float32) / 255.0
    height, width = ink.shape
    padded = np.zeros((-(-height // 16) * 16, -(-width // 16) * 16), np.float32)
    padded[:height, :width] = ink
    return padded


def save_line_net(path: str | Path, model: LineNet, metrics: dict | None = None) -> None:
    payload = {
        "format": FORMAT,
        "config": asdict(model.config),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "metrics": metrics or {},
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)


def load_line_net(path: str | Path) -> LineNet:
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a line network file")
    config = payload["config"]
    model = LineNet(LineNetConfig(**{**config, "channels": tuple(config["channels"])}))
    model.load_state_dict(payload["state_dict"])
    return model.eval()


@torch.inference_mode()
def line_bands(model: LineNet, gray: np.ndarray, cpu_bf16: str = "auto") -> np.ndarray:
    """[outputs, h, w] probability of each line band for a page, at 1/``reduction`` of the network's
    input scale; ``cpu_bf16`` is ml.read.precision's CPU setting."""
    ink = network_input(gray, model.config.input_size)
    with autocast(torch.device("cpu"), cpu_bf16):
        logits = model(torch.from_numpy(ink)[None, None])
    return torch.sigmoid(logits.float())[0].numpy()


def line_band(model: LineNet, gray: np.ndarray, cpu_bf16: str = "auto") -> np.ndarray:
    """Probability of the band of lines written across the page."""
    return line_bands(model, gray, cpu_bf16)[0]
