"""One model file carries everything needed to use it: a plain dict saved with torch.save."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ml.read.calibration import Calibration
from ml.read.codec import Codec
from ml.read.crnn import CRNN, CRNNConfig
from ml.read.preprocess import PreprocessConfig

FORMAT = "htr-crnn-ctc"
FORMAT_VERSION = 1


class ModelFileError(ValueError):
    """The file is not a model this code can load."""


@dataclass
class ModelBundle:
    model: CRNN
    codec: Codec
    preprocess: PreprocessConfig
    metrics: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)
    name: str = "crnn"
    version: str = ""
    calibration: Calibration | None = None  # what its confidences mean (ml.read.calibration); None: raw


def save_model(path: str | Path, bundle: ModelBundle, extra: dict | None = None, half: bool = False) -> None:
    """Write the model file; ``extra`` (optimizer state, epoch) is kept for resuming.

    ``half`` stores float weights as float16 (half the size, same readings); they
    are loaded back as float32.
    """
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": bundle.name,
        "config": bundle.model.config.to_dict(),
        "alphabet": bundle.codec.alphabet,
        "preprocess": bundle.preprocess.to_dict(),
        "metrics": bundle.metrics,
        "training": bundle.training,
        "calibration": bundle.calibration.to_list() if bundle.calibration else None,
        "state_dict": {k: _stored(v, half) for k, v in bundle.model.state_dict().items()},
        **(extra or {}),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)  # never leave a half-written model file behind


def _stored(tensor: torch.Tensor, half: bool) -> torch.Tensor:
    tensor = tensor.detach().cpu()
    return tensor.half() if half and tensor.is_floating_point() else tensor


def load_payload(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model file {path} does not exist")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for foreign or corrupt files
        raise ModelFileError(f"{path} is not a readable model file: {exc}") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not a {FORMAT} model file")
    if payload.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{path} has format version {payload.get('format_version')}, this code reads {FORMAT_VERSION}"
        )
    return payload


def load_model(path: str | Path) -> ModelBundle:
    payload = load_payload(path)
    config = CRNNConfig.from_dict(payload["config"])
    codec = Codec(payload["alphabet"])
    if config.num_classes != codec.num_classes:
        raise ModelFileError(f"{path}: alphabet and output layer disagree")
    model = CRNN(config)
    try:
        model.load_state_dict({k: v.float() if v.is_floating_point() else v
                               for k, v in payload["state_dict"].items()})
    except RuntimeError as exc:
        raise ModelFileError(f"{path}: weights do not fit the architecture: {exc}") from exc
    model.eval()
    return ModelBundle(
        model=model,
        codec=codec,
        preprocess=PreprocessConfig(**payload["preprocess"]),
        metrics=payload.get("metrics", {}),
        training=payload.get("training", {}),
        name=payload.get("name", "crnn"),
        version=file_digest(path),
        calibration=Calibration.from_list(payload["calibration"]) if payload.get("calibration") else None,
    )


def average_models(paths: list[str | Path]) -> ModelBundle:
    """One model whose weights are the mean of the files' (checkpoint averaging): the files must be
    one architecture with one alphabet, e.g. the epochs of one training run."""
    bundles = [load_model(path) for path in paths]
    first = bundles[0]
    for path, bundle in zip(paths[1:], bundles[1:]):
        if bundle.model.config != first.model.config or bundle.codec.alphabet != first.codec.alphabet:
            raise ModelFileError(f"{path}: not the architecture and alphabet of {paths[0]}; cannot average")
    states = [bundle.model.state_dict() for bundle in bundles]
    first.model.load_state_dict({
        name: torch.stack([state[name] for state in states]).mean(0) if tensor.is_floating_point() else tensor
        for name, tensor in states[-1].items()
    })
    first.metrics, first.calibration = {}, None  # measured on one of the files, not on the mean
    first.training = {**bundles[-1].training, "averaged": [bundle.version for bundle in bundles]}
    return first


def file_digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
