"""How the CTC decoders compare on the shipped model's posteriors (docs/decoding.md).

    python -m ml.evaluate.recognition.decoding posteriors        # once: the network's posteriors, to cache/
    python -m ml.evaluate.recognition.decoding tune --beams 8 12 16 --weights 1 2 --blank-penalties 0 2
    python -m ml.evaluate.recognition.decoding table             # CER and decoding time on every val

The network runs once per line; the decoders are then tried on its cached log-posteriors. The
tuning lines (ml.read.char_lm.TUNING_PAGES) are `train` pages that neither the shipped model nor
the language models saw; `val` is only measured.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from ml.read.ctc import greedy_decode
from ml.train.datasets import page_samples, load_cached
from ml.train.validation import stored_inks
from ml.read.metrics import error_counts
from ml.read.char_lm import TUNING_PAGES
from ml.read.lm_decoder import (
    DEFAULT_BEAM,
    DEFAULT_BLANK_PENALTY,
    DEFAULT_LM_WEIGHT,
    LmDecoder,
    language_model_path,
)
from ml.read.recognizer import DEFAULT_MODEL_PATH, Recognizer, _posterior_rows

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
CACHE = Path("cache")
VAL = {"hooker": "en", "copiste": "fr", "cremma": "fr", "mss19": "fr", "peraire": "fr"}


def tuning_samples() -> list:
    samples = []
    for pattern in TUNING_PAGES:
        for xml in sorted(DATA.glob(pattern)):
            samples += page_samples(xml, "tuning")
    return samples


def posteriors(names: list[str]) -> None:
    recognizer = Recognizer.load(DEFAULT_MODEL_PATH, device="cpu")
    for name in names:
        samples = tuning_samples() if name == "tuning" else load_cached(DATA / name / "val", CACHE)
        inks = stored_inks(samples, recognizer.bundle.preprocess)
        started = time.perf_counter()
        rows = recognizer._in_width_batches(inks, 32, _posterior_rows)
        seconds = time.perf_counter() - started
        np.savez(CACHE / f"posteriors-{name}.npz", log_probs=np.concatenate(rows),
                 lengths=np.array([len(r) for r in rows]), texts=np.array([s.text for s in samples]),
                 network_seconds=seconds)
        print(f"{name}: {len(samples)} lines, network {len(samples) / seconds:.1f} lines/s", flush=True)


def load(name: str) -> tuple[list[np.ndarray], list[str], float]:
    data = np.load(CACHE / f"posteriors-{name}.npz")
    rows = np.split(data["log_probs"], np.cumsum(data["lengths"])[:-1])
    return rows, data["texts"].tolist(), float(data["network_seconds"])


def run(decode, rows: list[np.ndarray], texts: list[str]) -> tuple[float, float]:
    """CER and decoding seconds of ``decode(log_probs)`` on the cached lines: CPU seconds of this
    process, as the machine is shared (decoding runs on one thread)."""
    started = time.process_time()
    hypotheses = [decode(row) for row in rows]
    seconds = time.process_time() - started
    counts = error_counts(texts, hypotheses)
    return counts["char_errors"] / max(counts["chars"], 1), seconds


def decoders(alphabet: str, language: str, beam: int, lm_weight: float, blank_penalty: float) -> dict:
    lm = LmDecoder(alphabet, language_model_path(language), beam, lm_weight, blank_penalty)
    no_lm = LmDecoder(alphabet, None, beam)
    found = {
        "greedy": lambda r: greedy_decode(np.exp(r), alphabet).text,
        f"flashlight beam {beam}, no LM": lambda r: no_lm.decode(r).text,
        f"flashlight beam {beam} + {language} LM": lambda r: lm.decode(r).text,
    }
    try:  # measured, not shipped: PYTHONPATH=... where pyctcdecode was installed apart (it pins numpy < 2)
        from pyctcdecode import build_ctcdecoder
    except ImportError:
        return found
    pyctc = build_ctcdecoder([""] + list(alphabet))
    return found | {f"pyctcdecode beam {beam}, no LM": lambda r: pyctc.decode(r, beam_width=beam)}


def tune(args: argparse.Namespace) -> None:
    alphabet = Recognizer.load(DEFAULT_MODEL_PATH, device="cpu").bundle.codec.alphabet
    rows, texts, _ = load("tuning")
    base, _ = run(lambda r: greedy_decode(np.exp(r), alphabet).text, rows, texts)
    print(f"tuning lines {len(rows)}: greedy CER {100 * base:.2f}")
    lm = None if args.lm == "none" else Path(args.lm) if args.lm else language_model_path("fr")
    for beam in args.beams:
        for weight in args.weights:
            for penalty in args.blank_penalties:
                decoder = LmDecoder(alphabet, lm, beam, weight, penalty)
                cer, seconds = run(lambda r: decoder.decode(r).text, rows, texts)
                print(f"beam {beam:>3} LM weight {weight:.2f} blank penalty {penalty:.2f}: CER {100 * cer:.2f}"
                      f"  {1000 * seconds / len(rows):.1f} ms a line decoding (CPU)", flush=True)


def table(args: argparse.Namespace) -> None:
    """CER, and lines/s as the network's time per line (its share of the posteriors step, whole
    machine) plus the decoder's CPU time (one thread)."""
    alphabet = Recognizer.load(DEFAULT_MODEL_PATH, device="cpu").bundle.codec.alphabet
    print(f"{'data':<9}{'decoder':<32}{'CER %':>7}{'decoding ms/line':>18}")
    for name in args.sets:
        rows, texts, _ = load(name)
        language = VAL.get(name, "fr")
        for label, decode in decoders(alphabet, language, args.beam, args.weight, args.blank_penalty).items():
            cer, seconds = run(decode, rows, texts)
            print(f"{name:<9}{label:<32}{100 * cer:>7.2f}{1000 * seconds / len(rows):>18.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=["posteriors", "tune", "table"])
    parser.add_argument("--sets", nargs="+", default=[*VAL, "tuning"], help="the line sets (tuning: TUNING_PAGES)")
    parser.add_argument("--lm", help="tune: this ARPA file (none: no language model), not the shipped French one")
    parser.add_argument("--beams", type=int, nargs="+", default=[DEFAULT_BEAM])
    parser.add_argument("--weights", type=float, nargs="+", default=[DEFAULT_LM_WEIGHT])
    parser.add_argument("--blank-penalties", type=float, nargs="+", default=[DEFAULT_BLANK_PENALTY])
    parser.add_argument("--beam", type=int, default=DEFAULT_BEAM)
    parser.add_argument("--weight", type=float, default=DEFAULT_LM_WEIGHT)
    parser.add_argument("--blank-penalty", type=float, default=DEFAULT_BLANK_PENALTY)
    args = parser.parse_args()
    {"posteriors": lambda _: posteriors(args.sets), "tune": tune, "table": table}[args.step](args)


if __name__ == "__main__":
    main()
