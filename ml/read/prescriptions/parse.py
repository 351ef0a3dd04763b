"""A prescription line read into its parts: drug, strength, unit, form, route, frequency, duration.

    >>> parse_line("Amoxicillin 500 mg caps tds x 7 days").drug.text
    'Amoxicillin'

Each part keeps its character span in the line, so a flag can point at it. The parser is
lenient: what it cannot place is left out, and a line with no drug and no dose is no item.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# Written unit -> the unit it means. ``U``, ``IU`` and ``µg`` are read (and flagged by ml.read.prescriptions.flags).
UNITS = {
    "mg": "mg", "milligram": "mg", "milligrams": "mg",
    "mcg": "mcg", "microgram": "mcg", "micrograms": "mcg", "µg": "mcg", "μg": "mcg", "ug": "mcg",
    "g": "g", "gram": "g", "grams": "g", "gm": "g",
    "ml": "ml", "millilitre": "ml", "millilitres": "ml", "cc": "ml",
    "units": "units", "unit": "units", "u": "units", "iu": "units",
    "mmol": "mmol", "nanograms": "nanograms", "ng": "nanograms",
}
FREQUENCIES = {
    "od": "once daily", "om": "in the morning", "mane": "in the morning", "on": "at night", "nocte": "at night",
    "bd": "twice daily", "bid": "twice daily", "tds": "three times daily", "tid": "three times daily",
    "qds": "four times daily", "qid": "four times daily", "prn": "when required", "stat": "at once",
    "qd": "once daily", "qod": "every other day", "weekly": "once a week",
    "once daily": "once daily", "twice daily": "twice daily", "three times daily": "three times daily",
    "four times daily": "four times daily", "once a day": "once daily", "twice a day": "twice daily",
    "at night": "at night", "when required": "when required", "as required": "when required",
}
FORMS = {
    "tab": "tablet", "tabs": "tablet", "tablet": "tablet", "tablets": "tablet",
    "cap": "capsule", "caps": "capsule", "capsule": "capsule", "capsules": "capsule",
    "inhaler": "inhaler", "puff": "puff", "puffs": "puff", "drops": "drops", "cream": "cream",
    "ointment": "ointment", "gel": "gel", "patch": "patch", "suspension": "suspension", "susp": "suspension",
    "syrup": "syrup", "solution": "solution", "soln": "solution", "liquid": "liquid", "sachet": "sachet",
    "sachets": "sachet", "suppository": "suppository", "supp": "suppository", "pessary": "pessary",
    "injection": "injection", "inj": "injection", "spray": "spray", "nebule": "nebule", "nebs": "nebule",
}
ROUTES = {
    "po": "by mouth", "oral": "by mouth", "orally": "by mouth", "by mouth": "by mouth",
    "iv": "intravenous", "im": "intramuscular", "sc": "subcutaneous", "subcut": "subcutaneous",
    "sl": "under the tongue", "pr": "rectal", "pv": "vaginal", "top": "topical", "topical": "topical",
    "inh": "inhaled", "neb": "nebulised", "ng": "nasogastric",
}
DURATION_UNITS = {"day": "days", "days": "days", "d": "days", "week": "weeks", "weeks": "weeks", "wk": "weeks",
                  "wks": "weeks", "month": "months", "months": "months"}

NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_UNIT_WORDS = "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True))
STRENGTH = re.compile(rf"(?<![\w.])(?P<number>{NUMBER})\s?(?P<unit>{_UNIT_WORDS})?(?![\w])", re.IGNORECASE)
# Letters a reader puts for digits (O for 0, S for 5, l for 1, z for 2) before a unit: a strength
# misread, kept as the strength so that it is flagged rather than read as part of the drug's name.
MISREAD_STRENGTH = re.compile(
    r"(?<![\w.])(?P<number>(?=[\d.]*[OoSsIlZz])[\dOoSsIlZz.]{1,6})\s?(?P<unit>units?|mcg|mg|ml|g)(?![\w])")
DURATION = re.compile(
    rf"(?:(?:\b(?:x|for)\s*)?(?<![\w.])(?P<count>{NUMBER})\s*(?P<unit>{'|'.join(DURATION_UNITS)})\b"
    rf"|\bx?\s*(?P<fraction>\d+)/7\b)", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_][\w'-]*", re.UNICODE)


@dataclass(frozen=True)
class Part:
    """One part of the line: its text as written, what it means, and where it is."""

    text: str
    value: str
    start: int
    end: int


@dataclass
class Prescription:
    line: str
    drug: Part | None = None
    strength: Part | None = None  # the number as written, e.g. "5.0" or ".5"
    unit: Part | None = None  # value: the unit meant (mg, mcg, g, ml, units, ...)
    form: Part | None = None
    route: Part | None = None
    frequency: Part | None = None
    duration: Part | None = None
    numbers: list[Part] = field(default_factory=list)  # every number on the line, the strength among them

    @property
    def is_item(self) -> bool:
        """Whether the line reads as a prescribed item: words then a strength, form, frequency or
        duration. Lenient on purpose: a misread item must still be checked."""
        return self.drug is not None and any(
            part is not None for part in (self.strength, self.unit, self.form, self.frequency, self.duration))

    @property
    def amount(self) -> float | None:
        """The strength as a number, None when there is none or it is no number (``S mg``)."""
        try:
            return float(self.strength.text) if self.strength else None
        except ValueError:
            return None


def parse_line(line: str) -> Prescription:
    """Read ``line`` into a Prescription; what does not fit a part is left out."""
    result = Prescription(line)
    result.duration = _duration(line)
    taken = [(result.duration.start, result.duration.end)] if result.duration else []
    matches = sorted([*STRENGTH.finditer(line), *MISREAD_STRENGTH.finditer(line)], key=lambda m: m.start())
    result.numbers = [Part(m["number"], m["number"], m.start("number"), m.end("number")) for m in matches]
    strength = next((m for m in matches if not _inside(m.start(), taken)), None)
    if strength:
        result.strength = Part(strength["number"], strength["number"], strength.start("number"),
                               strength.end("number"))
        if strength["unit"]:
            written = strength["unit"]
            result.unit = Part(written, UNITS[written.lower()], strength.start("unit"), strength.end("unit"))
        taken.append((strength.start(), strength.end()))
    words = [(m.group(), m.start(), m.end()) for m in WORD.finditer(line) if not _inside(m.start(), taken)]
    result.frequency = _phrase(words, FREQUENCIES)
    result.form = _phrase(words, FORMS)
    result.route = _phrase(words, ROUTES, skip=result.frequency)
    result.drug = _drug(line, words, end=strength.start() if strength else len(line), known=result)
    return result


def _duration(line: str) -> Part | None:
    match = DURATION.search(line)
    if not match:
        return None
    if match["fraction"]:
        value = f"{match['fraction']} days"
    else:
        value = f"{match['count']} {DURATION_UNITS[match['unit'].lower()]}"
    return Part(match.group().strip(), value, match.start() + len(match.group()) - len(match.group().lstrip()),
                match.end())


def _inside(index: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= index < end for start, end in spans)


def _phrase(words: list[tuple[str, int, int]], table: dict[str, str], skip: Part | None = None) -> Part | None:
    """The first one- to three-word phrase of ``words`` that ``table`` knows."""
    for i in range(len(words)):
        for size in (3, 2, 1):
            group = words[i : i + size]
            if len(group) < size:
                continue
            phrase = " ".join(word for word, _, _ in group)
            start, end = group[0][1], group[-1][2]
            if phrase.lower() in table and not (skip and skip.start <= start < skip.end):
                return Part(phrase, table[phrase.lower()], start, end)
    return None


def _drug(line: str, words: list[tuple[str, int, int]], end: int, known: Prescription) -> Part | None:
    """The words before the strength that are not a form, route or frequency: the drug's name."""
    others = [part for part in (known.form, known.route, known.frequency) if part]
    name = [(w, s, e) for w, s, e in words if e <= end and not any(p.start <= s < p.end for p in others)]
    # Stop at the first word after a known part: the name is one run of words at the start.
    run = []
    for word in name:
        if run and any(run[-1][2] <= p.start < word[1] for p in others):
            break
        run.append(word)
    if not run:
        return None
    start, stop = run[0][1], run[-1][2]
    return Part(line[start:stop], " ".join(w for w, _, _ in run), start, stop)
