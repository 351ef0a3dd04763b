import numpy as np
import pytest
import torch

from ml.read.codec import Codec
from ml.read.crnn import CRNN, CRNNConfig
from ml.read.metrics import cer
from ml.read.model_file import ModelBundle, load_model, load_payload, save_model
from ml.read.preprocess import PreprocessConfig
from ml.read.recognizer import Recognizer
from ml.train.config import TrainConfig, TrainingError
from ml.train.datasets import LineDataset, LineSample, _store, collate
from ml.train.loop import build_bundle, ctc_step, epochs_that_fit, main, parse_args, seed_everything, train
from ml.train.packed_lines import pack

TEXTS = ["5 mg", "take 2", "amoxicillin"]
BASE_CODEC = Codec("abc ")


def saved_tiny_model(tmp_path, *train_args: str):
    """A tiny model saved as base.pt, and the ml.train.loop arguments that fine-tune it."""
    model = CRNN(CRNNConfig(num_classes=BASE_CODEC.num_classes, channels=[4, 8, 8, 8], lstm_hidden=8)).eval()
    save_model(tmp_path / "base.pt", ModelBundle(model=model, codec=BASE_CODEC, preprocess=PreprocessConfig()))
    args = parse_args(["--train", "x", "--val", "y", "--out", str(tmp_path / "run"),
                       "--init", str(tmp_path / "base.pt"), *train_args])
    return model, args


@pytest.mark.slow
def test_tiny_model_learns_three_lines_to_zero_cer(text_line):
    seed_everything(0)
    samples = [LineSample(_store(text_line(text)), text, "synthetic") for text in TEXTS]
    codec = Codec.from_texts(TEXTS)
    preprocess = PreprocessConfig()
    model = CRNN(CRNNConfig(num_classes=codec.num_classes, channels=[8, 16, 32, 32], lstm_hidden=32, dropout=0.0))
    batch = collate([LineDataset(samples, codec, preprocess)[i] for i in range(3)])
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    criterion = torch.nn.CTCLoss(zero_infinity=True)
    recognizer = Recognizer(ModelBundle(model=model, codec=codec, preprocess=preprocess), "cpu")
    images = [text_line(text) for text in TEXTS]
    for step in range(400):
        model.train()
        loss = ctc_step(model, batch, torch.device("cpu"), criterion)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 50 == 49 and cer(TEXTS, [p.text for p in recognizer.recognize(images, beam_width=0)]) == 0:
            break
    assert [p.text for p in recognizer.recognize(images, beam_width=0)] == TEXTS


def test_fine_tuning_with_new_characters_keeps_what_the_model_knew(tmp_path, text_line):
    seed_everything(0)
    _, args = saved_tiny_model(tmp_path)
    new_lines = [LineSample(_store(text_line("µg")), "5 µg", "prescriptions")]

    bundle, _ = build_bundle(args, new_lines)

    assert bundle.codec.alphabet.startswith("abc ")
    assert set(bundle.codec.alphabet) == set("abc 5µg")
    images = torch.rand(1, 1, 32, 64)
    old, new = load_model(tmp_path / "base.pt").model(images), bundle.model.eval()(images)
    # The old classes keep their scores; only the normalization over the wider output changes.
    old_logits = old - old.logsumexp(-1, keepdim=True)
    new_old_part = new[..., : BASE_CODEC.num_classes]
    assert torch.allclose(new_old_part - new_old_part.logsumexp(-1, keepdim=True), old_logits, atol=1e-5)


def test_fine_tuning_at_a_finer_frame_rate_keeps_every_weight(tmp_path):
    model, args = saved_tiny_model(tmp_path, "--pools", "2x2 2x1 2x1 1x1")

    bundle, _ = build_bundle(args, [LineSample(torch.zeros(48, 64).numpy(), "abc", "x")])

    assert bundle.model.config.width_reduction == 2
    assert bundle.model.eval()(torch.rand(1, 1, 32, 64)).shape[0] == 32
    for key, value in model.state_dict().items():
        assert torch.equal(bundle.model.state_dict()[key], value), key


def test_fine_tuning_at_another_dropout_keeps_every_weight_and_saves_the_rate(tmp_path):
    model, args = saved_tiny_model(tmp_path, "--dropout", "0.4")

    bundle, _ = build_bundle(args, [LineSample(torch.zeros(48, 64).numpy(), "abc", "x")])

    assert bundle.model.config.dropout == 0.4 and bundle.model.lstm.dropout == 0.4
    for key, value in model.state_dict().items():
        assert torch.equal(bundle.model.state_dict()[key], value), key
    save_model(tmp_path / "dropout.pt", bundle)
    assert load_model(tmp_path / "dropout.pt").model.config.dropout == 0.4


