import pytest
import torch

from ml.read.calibration import Calibration
from ml.read.codec import Codec
from ml.read.crnn import CRNN, CRNNConfig
from ml.read.model_file import ModelBundle, ModelFileError, average_models, load_model, save_model
from ml.read.preprocess import PreprocessConfig


def tiny_bundle() -> ModelBundle:
    codec = Codec("abc ")
    model = CRNN(CRNNConfig(num_classes=codec.num_classes, channels=[4, 8, 8, 8], lstm_hidden=8))
    return ModelBundle(model=model, codec=codec, preprocess=PreprocessConfig(), metrics={"val_cer": 0.1})


def test_save_load_round_trip_keeps_everything(tmp_path):
    bundle = tiny_bundle()
    save_model(tmp_path / "m.pt", bundle)
    loaded = load_model(tmp_path / "m.pt")
    assert loaded.codec.alphabet == "abc "
    assert loaded.metrics == {"val_cer": 0.1}
    assert loaded.model.config == bundle.model.config
    assert loaded.preprocess == bundle.preprocess
    assert len(loaded.version) == 12
    assert loaded.calibration is None  # raw confidences, as every file before calibrations
    images = torch.rand(1, 1, 32, 64)
    bundle.model.eval()
    assert torch.equal(loaded.model(images), bundle.model(images))


def test_a_foreign_file_is_refused(tmp_path):
    torch.save({"weights": torch.zeros(3)}, tmp_path / "other.pt")
    with pytest.raises(ModelFileError, match="not a htr-crnn-ctc model file"):
        load_model(tmp_path / "other.pt")


def test_a_corrupt_file_is_refused(tmp_path):
    (tmp_path / "broken.pt").write_bytes(b"not a zip at all")
    with pytest.raises(ModelFileError, match="not a readable model file"):
        load_model(tmp_path / "broken.pt")


def test_a_newer_format_is_refused(tmp_path):
    save_model(tmp_path / "m.pt", tiny_bundle(), extra={"format_version": 99})
    with pytest.raises(ModelFileError, match="format version 99"):
        load_model(tmp_path / "m.pt")


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        load_model(tmp_path / "absent.pt")


def test_models_of_other_architectures_are_not_averaged(tmp_path):
    save_model(tmp_path / "a.pt", tiny_bundle())
    codec = Codec("abc ")
    other = CRNN(CRNNConfig(num_classes=codec.num_classes, channels=[4, 8, 8, 8], lstm_hidden=16))
    save_model(tmp_path / "b.pt", ModelBundle(model=other, codec=codec, preprocess=PreprocessConfig()))
    with pytest.raises(ModelFileError, match="cannot average"):
        average_models([tmp_path / "a.pt", tmp_path / "b.pt"])


def test_a_calibration_travels_with_the_model(tmp_path):
    bundle = tiny_bundle()
    bundle.calibration = Calibration(((0.0, 0.0), (0.9, 0.8), (1.0, 0.98)))
    save_model(tmp_path / "m.pt", bundle, half=True)
    assert load_model(tmp_path / "m.pt").calibration == bundle.calibration
