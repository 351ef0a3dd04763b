"""Scoring a model on validation lines, as training selects its epochs (and ``python -m ml.evaluate``
reports, with more): the lines read, their CER and WER, per source and overall."""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import torch
from rapidfuzz.distance import Levenshtein

from ml.layout import LinePrediction
from ml.read.metrics import error_counts
from ml.read.model_file import ModelBundle
from ml.read.preprocess import PreprocessConfig, resize_to_height
from ml.read.recognizer import Recognizer
from ml.train.datasets import LineSample


@dataclass
class EvaluationReport:
    cer: float
    wer: float
    lines: int
    seconds: float
    per_source: dict = field(default_factory=dict)
    confusions: list = field(default_factory=list)
    marks: list = field(default_factory=list)  # ml.evaluate.unsure_marks.MarkFigures, when asked for

    @property
    def lines_per_second(self) -> float:
        return self.lines / max(self.seconds, 1e-9)

    def as_metrics(self) -> dict:
        """The figures a model file keeps of its validation."""
        return {"val_cer": self.cer, "val_wer": self.wer, "per_source": self.per_source}


def stored_inks(samples: list[LineSample], preprocess: PreprocessConfig) -> list[np.ndarray]:
    return [resize_to_height(s.ink.astype(np.float32) / 255.0, preprocess) for s in samples]


def read_samples(bundle: ModelBundle, samples: list[LineSample], device: torch.device | str = "cpu",
                 batch_size: int = 32, beam_width: int = 0, widths: tuple[float, ...] = (1.0,),
                 cpu_bf16: str = "auto", language: str | None = None) -> tuple[Recognizer, list[LinePrediction], float]:
    """The recognizer, its readings of ``samples`` and the seconds they took; the model is left
    in training mode if it was in it."""
    was_training = bundle.model.training
    recognizer = Recognizer(bundle, device, widths, cpu_bf16=cpu_bf16)
    inks = stored_inks(samples, bundle.preprocess)
    if beam_width > 1:
        recognizer.decoder(beam_width, language)  # loading the language model is not reading
    started = time.perf_counter()
    predictions = recognizer.recognize_inks(inks, batch_size=batch_size, beam_width=beam_width, language=language)
    seconds = time.perf_counter() - started
    bundle.model.train(was_training)
    return recognizer, predictions, seconds


def scored(samples: list[LineSample], predictions: list[LinePrediction], seconds: float) -> EvaluationReport:
    hypotheses = [p.text for p in predictions]
    references = [s.text for s in samples]
    per_source = {}
    for source in sorted({s.source for s in samples}):
        idx = [i for i, s in enumerate(samples) if s.source == source]
        counts = error_counts([references[i] for i in idx], [hypotheses[i] for i in idx])
        per_source[source] = _rates(counts) | {"lines": len(idx)}
    overall = _rates(error_counts(references, hypotheses))
    return EvaluationReport(overall["cer"], overall["wer"], len(samples), seconds, per_source,
                            confusions(references, hypotheses))


def validate(bundle: ModelBundle, samples: list[LineSample], device: torch.device | str = "cpu",
             cpu_bf16: str = "auto") -> EvaluationReport:
    """The model's figures on validation lines, read greedily, as training measures each epoch."""
    _, predictions, seconds = read_samples(bundle, samples, device, cpu_bf16=cpu_bf16)
    return scored(samples, predictions, seconds)


def _rates(counts: dict[str, int]) -> dict[str, float]:
    return {"cer": counts["char_errors"] / max(counts["chars"], 1),
            "wer": counts["word_errors"] / max(counts["words"], 1)}


def confusions(references: list[str], hypotheses: list[str], top: int = 15) -> list[tuple[str, str, int]]:
    """Most frequent (expected, read) pairs; '' stands for a missing or extra character."""
    counter: Counter = Counter()
    for ref, hyp in zip(references, hypotheses):
        for op, i, j in Levenshtein.editops(ref, hyp):
            if op == "replace":
                counter[(ref[i], hyp[j])] += 1
            elif op == "delete":
                counter[(ref[i], "")] += 1
            else:
                counter[("", hyp[j])] += 1
    return [(a, b, n) for (a, b), n in counter.most_common(top)]
