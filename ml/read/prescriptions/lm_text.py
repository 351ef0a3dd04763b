"""Prescription-like text lines for the character language model of English prescriptions
(``en-rx``, docs/prescriptions.md): every name of the drug list in lines of a strength, a unit,
sometimes a form or route, a frequency and sometimes a duration, as prescriptions write them.

The lines are drawn from the whole list and from the parser's own words (units, forms, routes,
frequencies), so that the model favours listed names in general, not the drugs a benchmark uses.
"""
from __future__ import annotations

import random
from collections.abc import Iterable

from ml.read.prescriptions.parse import FORMS, FREQUENCIES, ROUTES

NUMBERS = ("0.25", "0.5", "1", "2", "2.5", "3", "4", "5", "7.5", "10", "12.5", "15", "20", "25", "30", "40", "50",
           "60", "75", "80", "100", "120", "125", "150", "200", "250", "300", "400", "450", "500", "600", "750",
           "800", "900", "1000", "1200", "1500", "2000", "5000")
UNITS = ("mg", "mg", "mg", "mg", "mcg", "g", "ml", "units", "mmol")
DURATIONS = ("x {n} days", "for {n} days", "{n}/7", "x {n} weeks", "for {n} weeks")


def prescription_lines(names: Iterable[str], repeats: int = 2, seed: int = 0) -> list[str]:
    """Each of ``names`` in ``repeats`` prescription-like lines (in a seeded order)."""
    rng = random.Random(seed)
    lines = [_line(name, rng) for name in sorted(set(names)) for _ in range(repeats)]
    rng.shuffle(lines)
    return lines


def _line(name: str, rng: random.Random) -> str:
    written = rng.choice((name.capitalize(), name.capitalize(), name.title(), name, name.upper()))
    space = " " if rng.random() < 0.7 else ""
    parts = [written, f"{rng.choice(NUMBERS)}{space}{rng.choice(UNITS)}"]
    if rng.random() < 0.5:
        parts.append(rng.choice(sorted(FORMS)))
    if rng.random() < 0.3:
        parts.append(rng.choice(sorted(ROUTES)))
    parts.append(rng.choice(sorted(FREQUENCIES)))
    if rng.random() < 0.4:
        parts.append(rng.choice(DURATIONS).format(n=rng.choice((3, 5, 7, 10, 14, 28))))
    return " ".join(parts)
