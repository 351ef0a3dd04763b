"""The inference facade the platform uses: load a model file once, read batches of lines."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ml.ctc import beam_decode, greedy_decode
from ml.layout import LinePrediction
from ml.model_file import ModelBundle, load_model
from ml.preprocess import normalize_line

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "pretrained" / "crnn-default.pt"


@dataclass
class ModelInfo:
    name: str
    version: str
    metrics: dict = field(default_factory=dict)
    alphabet: str = ""


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Recognizer:
    def __init__(self, bundle: ModelBundle, device: torch.device | str | None = None) -> None:
        self.bundle = bundle
        self.device = torch.device(device) if device else default_device()
        self.model = bundle.model.to(self.device).eval()
        if self.device.type == "cpu":
            torch.set_flush_denormal(True)  # denormal floats slow CPU math tenfold
            # Celery runs one recognizer per worker process; use the cores it may use.
            torch.set_num_threads(int(os.environ.get("HTR_TORCH_THREADS", os.cpu_count() or 1)))
        self.info = ModelInfo(bundle.name, bundle.version, bundle.metrics, bundle.codec.alphabet)

    @classmethod
    def load(cls, path: str | Path = DEFAULT_MODEL_PATH, device: torch.device | str | None = None) -> "Recognizer":
        return cls(load_model(path), device)

    def recognize(self, images: list[np.ndarray], batch_size: int = 32, beam_width: int = 0) -> list[LinePrediction]:
        """Read line images (gray or BGR uint8), in the order given."""
        inks = [normalize_line(image, self.bundle.preprocess) for image in images]
        return self.recognize_inks(inks, batch_size, beam_width)

    def recognize_inks(self, inks: list[np.ndarray], batch_size: int = 32, beam_width: int = 0) -> list[LinePrediction]:
        """Read preprocessed ink maps ([height, width] float32), batched by similar width."""
        results: list[LinePrediction | None] = [None] * len(inks)
        order = sorted(range(len(inks)), key=lambda i: inks[i].shape[1])
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            for index, probs in zip(chunk, self._posteriors([inks[i] for i in chunk])):
                if beam_width > 1:
                    results[index] = beam_decode(probs, self.bundle.codec.alphabet, beam_width)
                else:
                    results[index] = greedy_decode(probs, self.bundle.codec.alphabet)
        return results  # type: ignore[return-value]

    @torch.inference_mode()
    def _posteriors(self, inks: list[np.ndarray]) -> list[np.ndarray]:
        reduction = self.model.config.width_reduction
        width = max(max(ink.shape[1] for ink in inks), reduction)
        batch = torch.zeros(len(inks), 1, inks[0].shape[0], width)
        for i, ink in enumerate(inks):
            batch[i, 0, :, : ink.shape[1]] = torch.from_numpy(ink)
        batch = batch.to(self.device, non_blocking=True)
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.device.type == "cuda"):
            log_probs = self.model(batch)
        probs = log_probs.float().exp().permute(1, 0, 2).cpu().numpy()  # [B, T, C]
        lengths = [max(ink.shape[1] // reduction, 1) for ink in inks]
        return [probs[i, : lengths[i]] for i in range(len(inks))]
