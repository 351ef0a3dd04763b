"""The inference facade the platform uses: load a model file once, read batches of lines."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import torch

from ml.ctc import beam_decode, best_path_decode
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
        # Celery runs one recognizer per worker process; use the cores it may use.
        self.threads = int(os.environ.get("HTR_TORCH_THREADS", os.cpu_count() or 1))
        if self.device.type == "cpu":
            torch.set_flush_denormal(True)  # denormal floats slow CPU math tenfold
            torch.set_num_threads(self.threads)
        self.info = ModelInfo(bundle.name, bundle.version, bundle.metrics, bundle.codec.alphabet)

    @classmethod
    def load(cls, path: str | Path = DEFAULT_MODEL_PATH, device: torch.device | str | None = None) -> "Recognizer":
        return cls(load_model(path), device)

    def recognize(self, images: list[np.ndarray], batch_size: int = 32, beam_width: int = 0) -> list[LinePrediction]:
        """Read line images (gray or BGR uint8), in the order given."""
        return self.recognize_inks(self.preprocess(images), batch_size, beam_width)

    def preprocess(self, images: list[np.ndarray]) -> list[np.ndarray]:
        """The network's input for each line image: in threads, since OpenCV lets go of the GIL
        (on a GPU, preprocessing is what must keep up with the network)."""
        normalize = partial(normalize_line, config=self.bundle.preprocess)
        if self.threads == 1 or len(images) == 1:
            return [normalize(image) for image in images]
        with ThreadPoolExecutor(self.threads) as pool:
            return list(pool.map(normalize, images))

    def recognize_inks(self, inks: list[np.ndarray], batch_size: int = 32, beam_width: int = 0) -> list[LinePrediction]:
        """Read preprocessed ink maps ([height, width] float32), batched by similar width."""
        results: list[LinePrediction | None] = [None] * len(inks)
        order = sorted(range(len(inks)), key=lambda i: inks[i].shape[1])
        alphabet = self.bundle.codec.alphabet
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            log_probs, lengths = self._log_posteriors([inks[i] for i in chunk])
            if beam_width > 1:
                probs = log_probs.float().exp().permute(1, 0, 2).cpu().numpy()  # [B, T, C]
                for row, (index, length) in enumerate(zip(chunk, lengths)):
                    results[index] = beam_decode(probs[row, :length], alphabet, beam_width)
            else:
                # Only each frame's best label and its posterior leave the device: [B, T], not [B, T, C].
                best_log, best = (tensor.T.cpu().numpy() for tensor in log_probs.float().max(dim=2))
                for row, (index, length) in enumerate(zip(chunk, lengths)):
                    results[index] = best_path_decode(best[row, :length], np.exp(best_log[row, :length]), alphabet)
        return results  # type: ignore[return-value]

    @torch.inference_mode()
    def _log_posteriors(self, inks: list[np.ndarray]) -> tuple[torch.Tensor, list[int]]:
        """The network's log-posteriors [T, B, C] for a batch, on the device, and each line's frame count."""
        widths = [ink.shape[1] for ink in inks]
        batch = torch.zeros(len(inks), 1, inks[0].shape[0], max(*widths, self.model.config.width_reduction))
        for i, ink in enumerate(inks):
            batch[i, 0, :, : ink.shape[1]] = torch.from_numpy(ink)
        batch = batch.to(self.device, non_blocking=True)
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.device.type == "cuda"):
            log_probs = self.model(batch)
        return log_probs, self.model.output_lengths(torch.tensor(widths)).tolist()
