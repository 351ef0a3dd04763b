"""Character n-gram language models for CTC decoding, written as ARPA files that KenLM reads.

    python -m ml.read.char_lm --language en --out ml/pretrained/lm/en.arpa.gz ../shared/data/hooker/train
    python -m ml.read.char_lm --language fr --out ml/pretrained/lm/fr.arpa.gz \\
        ../shared/data/{copiste,cremma,mss19,peraire}/train
    python -m ml.read.char_lm --language en --prescriptions 2 --out ml/pretrained/lm/en-rx.arpa.gz \\
        ../shared/data/hooker/train

The model is interpolated modified Kneser-Ney (Chen & Goodman 1998, as KenLM's lmplz builds it)
over characters, one token per character and ``|`` for the space; each text line is a sentence.
Its text is the transcriptions of the folders given (their `train` splits: never `val`) and
lines of words drawn from the ``wordfreq`` list of the language by frequency, which carry the
spelling of words that no transcription has.
"""
from __future__ import annotations

import argparse
import gzip
import io
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from contextlib import nullcontext
from pathlib import Path

from ml.read.codec import normalize_text

SPACE = "|"  # the space's token: ARPA separates tokens by spaces
# Pages held out of the language models' text to tune the decoder on: `train` pages of collections
# the shipped model was not trained on either, so its posteriors there are as on unseen writing.
TUNING_PAGES = ("doniau/train/*.xml", "mss19/train/manuscrit-sand-fadette*.xml", "mss19/train/lettres-veuillot*.xml")
_BOS, _EOS = "\x02", "\x03"  # <s> and </s> while counting: one character each, so n-grams are substrings
_NAMES = {_BOS: "<s>", _EOS: "</s>", " ": SPACE}
_FALLBACK_DISCOUNTS = (0.5, 1.0, 1.5)  # lmplz's --discount_fallback, where counts of counts are too few


def arpa_token(char: str) -> str:
    return _NAMES.get(char, char)


def kneser_ney(lines: Iterable[str], order: int, prune: int = 1) -> list[dict[str, tuple[float, float]]]:
    """The model of ``lines``: for each order n (index n - 1), n-gram -> (log10 p, log10 backoff).

    An n-gram is a string of n characters (``\\x02`` and ``\\x03`` standing for <s> and </s>).
    With ``prune`` > 1 n-grams of order 3 and more seen fewer times are left out, and the backoffs
    renormalised so that each context's probabilities still sum to one.
    """
    if order < 1:
        raise ValueError("order must be at least 1")
    raw: list[Counter] = [Counter() for _ in range(order)]
    for line in lines:
        text = _BOS + line + _EOS
        for n in range(1, order + 1):
            raw[n - 1].update(text[i : i + n] for i in range(len(text) - n + 1))
    del raw[0][_BOS]  # <s> is a context, never predicted
    adjusted = _adjusted_counts(raw)
    vocabulary = len(adjusted[0]) + 1  # and <unk>
    probs: list[dict[str, float]] = []
    gammas: list[dict[str, float]] = []
    for n, counts in enumerate(adjusted, start=1):
        discounts = _discounts(counts)
        totals: dict[str, float] = defaultdict(float)
        kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for gram, count in counts.items():
            totals[gram[:-1]] += count
            kinds[gram[:-1]][min(count, 3) - 1] += 1
        gamma = {context: sum(d * k for d, k in zip(discounts, kinds[context])) / total
                 for context, total in totals.items()}
        lower = probs[-1] if probs else None
        level = {}
        for gram, count in counts.items():
            context = gram[:-1]
            backed = lower[gram[1:]] if lower is not None else 1.0 / vocabulary
            level[gram] = (count - discounts[min(count, 3) - 1]) / totals[context] + gamma[context] * backed
        probs.append(level)
        gammas.append(gamma)
    unknown = gammas[0].get("", 0.0) / vocabulary
    kept = [set(level) if n < 3 or prune <= 1 else {g for g in level if raw[n - 1][g] >= prune}
            for n, level in enumerate(probs, start=1)]
    children: list[dict[str, list[str]]] = []
    for level in probs[1:]:
        following: dict[str, list[str]] = defaultdict(list)
        for gram in level:
            following[gram[:-1]].append(gram)
        children.append(following)
    model = []
    for n in range(1, order + 1):
        level = {}
        for gram in sorted(kept[n - 1]):
            backoff = _backoff(gram, n, probs, gammas, kept, children) if n < order else 0.0
            level[gram] = (math.log10(probs[n - 1][gram]), backoff)
        model.append(level)
    model[0][_BOS] = (-99.0, _backoff(_BOS, 1, probs, gammas, kept, children))
    model[0]["<unk>"] = (math.log10(unknown) if unknown > 0 else -99.0, 0.0)
    return model