def test_fine_tuning_on_taller_lines_keeps_every_weight_when_the_rows_read_stay_the_same(tmp_path, text_line):
    model, args = saved_tiny_model(tmp_path, "--height", "48", "--pools", "2x2 2x2 3x1 1x1")

    bundle, _ = build_bundle(args, [LineSample(_store(text_line("abc")), "abc", "synthetic")])

    assert bundle.model.config.height == bundle.preprocess.height == 48
    for key, value in model.state_dict().items():
        assert torch.equal(bundle.model.state_dict()[key], value), key
    save_model(tmp_path / "tall.pt", bundle)
    (reading,) = Recognizer(load_model(tmp_path / "tall.pt"), "cpu").recognize([text_line("abc")])
    assert len(reading.confidences) == len(reading.text)


def test_the_rows_an_existing_model_reads_may_not_change(tmp_path):
    _, args = saved_tiny_model(tmp_path, "--pools", "2x2 2x1 1x1 1x1")
    with pytest.raises(TrainingError, match="keep the 4 rows .* gives 8"):
        build_bundle(args, [])
    _, args = saved_tiny_model(tmp_path, "--height", "48")
    with pytest.raises(TrainingError, match="keep the 4 rows .* 48 px with these pools gives 6"):
        build_bundle(args, [])
    _, args = saved_tiny_model(tmp_path, "--height", "36")
    with pytest.raises(TrainingError, match="not divisible"):
        build_bundle(args, [])


def test_augment_share_sets_how_many_lines_are_distorted(text_line):
    samples = [LineSample(_store(text_line(TEXTS[i % 3])), TEXTS[i % 3], "synthetic") for i in range(40)]
    codec, preprocess = Codec.from_texts(TEXTS), PreprocessConfig()
    plain = LineDataset(samples, codec, preprocess)

    def distorted(share: float) -> int:
        dataset = LineDataset(samples, codec, preprocess, augment=True, augment_share=share)
        return sum(not np.array_equal(dataset[i][0], plain[i][0]) for i in range(len(samples)))

    assert distorted(1.0) == len(samples)
    assert distorted(0.0) == 0
    assert 8 <= distorted(0.5) <= 32


def test_deslant_can_be_switched_on_when_fine_tuning_and_is_saved(tmp_path, text_line):
    _, args = saved_tiny_model(tmp_path, "--deslant")
    bundle, _ = build_bundle(args, [LineSample(_store(text_line("abc")), "abc", "synthetic")])
    assert bundle.preprocess.deslant
    save_model(tmp_path / "deslanted.pt", bundle)
    assert load_model(tmp_path / "deslanted.pt").preprocess.deslant


def new_model_args(tmp_path, *train_args: str):
    return parse_args(["--train", "x", "--val", "y", "--out", str(tmp_path / "run"), *train_args])


def test_a_new_model_takes_its_architecture_from_the_options_and_keeps_it_in_its_file(tmp_path, text_line):
    args = new_model_args(tmp_path, "--height", "48", "--channels", "8 8 8 8 8", "--pools", "2x2 2x1 2x1 2x1 1x1",
                          "--lstm-hidden", "16", "--lstm-layers", "3")
    bundle, _ = build_bundle(args, [LineSample(_store(text_line(text)), text, "synthetic") for text in TEXTS])

    config = bundle.model.config
    assert (config.height, config.channels, config.lstm_hidden, config.lstm_layers) == (48, [8] * 5, 16, 3)
    assert bundle.preprocess.height == 48
    save_model(tmp_path / "tall.pt", bundle)
    loaded = load_model(tmp_path / "tall.pt")
    assert loaded.model.config == config and loaded.preprocess.height == 48
    (reading,) = Recognizer(loaded, "cpu").recognize([text_line("take 2")])  # cut to 48 px high, read by 5 blocks
    assert len(reading.confidences) == len(reading.text)


def test_an_architecture_that_cannot_be_built_is_refused_with_the_reason(tmp_path):
    samples = [LineSample(np.zeros((32, 64), np.uint8), "abc", "x")]
    with pytest.raises(TrainingError, match="one pool per block"):
        build_bundle(new_model_args(tmp_path, "--channels", "8 8 8 8 8"), samples)
    with pytest.raises(TrainingError, match="not divisible"):
        build_bundle(new_model_args(tmp_path, "--height", "36"), samples)


def test_a_model_grown_from_init_keeps_every_weight_that_fits_and_starts_the_rest_fresh(tmp_path):
    model, args = saved_tiny_model(tmp_path, "--lstm-hidden", "12", "--lstm-layers", "3")

    bundle, _ = build_bundle(args, [])

    grown = bundle.model.state_dict()
    assert (bundle.model.config.lstm_hidden, bundle.model.config.lstm_layers) == (12, 3)
    kept = [key for key, value in model.state_dict().items() if grown[key].shape == value.shape]
    assert all(torch.equal(grown[key], model.state_dict()[key]) for key in kept)
    assert {key for key in grown if key.startswith("cnn.")} <= set(kept)
    assert not any(key.startswith("lstm.") for key in kept)  # wider units: the BiLSTM starts fresh
    assert "lstm.weight_ih_l2" in grown


