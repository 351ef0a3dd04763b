import pytest
import torch

from ml.calibration import Calibration
from ml.codec import Codec
from ml.model import CRNN, CRNNConfig
from ml.model_file import ModelBundle, ModelFileError, average_models, load_model, main, save_model
from ml.preprocess import PreprocessConfig


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


def test_averaged_weights_are_the_mean_of_the_files(tmp_path):
    first, second = tiny_bundle(), tiny_bundle()
    save_model(tmp_path / "a.pt", first)
    save_model(tmp_path / "b.pt", second)

    main([str(tmp_path / "a.pt"), str(tmp_path / "b.pt"), str(tmp_path / "mean.pt")])

    mean = load_model(tmp_path / "mean.pt")
    expected = (first.model.state_dict()["lstm.weight_hh_l0"] + second.model.state_dict()["lstm.weight_hh_l0"]) / 2
    assert torch.allclose(mean.model.state_dict()["lstm.weight_hh_l0"], expected, atol=1e-3)  # stored as float16
    assert mean.codec.alphabet == "abc "
    assert mean.metrics == {}
    assert mean.training["averaged"] == [load_model(tmp_path / "a.pt").version, load_model(tmp_path / "b.pt").version]


def test_models_of_other_architectures_are_not_averaged(tmp_path):
    save_model(tmp_path / "a.pt", tiny_bundle())
    codec = Codec("abc ")
    other = CRNN(CRNNConfig(num_classes=codec.num_classes, channels=[4, 8, 8, 8], lstm_hidden=16))
    save_model(tmp_path / "b.pt", ModelBundle(model=other, codec=codec, preprocess=PreprocessConfig()))
    with pytest.raises(ModelFileError, match="cannot average"):
        average_models([tmp_path / "a.pt", tmp_path / "b.pt"])


def test_an_averaged_model_is_measured_on_the_validation_lines_given(tmp_path, text_line):
    import cv2

    val = tmp_path / "notes" / "val"
    val.mkdir(parents=True)
    for i, text in enumerate(["abc", "cab a"]):
        cv2.imwrite(str(val / f"l{i}.png"), text_line(text))
        (val / f"l{i}.gt.txt").write_text(text, encoding="utf-8")
    save_model(tmp_path / "a.pt", tiny_bundle())
    save_model(tmp_path / "b.pt", tiny_bundle())

    main([str(tmp_path / "a.pt"), str(tmp_path / "b.pt"), str(tmp_path / "mean.pt"),
          "--val", str(val), "--cache", str(tmp_path / "cache")])

    metrics = load_model(tmp_path / "mean.pt").metrics
    assert metrics["per_source"]["notes"]["lines"] == 2
    assert 0.0 <= metrics["val_cer"] == metrics["per_source"]["notes"]["cer"]


def test_a_calibration_travels_with_the_model(tmp_path):
    bundle = tiny_bundle()
    bundle.calibration = Calibration(((0.0, 0.0), (0.9, 0.8), (1.0, 0.98)))
    save_model(tmp_path / "m.pt", bundle, half=True)
    assert load_model(tmp_path / "m.pt").calibration == bundle.calibration