def _adjusted_counts(raw: list[Counter]) -> list[dict[str, int]]:
    """Kneser-Ney's counts: raw at the highest order and for n-grams that begin the sentence, else
    the number of different characters seen before the n-gram."""
    adjusted = [dict(raw[-1])]
    for n in range(len(raw) - 1, 0, -1):
        left: Counter = Counter(gram[1:] for gram in raw[n])
        adjusted.insert(0, {gram: (count if gram[0] == _BOS else left[gram])
                            for gram, count in raw[n - 1].items()})
    return adjusted


def _discounts(counts: dict[str, int]) -> tuple[float, float, float]:
    """Modified Kneser-Ney's discounts for counts 1, 2 and 3+, from the counts of counts."""
    t = Counter(count for count in counts.values() if count <= 4)
    if any(t[k] == 0 for k in (1, 2, 3, 4)):
        return _FALLBACK_DISCOUNTS
    y = t[1] / (t[1] + 2 * t[2])
    discounts = (1 - 2 * y * t[2] / t[1], 2 - 3 * y * t[3] / t[2], 3 - 4 * y * t[4] / t[3])
    return discounts if all(0 < d < k for d, k in zip(discounts, (1, 2, 3))) else _FALLBACK_DISCOUNTS


def _backoff(context: str, n: int, probs: list[dict], gammas: list[dict], kept: list[set],
             children: list[dict[str, list[str]]]) -> float:
    """log10 of the weight that makes the kept continuations of ``context`` (an n-gram) and the
    backed-off rest sum to one (Kneser-Ney's gamma when nothing was left out)."""
    following = children[n - 1].get(context, [])
    if not following:
        return 0.0
    listed = [gram for gram in following if gram in kept[n]]
    if len(listed) == len(following):
        return math.log10(gammas[n][context])
    numerator = 1.0 - sum(probs[n][gram] for gram in listed)
    denominator = 1.0 - sum(probs[n - 1][gram[1:]] for gram in listed)
    return math.log10(max(numerator, 1e-12) / max(denominator, 1e-12))


def write_arpa(model: list[dict[str, tuple[float, float]]], path: str | Path) -> None:
    """The model in ARPA format (gzip-compressed where ``path`` ends in .gz, with no time stamp:
    the same text gives the same file)."""
    path = Path(path)
    with open(path, "wb") as raw, (gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") if path.suffix == ".gz"
                                   else nullcontext(raw)) as binary, io.TextIOWrapper(binary, encoding="utf-8") as out:
        out.write("\\data\\\n")
        for n, level in enumerate(model, start=1):
            out.write(f"ngram {n}={len(level)}\n")
        for n, level in enumerate(model, start=1):
            out.write(f"\n\\{n}-grams:\n")
            for gram, (logp, backoff) in level.items():
                tokens = " ".join(arpa_token(c) for c in gram) if gram != "<unk>" else gram
                out.write(f"{logp:.6f}\t{tokens}" + (f"\t{backoff:.6f}\n" if n < len(model) else "\n"))
        out.write("\n\\end\\\n")


