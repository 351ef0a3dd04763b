"""Adapting a model to one hand from a few corrected lines (ml.train.adapt)."""
import numpy as np
import pytest
import torch

from ml.read.codec import Codec
from ml.read.crnn import CRNN, CRNNConfig
from ml.read.model_file import ModelBundle
from ml.read.preprocess import PreprocessConfig
from ml.train.adapt import AdaptConfig, adapt
from ml.train.config import TrainingError
from ml.train.datasets import LineSample, _store
from ml.train.loop import seed_everything
from ml.train.validation import validate

@pytest.fixture(autouse=True)
def one_thread():
    """A tiny network's steps run many times slower on two threads when the cores are busy."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


WORDS = ["cab", "bad", "dab", "ace", "bead", "face", "deaf", "fade", "cafe", "bed"]


def lines_of_a_hand(text_line, count: int, seed: int) -> list[LineSample]:
    """Lines of two or three words, drawn in one script-like font: one 'hand'."""
    rng = np.random.default_rng(seed)
    texts = [" ".join(rng.choice(WORDS, size=rng.integers(2, 4))) for _ in range(count)]
    return [LineSample(_store(text_line(text)), text, "hand") for text in texts]


def tiny_base(alphabet: str = "abcdef ") -> ModelBundle:
    seed_everything(0)
    codec = Codec(alphabet)
    model = CRNN(CRNNConfig(num_classes=codec.num_classes, channels=[8, 16, 32, 32], lstm_hidden=32, dropout=0.0))
    return ModelBundle(model=model.eval(), codec=codec, preprocess=PreprocessConfig())


@pytest.mark.slow
def test_adapting_on_a_few_lines_of_a_hand_reads_its_other_lines_better(text_line):
    base = tiny_base()
    corrected, held_out = lines_of_a_hand(text_line, 16, seed=1), lines_of_a_hand(text_line, 4, seed=2)
    others = lines_of_a_hand(text_line, 12, seed=3)
    config = AdaptConfig(lr=3e-3, cnn_lr_scale=1.0, max_steps=300, batch_size=8, eval_every=50, patience=100,
                         time_budget_s=0, augment_share=0.0, freeze_batchnorm=False)

    adapted = adapt(base, corrected, held_out, config)

    before, after = validate(base, others).cer, validate(adapted.bundle, others).cer
    assert after < before - 0.3, (before, after)
    assert adapted.cer_after < adapted.cer_before and adapted.best_step > 0


def scripted_readings(monkeypatch, cers: list[float]) -> list[dict]:
    """Held-out CERs read from ``cers`` in turn; returns the weights the model had at each reading."""
    weights, script = [], iter(cers)

    def held_out_cer(bundle, held_out, config):
        weights.append({key: value.clone() for key, value in bundle.model.state_dict().items()})
        return next(script)
    monkeypatch.setattr("ml.train.adapt._held_out_cer", held_out_cer)
    return weights


def test_the_step_that_read_the_held_out_lines_best_is_kept_not_the_last(text_line, monkeypatch):
    weights = scripted_readings(monkeypatch, [0.5, 0.4, 0.3, 0.35, 0.45])
    lines = lines_of_a_hand(text_line, 6, seed=1)
    config = AdaptConfig(lr=1e-2, max_steps=8, eval_every=2, patience=10, batch_size=4, time_budget_s=0)

    adapted = adapt(tiny_base(), lines[:4], lines[4:], config)

    assert (adapted.best_step, adapted.steps, adapted.cer_before, adapted.cer_after) == (4, 8, 0.5, 0.3)
    for key, value in adapted.bundle.model.state_dict().items():
        assert torch.equal(value, weights[2][key]), key
    assert not torch.equal(weights[2]["head.weight"], weights[4]["head.weight"])


def test_a_run_that_only_reads_worse_hands_back_the_base_weights(text_line, monkeypatch):
    scripted_readings(monkeypatch, [0.5, 0.6, 0.7, 0.9])
    base = tiny_base()
    lines = lines_of_a_hand(text_line, 6, seed=1)
    config = AdaptConfig(lr=1e-2, max_steps=100, eval_every=2, patience=3, batch_size=4, time_budget_s=0)

    adapted = adapt(base, lines[:4], lines[4:], config)

    assert (adapted.best_step, adapted.steps, adapted.cer_after) == (0, 6, 0.5)  # stopped after 3 worse readings
    for key, value in base.model.state_dict().items():
        assert torch.equal(adapted.bundle.model.state_dict()[key], value), key
    assert adapted.bundle.model is not base.model


def test_new_characters_of_the_corrected_lines_widen_the_alphabet(text_line):
    base = tiny_base("abc ")
    lines = [LineSample(_store(text_line(text)), text, "hand") for text in ("bad cab", "fade", "cab")]

    adapted = adapt(base, lines[:2], lines[2:], AdaptConfig(max_steps=1, eval_every=1, time_budget_s=0))

    assert set(adapted.bundle.codec.alphabet) == set("abcdef ")
    assert adapted.bundle.model.head.out_features == adapted.bundle.codec.num_classes
    assert base.codec.alphabet == "abc "


def test_progress_is_reported_each_step_with_the_time_left(text_line):
    lines = lines_of_a_hand(text_line, 5, seed=1)
    seen = []

    adapt(tiny_base(), lines[:4], lines[4:], AdaptConfig(max_steps=3, eval_every=10, time_budget_s=0),
          on_step=seen.append)

    assert [(p.step, p.total) for p in seen] == [(1, 3), (2, 3), (3, 3)]
    assert seen[-1].eta == 0 and all(p.eta >= 0 and p.elapsed > 0 for p in seen)


def test_the_time_budget_stops_a_run(text_line):
    lines = lines_of_a_hand(text_line, 5, seed=1)

    adapted = adapt(tiny_base(), lines[:4], lines[4:], AdaptConfig(max_steps=10_000, time_budget_s=0.5))

    assert adapted.steps < 10_000


def test_the_recurrent_layers_alone_leave_the_cnn_as_it_was(text_line):
    lines = lines_of_a_hand(text_line, 5, seed=1)
    base = tiny_base()
    config = AdaptConfig(layers="recurrent", lr=1e-2, max_steps=5, eval_every=5, patience=1, time_budget_s=0,
                         freeze_batchnorm=False)

    adapted = adapt(base, lines[:4], lines[4:], config)

    for key, value in base.model.cnn.state_dict().items():
        if "running" not in key and "num_batches" not in key:
            assert torch.equal(adapted.bundle.model.cnn.state_dict()[key], value), key


def test_a_run_with_nothing_held_out_is_refused(text_line):
    with pytest.raises(TrainingError, match="held-out"):
        adapt(tiny_base(), lines_of_a_hand(text_line, 3, seed=1), [], AdaptConfig())
