from pathlib import Path

import pytest

from ml.read.codec import Codec
from ml.read.crnn import CRNN, CRNNConfig
from ml.read.model_file import ModelBundle, save_model
from ml.read.preprocess import PreprocessConfig


def save_tiny_model(path: Path) -> str:
    """A small untrained model file (fresh random weights, so its own version): the real
    loading and recognition code, at a size that runs in milliseconds."""
    codec = Codec("abcdefghijklmnopqrstuvwxyz ")
    model = CRNN(CRNNConfig(num_classes=codec.num_classes, channels=[4, 8, 8, 8], lstm_hidden=8))
    save_model(path, ModelBundle(model=model, codec=codec, preprocess=PreprocessConfig(), name="tiny"))
    return str(path)


@pytest.fixture
def tiny_model(tmp_path, settings) -> str:
    """A tiny model file made the one registered on first use (HTR_MODEL_PATH)."""
    settings.HTR_MODEL_PATH = save_tiny_model(tmp_path / "tiny.pt")
    return settings.HTR_MODEL_PATH
