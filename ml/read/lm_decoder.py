"""CTC beam search in compiled code (flashlight-text's lexicon-free decoder), with or without a
character language model (KenLM reading the ARPA files of ``ml.read.char_lm``).

The decoder works over the network's own alphabet, one language-model token per character and
``|`` for the space, so words that no list has can still be read. Characters keep the meaning of
their confidence that greedy decoding gives them: the highest posterior over the frames that the
chosen text's alignment gives them (``ml.read.ctc``).
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from flashlight.lib.text.decoder import (
    CriterionType,
    LexiconFreeDecoder,
    LexiconFreeDecoderOptions,
    ZeroLM,
)
from flashlight.lib.text.decoder.kenlm import KenLM
from flashlight.lib.text.dictionary import Dictionary

from ml.read.ctc import BLANK, align, best_path_decode
from ml.layout import LinePrediction
from ml.read.char_lm import arpa_token

LM_DIR = Path(__file__).resolve().parent.parent / "pretrained" / "lm"
# Chosen on the tuning pages (ml.read.char_lm.TUNING_PAGES; docs/decoding.md).
DEFAULT_BEAM = 12
DEFAULT_LM_WEIGHT = 2.0
DEFAULT_BLANK_PENALTY = 2.0


def language_model_path(language: str | None, folder: Path = LM_DIR) -> Path | None:
    """The shipped character model of ``language`` (an ISO 639-1 code), None for None."""
    if language is None:
        return None
    path = folder / f"{language}.arpa.gz"
    if not path.is_file():
        known = sorted(p.name.split(".")[0] for p in folder.glob("*.arpa.gz"))
        raise ValueError(f"no language model for {language!r}; there are: {', '.join(known) or 'none'}")
    return path


class LmDecoder:
    """Decodes one line's log-posteriors [T, C] (label 0 the blank, label i the alphabet's
    character i - 1) into a LinePrediction."""

    def __init__(self, alphabet: str, lm_path: str | Path | None = None, beam: int = DEFAULT_BEAM,
                 lm_weight: float = DEFAULT_LM_WEIGHT, blank_penalty: float = DEFAULT_BLANK_PENALTY,
                 beam_threshold: float = 25.0) -> None:
        self.alphabet = alphabet
        space = alphabet.find(" ") + 1  # flashlight pads the path with this token; 0 (the blank) without a space
        tokens = ["<blank>"] + [arpa_token(c) for c in alphabet]
        if lm_path is None:
            lm, lm_weight, blank_penalty = ZeroLM(), 0.0, 0.0
        else:
            # KenLM reads the ARPA file through zlib; each token is looked up in its vocabulary.
            with _quiet_stderr():  # KenLM draws a progress bar there; its errors still raise
                lm = KenLM(str(lm_path), Dictionary(tokens))
        # Taken off the blank's log-posterior on every frame: it pays for the language model's cost
        # of each character, which would otherwise favour dropping characters (without a language
        # model it only hurts).
        self.blank_penalty = blank_penalty
        self._lm = lm  # the decoder keeps a reference only; this keeps the model alive
        options = LexiconFreeDecoderOptions(
            beam_size=beam, beam_size_token=min(beam, len(tokens)), beam_threshold=beam_threshold,
            lm_weight=lm_weight, sil_score=0.0, log_add=True, criterion_type=CriterionType.CTC)
        self._decoder = LexiconFreeDecoder(options, lm, space, BLANK, [])

    def decode(self, log_probs: np.ndarray) -> LinePrediction:
        if log_probs.shape[0] == 0:
            return LinePrediction("", [], [])
        emissions = np.array(log_probs, dtype=np.float32)  # a contiguous copy, which the penalty changes
        frames, classes = emissions.shape
        emissions[:, BLANK] -= self.blank_penalty
        path = np.array(self._decoder.decode(emissions.ctypes.data, frames, classes)[0].tokens[1:-1])
        probs = np.exp(log_probs)
        best = probs.argmax(axis=1)
        labels = _collapsed(path)
        if np.array_equal(labels, _collapsed(best)):
            # The best path is the best alignment of its own text (most lines): no need to search for it.
            return best_path_decode(best, probs[np.arange(frames), best], self.alphabet)
        return align(probs, labels.tolist(), self.alphabet)


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _collapsed(path: np.ndarray) -> np.ndarray:
    """The labels a CTC path spells: runs merged, blanks dropped."""
    labels = path[np.flatnonzero(np.diff(path, prepend=-1))]
    return labels[labels != BLANK]
