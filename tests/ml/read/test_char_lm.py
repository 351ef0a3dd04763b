import gzip
import math

import pytest

from ml.read.char_lm import kneser_ney, write_arpa

LINES = ["the cat sat on the mat", "the hat", "a cat ate the rat", "that man", "tea at ten"]


def probability(model, context: str, char: str) -> float:
    """p(char | context) as KenLM reads an ARPA model: the longest listed n-gram, with the
    backoffs of the shorter contexts on the way."""
    log = 0.0
    for start in range(len(context) + 1):
        history = context[start:]
        level = model[len(history)] if len(history) < len(model) else None
        if level is not None and history + char in level:
            return 10 ** (log + level[history + char][0])
        if history and history in model[len(history) - 1]:
            log += model[len(history) - 1][history][1]
    return 10 ** (log + model[0]["<unk>"][0])


def vocabulary(model):
    return [gram for gram in model[0] if gram not in ("\x02", "<unk>")] + ["<unk>"]


@pytest.mark.parametrize("prune", [1, 2])
def test_every_context_is_a_probability_distribution(prune):
    model = kneser_ney(LINES, order=4, prune=prune)
    contexts = {"\x02", "\x02t", "th", "the", " ca", "at ", "zq", ""}
    for context in contexts:
        total = sum(probability(model, context, char) for char in vocabulary(model) if char != "<unk>")
        total += probability(model, context, "<unk>") if "<unk>" in model[0] else 0.0
        assert total == pytest.approx(1.0, abs=1e-6), context


def test_seen_continuations_are_likelier_than_unseen():
    model = kneser_ney(LINES, order=4)
    assert probability(model, "th", "e") > probability(model, "th", "o")
    assert probability(model, "\x02th", "e") > 0.3


def test_pruning_leaves_out_rare_long_ngrams_only():
    full, pruned = kneser_ney(LINES, order=4), kneser_ney(LINES, order=4, prune=2)
    assert pruned[0].keys() == full[0].keys() and pruned[1].keys() == full[1].keys()
    assert "cat" in pruned[2] and "mat" not in pruned[2]
    assert len(pruned[3]) < len(full[3])


def test_arpa_file_lists_every_ngram_with_spaces_as_bars(tmp_path):
    model = kneser_ney(LINES, order=3)
    path = tmp_path / "lm.arpa.gz"
    write_arpa(model, path)
    text = gzip.open(path, "rt", encoding="utf-8").read()
    for n, level in enumerate(model, start=1):
        assert f"ngram {n}={len(level)}" in text
    assert "\tt h e\n" in text and "\t| c a\n" in text and "\t<s>\t" in text
    first = text.split("\\1-grams:\n")[1].splitlines()[0].split("\t")
    assert len(first) == 3 and math.isfinite(float(first[0]))
