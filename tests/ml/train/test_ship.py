"""The model file shipped from a run: one file slimmed, or several averaged and measured."""
import cv2
import torch

from ml.read.codec import Codec
from ml.read.crnn import CRNN, CRNNConfig
from ml.read.model_file import ModelBundle, load_model, save_model
from ml.read.preprocess import PreprocessConfig
from ml.train.ship import main


def tiny_bundle() -> ModelBundle:
    codec = Codec("abc ")
    model = CRNN(CRNNConfig(num_classes=codec.num_classes, channels=[4, 8, 8, 8], lstm_hidden=8))
    return ModelBundle(model=model, codec=codec, preprocess=PreprocessConfig(), metrics={"val_cer": 0.1})


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


def test_an_averaged_model_is_measured_on_the_validation_lines_given(tmp_path, text_line):
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
