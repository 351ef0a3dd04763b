"""How well the flags catch misread drug names and doses, on prescription lines drawn in handwriting fonts.

    scripts/fetch_fonts
    python -m ml.evaluate.prescriptions --fonts cache/fonts/heldout --thresholds 0 0.01 0.02 0.05 0.3 0.9
    python -m ml.evaluate.prescriptions --language en   # the English model, not the prescriptions'; --beam 0: greedy

Each line (a drug of ml/read/prescriptions/doses.py, one of its common doses, a frequency, sometimes
a form and a duration) is rendered in a font, read with the shipped recognizer as the platform reads
an English prescription (by default; calibrated confidences, as people are shown them) and flagged.
It reports:

- the share of lines read right that carry a flag (the cost of the flags), and their kinds;
- the share of the reader's own wrong drug names and wrong strengths that carry a flag on them;
- the share of known errors, injected into the drug names and strengths of lines read right, that
  carry a flag on them: with the confidence the model gave its own misread characters in this run
  ("as it errs"), and with the confidence of the character replaced ("confidently wrong": only the
  lexicon and the dose table can catch those);
- drug-name accuracy of the reading, and after snapping names not in the lexicon to the nearest one.
"""
from __future__ import annotations

import argparse
import difflib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.layout import LinePrediction
from ml.read.prescriptions.doses import USUAL_DOSES
from ml.read.prescriptions.flags import DEFAULT_THRESHOLD, Flag, flag_line
from ml.read.prescriptions.lexicon import DrugLexicon, normalize_name
from ml.read.prescriptions.parse import Part, parse_line
from ml.train.rendered_lines import Font, load_fonts, render

FREQUENCIES = ("od", "bd", "tds", "qds", "nocte", "prn", "mane", "once daily", "twice daily")
FORMS = ("", "", "tabs", "caps", "tablets")
DURATIONS = ("", "", "x 7 days", "for 5 days", "x 14 days", "for 3 days", "x 28 days")
# Letters a hand or a reader confuses; other letters are swapped for a random one.
LOOKALIKES = {"a": "o", "o": "a", "e": "c", "c": "e", "i": "l", "l": "i", "n": "m", "m": "n", "u": "v", "v": "u",
              "r": "n", "t": "f", "f": "t", "h": "b", "b": "h", "y": "g", "g": "y", "d": "cl", "s": "z", "z": "s"}


@dataclass
class Sample:
    text: str
    drug: str
    strength: str


@dataclass
class Reading:
    sample: Sample
    prediction: LinePrediction


def prescription_lines(rng: np.random.Generator, count: int) -> list[Sample]:
    """``count`` prescription lines of the drugs of the dose table, each at one of its common doses."""
    drugs = sorted(USUAL_DOSES)
    samples = []
    for i in range(count):
        drug = drugs[i % len(drugs)]
        usual = USUAL_DOSES[drug]
        strength = f"{usual.common[int(rng.integers(len(usual.common)))]:g}"
        space = " " if rng.random() < 0.7 else ""
        parts = [drug.capitalize(), f"{strength}{space}{usual.unit}", _pick(rng, FORMS), _pick(rng, FREQUENCIES),
                 _pick(rng, DURATIONS)]
        samples.append(Sample(" ".join(part for part in parts if part), drug, strength))
    return samples


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def rendered(samples: list[Sample], fonts: list[Font], rng: np.random.Generator) -> list[np.ndarray]:
    images = []
    for sample in samples:
        usable = [font for font in fonts if font.draws(sample.text)]
        images.append(np.asarray(render(sample.text, usable[int(rng.integers(len(usable)))], rng)))
    return images


def read_drug(text: str) -> Part | None:
    return parse_line(text).drug


def read_strength(text: str) -> Part | None:
    return parse_line(text).strength


def flagged_at(flags: list[Flag], part: Part | None) -> bool:
    """Whether a flag covers ``part``; a part the parser could not find counts if the line has any flag."""
    if part is None:
        return bool(flags)
    return any(flag.start < part.end and part.start < flag.end for flag in flags)


def misread_confidences(readings: list[Reading]) -> list[float]:
    """The confidences the model gave the characters it read wrong (replaced or inserted)."""
    found = []
    for reading in readings:
        text, confidences = reading.prediction.text, reading.prediction.confidences
        matcher = difflib.SequenceMatcher(None, reading.sample.text, text, autojunk=False)
        for tag, _, _, j1, j2 in matcher.get_opcodes():
            if tag in ("replace", "insert"):
                found += confidences[j1:j2]
    return found


def inject(text: str, confidences: list[float], part: Part, rng: np.random.Generator, digits: bool,
           error_confidences: list[float] | None) -> tuple[str, list[float]]:
    """``text`` with one edit inside ``part``; the changed character gets a confidence drawn from
    ``error_confidences``, or keeps the replaced one's when that is None."""
    while True:
        at = int(rng.integers(part.start, part.end))
        kind = _pick(rng, ("replace", "insert", "delete"))
        old = text[at]
        if kind == "delete" and part.end - part.start > 1 and old != ".":
            new_text, new_conf = text[:at] + text[at + 1 :], confidences[:at] + confidences[at + 1 :]
            if at < len(new_conf) and error_confidences:  # the character after absorbs the missed one
                new_conf[at] = float(rng.choice(error_confidences))
            return new_text, new_conf
        new = _replacement(old, rng, digits)
        if new is None:
            continue
        confidence = float(rng.choice(error_confidences)) if error_confidences else confidences[at]
        if kind == "insert":
            return text[:at] + new + text[at:], confidences[:at] + [confidence] * len(new) + confidences[at:]
        if new != old:
            return text[:at] + new + text[at + 1 :], confidences[:at] + [confidence] * len(new) + confidences[at + 1 :]