def transcriptions(folders: Iterable[str | Path], leave_out: Iterable[str] = TUNING_PAGES) -> list[str]:
    """The text lines of the PAGE/ALTO pages in ``folders``, as the model is taught to read them,
    less the pages whose collection/split/name matches a pattern of ``leave_out``."""
    from fnmatch import fnmatch

    from ml.layout.formats import read_layout

    patterns = list(leave_out)
    lines = []
    for folder in folders:
        for xml in sorted(Path(folder).glob("*.xml")):
            if any(fnmatch("/".join(xml.resolve().parts[-3:]), pattern) for pattern in patterns):
                continue
            lines += [text for line in read_layout(xml).lines if (text := normalize_text(line.text or ""))]
    return lines


_ELIDED = {"fr": {"c", "d", "j", "l", "m", "n", "qu", "s", "t", "jusqu", "lorsqu", "puisqu", "quoiqu"}}
_ALWAYS_CAPITAL = {"en": {"i", "i'm", "i've", "i'll", "i'd"}}


def wordfreq_lines(language: str, words: int, apostrophe: str = "'", top: int = 100_000, seed: int = 0,
                   words_per_line: int = 8) -> list[str]:
    """Lines of ``words`` words drawn from the ``wordfreq`` list of ``language`` by their frequency
    (the words' letters as running text has them); one line in two starts with a capital. The list
    writes French elisions as words of their own ("l", "d"): they are joined to the next word."""
    from wordfreq import get_frequency_dict

    listed = [(w, f) for w, f in get_frequency_dict(language, wordlist="best").items()
              if w.replace("'", "").replace("-", "").isalpha()][:top]
    rng = random.Random(seed)
    drawn = rng.choices([w for w, _ in listed], weights=[f for _, f in listed], k=words)
    elided, capital = _ELIDED.get(language, set()), _ALWAYS_CAPITAL.get(language, set())
    lines = []
    for start in range(0, len(drawn), words_per_line):
        text = []
        for word in drawn[start : start + words_per_line]:
            word = word.capitalize() if word in capital else word
            if text and text[-1].endswith("'"):
                text[-1] += word
            else:
                text.append(word + "'" if word in elided else word)
        line = " ".join(text).rstrip("'").replace("'", apostrophe)
        lines.append(line[:1].upper() + line[1:] if rng.random() < 0.5 else line)
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*", help="folders of pages with PAGE/ALTO XML (`train` splits only)")
    parser.add_argument("--language", required=True, help="wordfreq's code of the language: en, fr, ...")
    parser.add_argument("--out", type=Path, required=True, help="the ARPA file (.arpa or .arpa.gz)")
    # The KenLM inside flashlight-text reads orders up to 6; on the tuning pages order 6 read 0.3
    # points of CER better than 5 in a file twice the size (docs/decoding.md).
    parser.add_argument("--order", type=int, default=5)
    parser.add_argument("--prune", type=int, default=2, help="leave out n-grams of order 3+ seen fewer times")
    parser.add_argument("--words", type=int, default=300_000, help="words drawn from the wordfreq list")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--prescriptions", type=int, default=0,
                        help="add each name of the drug list in this many prescription-like lines (en-rx)")
    args = parser.parse_args(argv)
    lines = transcriptions(args.folders)
    # The apostrophe the transcriptions write most, for the drawn words.
    apostrophe = max("'’", key=lambda a: sum(line.count(a) for line in lines))
    drawn = wordfreq_lines(args.language, args.words, apostrophe, seed=args.seed) if args.words else []
    if args.prescriptions:
        from ml.read.prescriptions.lexicon import DrugLexicon
        from ml.read.prescriptions.lm_text import prescription_lines

        drawn += prescription_lines(DrugLexicon.load().names, args.prescriptions, seed=args.seed)
    model = kneser_ney(lines + drawn, args.order, args.prune)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_arpa(model, args.out)
    sizes = ", ".join(str(len(level)) for level in model)
    print(f"{args.out}: {len(lines)} transcribed lines and {len(drawn)} drawn ({sum(map(len, lines + drawn))} "
          f"characters); n-grams per order {sizes}; {args.out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
