"""The inference facade the platform uses: load a model file once, read batches of lines."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from ml.layout import LinePrediction
from ml.read.ctc import align, best_path_decode, greedy_decode
from ml.read.lm_decoder import DEFAULT_BEAM, LmDecoder, language_model_path
from ml.read.model_file import ModelBundle, load_model
from ml.read.precision import autocast, uses_bf16
from ml.read.preprocess import normalize_line
from ml.read.rescoring import most_likely, stretched

DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[1] / "pretrained" / "crnn-default.pt"
# The language whose character model decodes when none is given: the platform's users write
# English (lecture notes, prescriptions); a French document says so (docs/decoding.md).
DEFAULT_LANGUAGE = "en"


@dataclass
class ModelInfo:
    name: str
    version: str
    metrics: dict = field(default_factory=dict)
    alphabet: str = ""


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Recognizer:
    """Reads lines with one model. With several ``widths`` it reads each line at each of these
    horizontal scales (1.0: as preprocessed) and keeps the text the readings together find most
    likely (``ml.read.rescoring``); confidences and spans are those of the first reading."""

    def __init__(self, bundle: ModelBundle, device: torch.device | str | None = None,
                 widths: tuple[float, ...] = (1.0,), *, cpu_bf16: str = "auto", threads: int | None = None) -> None:
        """``cpu_bf16``: ml.read.precision's CPU setting; ``threads``: the torch threads it reads with
        on the CPU (None: one per core; Celery runs one recognizer per worker process)."""
        if not widths or min(widths) <= 0:
            raise ValueError(f"reading widths must be positive scales, got {widths}")
        self.bundle = bundle
        self.widths = tuple(widths)
        self.device = torch.device(device) if device else default_device()
        self.model = bundle.model.to(self.device).eval()
        self.cpu_bf16 = cpu_bf16
        uses_bf16(self.device, cpu_bf16)  # a wrong setting fails here, not at the first line read
        self.threads = threads or os.cpu_count() or 1
        if self.device.type == "cpu":
            torch.set_flush_denormal(True)  # denormal floats slow CPU math tenfold
            torch.set_num_threads(self.threads)
        self.info = ModelInfo(bundle.name, bundle.version, bundle.metrics, bundle.codec.alphabet)
        self._decoders: dict[tuple[int, str | None], LmDecoder] = {}

    @classmethod
    def load(cls, path: str | Path = DEFAULT_MODEL_PATH, device: torch.device | str | None = None,
             widths: tuple[float, ...] = (1.0,), *, cpu_bf16: str = "auto", threads: int | None = None) -> "Recognizer":
        return cls(load_model(path), device, widths, cpu_bf16=cpu_bf16, threads=threads)

    def shown(self, predictions: list[LinePrediction]) -> list[LinePrediction]:
        """The readings as people are shown them: confidences calibrated by the model file's map
        (``ml.read.calibration``), if it carries one. Decisions inside the reading use the raw ones."""
        calibration = self.bundle.calibration
        return [calibration.prediction(p) for p in predictions] if calibration else predictions

    def recognize(self, images: list[np.ndarray], batch_size: int = 32, beam_width: int = DEFAULT_BEAM,
                  language: str | None = DEFAULT_LANGUAGE) -> list[LinePrediction]:
        """Read line images (gray or BGR uint8), in the order given: by a beam search of
        ``beam_width`` with the character language model of ``language`` (None: none), or
        greedily where ``beam_width`` is 0 or 1."""
        return self.recognize_inks(self.preprocess(images), batch_size, beam_width, language)

    def preprocess(self, images: list[np.ndarray]) -> list[np.ndarray]:
        """The network's input for each line image: in threads, since OpenCV lets go of the GIL
        (on a GPU, preprocessing is what must keep up with the network)."""
        normalize = partial(normalize_line, config=self.bundle.preprocess)
        if self.threads == 1 or len(images) == 1:
            return [normalize(image) for image in images]
        with ThreadPoolExecutor(self.threads) as pool:
            return list(pool.map(normalize, images))

    def recognize_inks(self, inks: list[np.ndarray], batch_size: int = 32, beam_width: int = DEFAULT_BEAM,
                       language: str | None = DEFAULT_LANGUAGE) -> list[LinePrediction]:
        """Read preprocessed ink maps ([height, width] float32), batched by similar width."""
        if self.widths != (1.0,):
            return self._recognize_at_widths(inks, batch_size, beam_width, language)
        if beam_width > 1:
            decode = self.decoder(beam_width, language).decode
            return self._in_width_batches(inks, batch_size, lambda *batch: [decode(r) for r in _posterior_rows(*batch)])
        return self._in_width_batches(inks, batch_size, partial(_best_paths, alphabet=self.bundle.codec.alphabet))

    def decoder(self, beam_width: int = DEFAULT_BEAM, language: str | None = DEFAULT_LANGUAGE) -> LmDecoder:
        """The beam-search decoder of this model's alphabet with ``language``'s model, made once."""
        key = (beam_width, language)
        if key not in self._decoders:
            self._decoders[key] = LmDecoder(self.bundle.codec.alphabet, language_model_path(language), beam_width)
        return self._decoders[key]

    def _recognize_at_widths(self, inks: list[np.ndarray], batch_size: int, beam_width: int,
                             language: str | None) -> list[LinePrediction]:
        readings = [self._in_width_batches(stretched(inks, width), batch_size, _posterior_rows) for width in self.widths]
        alphabet, encode = self.bundle.codec.alphabet, self.bundle.codec.encode
        results = []
        for line_readings in zip(*readings):
            # Each reading's own text, as labels; only the one kept is aligned (for its confidences).
            candidates = [encode(self.decoder(beam_width, language).decode(reading).text) if beam_width > 1
                          else encode(greedy_decode(np.exp(reading), alphabet).text) for reading in line_readings]
            results.append(align(np.exp(line_readings[0]), most_likely(list(line_readings), candidates), alphabet))
        return results

    def _in_width_batches(self, inks: list[np.ndarray], batch_size: int, read: Callable) -> list:
        """``read(log_probs [T, B, C], lengths)`` of batches of lines of similar width, one result
        per line, in the order of ``inks``."""
        results: list = [None] * len(inks)
        order = sorted(range(len(inks)), key=lambda i: inks[i].shape[1])
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            for index, result in zip(chunk, read(*self._log_posteriors([inks[i] for i in chunk]))):
                results[index] = result
        return results

    @torch.inference_mode()
    def _log_posteriors(self, inks: list[np.ndarray]) -> tuple[torch.Tensor, list[int]]:
        """The network's log-posteriors [T, B, C] for a batch, on the device, and each line's frame count."""
        widths = [ink.shape[1] for ink in inks]
        batch = torch.zeros(len(inks), 1, inks[0].shape[0], max(*widths, self.model.config.width_reduction))
        for i, ink in enumerate(inks):
            batch[i, 0, :, : ink.shape[1]] = torch.from_numpy(ink)
        batch = batch.to(self.device, non_blocking=True)
        with autocast(self.device, self.cpu_bf16):
            log_probs = self.model(batch)
        return log_probs, self.model.output_lengths(torch.tensor(widths)).tolist()


def _posterior_rows(log_probs: torch.Tensor, lengths: list[int]) -> list[np.ndarray]:
    """Each line's log-posteriors [T, C], float32, on the CPU (copies: the batch's padding is let go)."""
    rows = log_probs.float().permute(1, 0, 2).cpu().numpy()  # [B, T, C]
    return [rows[row, :length].copy() for row, length in enumerate(lengths)]


def _best_paths(log_probs: torch.Tensor, lengths: list[int], alphabet: str) -> list[LinePrediction]:
    """Greedy readings. Only each frame's best label and its posterior leave the device: [B, T], not [B, T, C]."""
    best_log, best = (tensor.T.cpu().numpy() for tensor in log_probs.float().max(dim=2))
    return [best_path_decode(best[row, :length], np.exp(best_log[row, :length]), alphabet)
            for row, length in enumerate(lengths)]
