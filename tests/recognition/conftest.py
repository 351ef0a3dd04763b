import pytest

from ml.codec import Codec
from ml.model import CRNN, CRNNConfig
from ml.model_file import ModelBundle, save_model
from ml.preprocess import PreprocessConfig


@pytest.fixture
def tiny_model(tmp_path, settings) -> str:
    """A small untrained model file, made current through HTR_MODEL_PATH: the real
    loading and recognition code, at a size that runs in milliseconds."""
    codec = Codec("abcdefghijklmnopqrstuvwxyz ")
    model = CRNN(CRNNConfig(num_classes=codec.num_classes, channels=[4, 8, 8, 8], lstm_hidden=8))
    bundle = ModelBundle(model=model, codec=codec, preprocess=PreprocessConfig(), name="tiny")
    path = tmp_path / "tiny.pt"
    save_model(path, bundle)
    settings.HTR_MODEL_PATH = str(path)
    return str(path)
