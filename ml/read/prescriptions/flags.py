"""What a pharmacist must look at on a prescription line, each with the reason in words.

    lexicon = DrugLexicon.load(extra=formulary_names)
    for flag in flag_line(prediction.text, prediction.confidences, lexicon):
        print(flag.kind, prediction.text[flag.start:flag.end], flag.reason, flag.suggestions)

Flags never change the text: they point at a span of it and say why. Uncertainty is shown, not
hidden, so a line with no flag is only a line with nothing found to question.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ml.layout import LinePrediction
from ml.read.prescriptions.doses import in_unit, usual_dose
from ml.read.prescriptions.lexicon import DrugLexicon
from ml.read.prescriptions.parse import Part, Prescription, parse_line

UNKNOWN_DRUG = "unknown_drug"
UNSURE_CHARACTER = "unsure_character"
ERROR_PRONE = "error_prone"
UNUSUAL_STRENGTH = "unusual_strength"
UNCOMMON_DOSE = "uncommon_dose"
UNIT_MISMATCH = "unit_mismatch"
MISSING_UNIT = "missing_unit"
NO_STRENGTH = "no_strength"
UNREADABLE_NUMBER = "unreadable_number"
UNROUND_STRENGTH = "unround_strength"

# A character read with less confidence than this is flagged as unsure: the platform's threshold for
# prescriptions, chosen by ml/evaluate/prescriptions.py (docs/prescriptions.md). With a language model
# (as the platform reads), a character under 1 % is one the network did not read there and the
# model put in; higher thresholds flag lines read right far more than they catch more errors.
DEFAULT_THRESHOLD = 0.01


@dataclass(frozen=True)
class Flag:
    kind: str
    start: int  # character span of ``line[start:end]`` the flag is about
    end: int
    reason: str
    suggestions: tuple[str, ...] = ()


# Written form (matched whole, case as given) -> (what to write instead, why the form is error-prone).
# ISMP's List of Error-Prone Abbreviations, Symbols, and Dose Designations (2021).
ERROR_PRONE_UNITS = {
    "U": ("units", "'U' is misread as 0 or 4 (10U read as 100)"),
    "u": ("units", "'u' is misread as 0 or 4 (10u read as 100)"),
    "IU": ("units", "'IU' is misread as IV or 10"),
    "iu": ("units", "'iu' is misread as IV or 10"),
    "µg": ("mcg", "'µg' is misread as mg, a thousandfold dose"),
    "μg": ("mcg", "'μg' is misread as mg, a thousandfold dose"),
    "ug": ("mcg", "'ug' is misread as mg, a thousandfold dose"),
    "cc": ("ml", "'cc' is misread as u (units)"),
}
ERROR_PRONE_FREQUENCIES = {
    "qd": ("od (once daily)", "'QD' is mistaken for QID, four times daily"),
    "qod": ("every other day", "'QOD' is mistaken for QD or QID"),
}
TRAILING_ZERO = re.compile(r"^\d+\.0+$")
NO_LEADING_ZERO = re.compile(r"^\.\d+$")


def flag_prediction(prediction: LinePrediction, lexicon: DrugLexicon,
                    threshold: float = DEFAULT_THRESHOLD) -> list[Flag]:
    """The flags of a recognizer's reading of a prescription line."""
    return flag_line(prediction.text, prediction.confidences, lexicon, threshold)


def flag_line(line: str, confidences: Sequence[float], lexicon: DrugLexicon,
              threshold: float = DEFAULT_THRESHOLD) -> list[Flag]:
    """The flags of one prescription line, in the order of their spans.

    ``confidences``: one per character of ``line`` (empty for a line a person typed).
    """
    item = parse_line(line)
    flags = error_prone_forms(item)
    if not (item.is_item or starts_like_a_drug(item, lexicon)):
        return sorted(flags, key=lambda flag: flag.start)
    unknown = unknown_drug(item, lexicon)
    flags += unknown + unsure_characters(item, confidences, lexicon, threshold, skip_drug=bool(unknown))
    flags += dose_checks(item, dosed_as(item, lexicon))
    return sorted(flags, key=lambda flag: flag.start)