def test_a_model_grown_to_a_wider_bilstm_reads_exactly_as_before_and_its_new_units_can_learn(tmp_path):
    model, args = saved_tiny_model(tmp_path, "--lstm-hidden", "12")

    bundle, _ = build_bundle(args, [])

    grown = bundle.model.eval()
    images = torch.rand(3, 1, 32, 48)
    assert torch.allclose(grown(images), model(images), atol=1e-5)
    grown.train()
    grown(images).sum().backward()
    added_units = grown.head.weight.grad[:, 8:12]  # the forward direction's added units, read by the head
    assert added_units.abs().sum() > 0


def test_a_model_that_cannot_be_grown_is_refused_with_the_reason(tmp_path):
    _, args = saved_tiny_model(tmp_path, "--channels", "4 8 8 16 16")
    with pytest.raises(TrainingError, match="5 conv blocks but 4 pools"):
        build_bundle(args, [])


def test_the_epochs_that_fit_a_time_budget_are_counted_at_the_first_epochs_pace():
    assert epochs_that_fit(600, 35, most=100) == 17
    assert epochs_that_fit(600, 5, most=30) == 30  # --epochs caps it
    assert epochs_that_fit(600, 900, most=30) == 2  # never a schedule that ends inside the first epoch


@pytest.mark.slow
def test_a_run_fitted_to_its_time_ends_on_schedule_with_the_rate_annealed(tmp_path, text_line):
    pack([LineSample(_store(text_line(text)), text, "synthetic") for text in TEXTS * 2], tmp_path / "lines.lines.npz")
    lines = str(tmp_path / "lines.lines.npz")
    # A budget shorter than any epoch: the schedule is fitted to the fewest epochs, two.
    train(parse_args(["--train", lines, "--val", lines, "--out", str(tmp_path / "run"), "--epochs", "9",
                      "--fit-minutes", "0.00001", "--workers", "0", "--batch-size", "1", "--lr", "1e-3",
                      "--channels", "4 8 8 8", "--lstm-hidden", "8"]))

    state = load_payload(tmp_path / "run" / "last.pt")
    assert state["epochs"] == 2 and len(state["history"]) == 2
    assert state["scheduler"]["last_epoch"] == state["scheduler"]["total_steps"]
    assert state["optimizer"]["param_groups"][0]["lr"] < 1e-3 / 20  # one step past the end of 12: near its floor


@pytest.mark.slow
def test_every_epochs_model_can_be_kept_to_average_them(tmp_path, text_line):
    pack([LineSample(_store(text_line(text)), text, "synthetic") for text in TEXTS * 2], tmp_path / "lines.lines.npz")
    lines = str(tmp_path / "lines.lines.npz")
    train(parse_args(["--train", lines, "--val", lines, "--out", str(tmp_path / "run"), "--epochs", "2",
                      "--keep-epochs", "--workers", "0", "--batch-size", "1", "--channels", "4 8 8 8",
                      "--lstm-hidden", "8"]))

    first, second = (load_model(tmp_path / "run" / f"epoch{n}.pt") for n in (1, 2))
    assert first.training["epochs"] == 1 and second.training["epochs"] == 2
    assert first.metrics["epoch"] == 1 and second.metrics["epoch"] == 2  # each file's own figures
    assert not torch.equal(first.model.state_dict()["lstm.weight_hh_l0"], second.model.state_dict()["lstm.weight_hh_l0"])


def test_a_training_set_with_no_usable_line_is_refused_with_the_reason(tmp_path, text_line):
    pack([LineSample(_store(text_line("xyz")), "xyz", "synthetic")], tmp_path / "lines.lines.npz")
    lines = str(tmp_path / "lines.lines.npz")
    with pytest.raises(TrainingError, match="no training lines left"):
        train(parse_args(["--train", lines, "--val", lines, "--out", str(tmp_path / "run"), "--workers", "0",
                          "--channels", "4 8 8 8", "--lstm-hidden", "8"]))


def test_the_command_line_gives_the_config_a_caller_would(tmp_path):
    assert parse_args(["--train", "a", "b", "--val", "c", "--out", str(tmp_path), "--pools", "2x2 2x1", "--epochs", "3"]) \
        == TrainConfig(train=["a", "b"], val=["c"], out=tmp_path, pools=[(2, 2), (2, 1)], epochs=3)


def test_a_run_that_cannot_train_raises_and_the_command_exits_with_the_reason(tmp_path, text_line, capsys):
    pack([LineSample(_store(text_line("xyz")), "xyz", "synthetic")], tmp_path / "lines.lines.npz")
    lines = str(tmp_path / "lines.lines.npz")
    config = TrainConfig(train=[lines], val=[lines], out=tmp_path / "run", workers=0, channels=[4, 8, 8, 8], lstm_hidden=8)
    with pytest.raises(TrainingError, match="no training lines left"):
        train(config)
    with pytest.raises(SystemExit) as exit:
        main(["--train", lines, "--val", lines, "--out", str(tmp_path / "run"), "--workers", "0",
              "--channels", "4 8 8 8", "--lstm-hidden", "8"])
    assert exit.value.code == 1
    assert "error: no training lines left" in capsys.readouterr().err