def _replacement(old: str, rng: np.random.Generator, digits: bool) -> str | None:
    if digits:
        return str(int(rng.integers(10))) if old.isdigit() or old == "." else None
    if not old.isalpha():
        return None
    if old.lower() in LOOKALIKES and rng.random() < 0.6:
        return LOOKALIKES[old.lower()]
    return chr(ord("a") + int(rng.integers(26)))


def share(hits: list[bool]) -> str:
    return f"{sum(hits) / len(hits):6.1%} of {len(hits):4d}" if hits else "    - of    0"


def report(readings: list[Reading], lexicon: DrugLexicon, threshold: float, rng: np.random.Generator) -> None:
    flags = [flag_line(r.prediction.text, r.prediction.confidences, lexicon, threshold) for r in readings]
    right = [f for r, f in zip(readings, flags) if r.prediction.text == r.sample.text]
    drugs = [read_drug(r.prediction.text) for r in readings]
    strengths = [read_strength(r.prediction.text) for r in readings]
    drug_right = [d is not None and normalize_name(d.value) == r.sample.drug for r, d in zip(readings, drugs)]
    strength_right = [s is not None and s.text == r.sample.strength for r, s in zip(readings, strengths)]
    print(f"threshold {threshold:.2f}: lines read right        {share([bool(f) for f in right])} flagged")
    kinds = Counter(kind for line_flags in right for kind in {flag.kind for flag in line_flags})
    print(f"  lines read right carrying each kind    {dict(kinds.most_common())}")
    print(f"  the reader's wrong drug names flagged  {share([flagged_at(f, d) for f, d, ok in zip(flags, drugs, drug_right) if not ok])}")
    print(f"  the reader's wrong strengths flagged   {share([flagged_at(f, s) for f, s, ok in zip(flags, strengths, strength_right) if not ok])}")
    errors = misread_confidences(readings)
    for label, pool in (("as it errs", errors), ("confidently wrong", None)):
        for what, parts, oks, digits in (("drug names", drugs, drug_right, False), ("strengths", strengths, strength_right, True)):
            hits = []
            for reading, part, ok in zip(readings, parts, oks):
                if not ok:
                    continue
                text, confidences = inject(reading.prediction.text, list(reading.prediction.confidences), part, rng,
                                           digits, pool)
                changed = read_drug(text) if not digits else read_strength(text)
                hits.append(flagged_at(flag_line(text, confidences, lexicon, threshold), changed))
            print(f"  injected wrong {what:10s} flagged ({label:17s}) {share(hits)}")


def snapped_accuracy(readings: list[Reading], lexicon: DrugLexicon) -> tuple[float, float]:
    """Drug-name accuracy of the readings, and after replacing a name not in the lexicon by the nearest."""
    raw, snapped = [], []
    for reading in readings:
        drug = read_drug(reading.prediction.text)
        name = normalize_name(drug.value) if drug else ""
        raw.append(name == reading.sample.drug)
        if drug and name not in lexicon:
            nearest = lexicon.nearest(name, limit=1)
            name = nearest[0].name if nearest else name
        snapped.append(name == reading.sample.drug)
    return sum(raw) / len(raw), sum(snapped) / len(snapped)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fonts", type=Path, default=Path("cache/fonts/heldout"))
    parser.add_argument("--count", type=int, default=960)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", type=Path, default=None, help="model file (default: the shipped one)")
    parser.add_argument("--thresholds", type=float, nargs="+", default=[DEFAULT_THRESHOLD])
    parser.add_argument("--language", default="en-rx",
                        help="character language model: en-rx (English prescriptions, the platform's), en, none")
    parser.add_argument("--beam", type=int, default=12, help="beam width; 0: greedy, no language model")
    args = parser.parse_args(argv)
    from ml.read.recognizer import Recognizer  # torch only when run

    rng = np.random.default_rng(args.seed)
    fonts = load_fonts(args.fonts)
    if not fonts:
        parser.error(f"no fonts in {args.fonts}: run scripts/fetch_fonts")
    samples = prescription_lines(rng, args.count)
    recognizer = Recognizer.load(args.model) if args.model else Recognizer.load()
    language = None if args.language == "none" else args.language
    predictions = recognizer.shown(recognizer.recognize(rendered(samples, fonts, rng), beam_width=args.beam,
                                                        language=language))
    readings = [Reading(s, p) for s, p in zip(samples, predictions)]
    lexicon = DrugLexicon.load()
    exact = sum(r.prediction.text == r.sample.text for r in readings)
    decoding = f"beam {args.beam}, language model {args.language}" if args.beam > 1 else "greedy"
    print(f"{len(readings)} lines in {len(fonts)} fonts from {args.fonts}, model {recognizer.info.name} "
          f"{recognizer.info.version}, {decoding}: {exact} read exactly right")
    for threshold in args.thresholds:
        report(readings, lexicon, threshold, np.random.default_rng(args.seed + 1))
    raw, snapped = snapped_accuracy(readings, lexicon)
    print(f"drug-name accuracy: reading {raw:.1%}, names not in the lexicon snapped to the nearest {snapped:.1%}")


if __name__ == "__main__":
    main()