def starts_like_a_drug(item: Prescription, lexicon: DrugLexicon, min_score: float = 80.0) -> bool:
    """Whether the line's first word, or first two, is a listed drug name or close to one: a line
    read so badly that no dose or frequency is found is checked all the same, not let through."""
    if item.drug is None:
        return False
    words = item.drug.value.split()
    # Names of under five letters (codes such as "abcd", brands such as "peas") are left out:
    # any short word is close to one of them.
    return any(len(s.name) >= 5 for size in (1, 2)
               for s in lexicon.nearest(" ".join(words[:size]), limit=3, min_score=min_score))


def unknown_drug(item: Prescription, lexicon: DrugLexicon) -> list[Flag]:
    drug = item.drug
    if drug is None or drug.value in lexicon:
        return []
    names = tuple(s.name for s in lexicon.nearest(drug.value))
    nearest = f"; nearest: {', '.join(names)}" if names else "; no listed name is close"
    return [Flag(UNKNOWN_DRUG, drug.start, drug.end, f"'{drug.text}' is not in the drug list{nearest}", names)]


def unsure_characters(item: Prescription, confidences: Sequence[float], lexicon: DrugLexicon,
                      threshold: float, skip_drug: bool = False) -> list[Flag]:
    """A flag for each drug name, number or unit holding a character read with less than ``threshold``.

    Units are guarded too: mg read for mcg is a thousandfold error. ``skip_drug``: the name has a
    flag already (not in the lexicon), which offers the nearest names.
    """
    if len(confidences) != len(item.line):
        return []
    drug = None if skip_drug else item.drug
    guarded = [("drug name", drug), ("unit", item.unit)] + [("number", number) for number in item.numbers]
    flags = []
    for what, part in guarded:
        if part is None:
            continue
        unsure = [i for i in range(part.start, part.end) if confidences[i] < threshold and not item.line[i].isspace()]
        if not unsure:
            continue
        chars = ", ".join(f"'{item.line[i]}' ({confidences[i]:.0%})" for i in unsure)
        suggestions = tuple(s.name for s in lexicon.neighbours(part.value)) if what == "drug name" else ()
        reason = f"The reader was unsure of {chars} in the {what} '{part.text}'"
        if suggestions:
            reason += f"; names like it: {', '.join(suggestions)}"
        flags.append(Flag(UNSURE_CHARACTER, part.start, part.end, reason, suggestions))
    return flags


def error_prone_forms(item: Prescription) -> list[Flag]:
    """ISMP's error-prone units, frequencies and zeros, with what to write instead."""
    flags = []
    if item.unit and item.unit.text in ERROR_PRONE_UNITS:
        instead, why = ERROR_PRONE_UNITS[item.unit.text]
        flags.append(_error_prone(item.unit, instead, why))
    if item.frequency and item.frequency.text.lower() in ERROR_PRONE_FREQUENCIES:
        instead, why = ERROR_PRONE_FREQUENCIES[item.frequency.text.lower()]
        flags.append(_error_prone(item.frequency, instead, why))
    for number in item.numbers:
        if TRAILING_ZERO.match(number.text):
            plain = number.text.split(".")[0]
            flags.append(_error_prone(number, plain, f"a trailing zero: {number.text} is misread as "
                                                     f"{number.text.replace('.', '')} if the point is missed"))
        elif NO_LEADING_ZERO.match(number.text):
            flags.append(_error_prone(number, "0" + number.text, f"no leading zero: {number.text} is misread as "
                                                                 f"{number.text[1:]} if the point is missed"))
    return flags


