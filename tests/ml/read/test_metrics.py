"""The paired bootstrap that says whether a fine-tuned model reads held-out lines surely better."""
from ml.read.metrics import share_better

TRUTH = ["take two tablets", "amoxicillin 500 mg", "three times a day", "for seven days"] * 5


def test_a_model_better_on_every_line_is_better_in_every_sample():
    before = [line.replace("a", "o") for line in TRUTH]
    assert share_better(TRUTH, before, TRUTH) == 1.0
    assert share_better(TRUTH, TRUTH, before) == 0.0


def test_the_same_readings_are_never_better():
    assert share_better(TRUTH, TRUTH, TRUTH) == 0.0


def test_a_gain_on_one_line_and_a_loss_on_another_is_not_sure():
    before, after = list(TRUTH), list(TRUTH)
    before[0] = "take tvvo tablets"  # two errors the new model fixes
    after[1] = "amoxicillin 50 mg"  # one it makes: fewer errors in all, but by chance
    share = share_better(TRUTH, before, after)
    assert 0.3 < share < 0.95