def _error_prone(part: Part, instead: str, why: str) -> Flag:
    return Flag(ERROR_PRONE, part.start, part.end, f"Error-prone '{part.text}': {why}; write '{instead}'", (instead,))


def dosed_as(item: Prescription, lexicon: DrugLexicon, min_score: float = 85.0) -> str:
    """The name whose usual dose the strength is checked against: the drug's own if listed, else
    the nearest listed name when it is close (a misread name must not hide a misread dose)."""
    if item.drug is None or item.drug.value in lexicon or usual_dose(item.drug.value):
        return item.drug.value if item.drug else ""
    nearest = lexicon.nearest(item.drug.value, limit=1, min_score=min_score)
    return nearest[0].name if nearest else item.drug.value


def dose_checks(item: Prescription, drug: str) -> list[Flag]:
    """A strength with no unit, a unit of the wrong kind for ``drug``, a strength outside its usual
    range, or inside it but not one of its common doses (300 mg of amoxicillin)."""
    if item.drug is None:
        return []
    if item.strength is None:
        return [Flag(NO_STRENGTH, 0, len(item.line), f"No strength was read for {item.drug.text}")]
    if item.amount is None:
        return [Flag(UNREADABLE_NUMBER, item.strength.start, item.strength.end,
                     f"'{item.strength.text}' stands where the strength should be, but is not a number")]
    if item.unit is None:
        return [Flag(MISSING_UNIT, item.strength.start, item.strength.end,
                     f"'{item.strength.text}' has no unit: mg, mcg, g, ml or units?")]
    usual = usual_dose(drug)
    if usual is None or item.unit.value == "ml":  # a volume's dose depends on the preparation
        return unround_strength(item)
    named = item.drug.text if drug == item.drug.value else f"{item.drug.text} (if it is {drug})"
    amount = in_unit(item.amount, item.unit.value, usual.unit)
    if amount is None:
        return [Flag(UNIT_MISMATCH, item.unit.start, item.unit.end,
                     f"{named} is dosed in {usual.unit}, not {item.unit.value}", (usual.unit,))]
    written = f"{item.strength.text} {item.unit.text} of {named}"
    if not usual.low <= amount <= usual.high:
        usual_text = f"{usual.low:g}-{usual.high:g} {usual.unit}"
        return [Flag(UNUSUAL_STRENGTH, item.strength.start, item.unit.end,
                     f"{written} is outside the usual single dose ({usual_text}; a screening range, "
                     f"see ml/read/prescriptions/doses.py)", (usual_text,))]
    if usual.is_common(amount):
        return unround_strength(item) if ZERO_BEFORE_DIGIT.match(item.strength.text) else []  # 0500
    # No suggestion: a dose to click in would be a guess; the pharmacist reads the prescription.
    return [Flag(UNCOMMON_DOSE, item.strength.start, item.unit.end,
                 f"{written} is not one of its common doses ({usual.common_text()}): check each digit")]


# Significant digits of the strengths medicines are made and dosed in beyond one or two digits
# (1.25, 3.75, 6.25, 62.5, 125, 375, 625, 875 ...).
ROUND_FIGURES = {"125", "375", "625", "875"}
ZERO_BEFORE_DIGIT = re.compile(r"0\d")  # 0125: a digit too many


def unround_strength(item: Prescription) -> list[Flag]:
    """A strength of three or more significant digits other than 125, 375, 625 or 875 (259 mg), or
    with a zero before a digit (0125): strengths are round figures, and one that is not is more
    often a digit misread than a dose."""
    written = item.strength.text
    digits = written.replace(".", "").strip("0")
    if (len(digits) <= 2 or digits in ROUND_FIGURES) and not ZERO_BEFORE_DIGIT.match(written):
        return []
    return [Flag(UNROUND_STRENGTH, item.strength.start, item.strength.end,
                 f"{item.strength.text} {item.unit.text} is not a round figure, as strengths are: check each digit")]
