"""Text that matches what a person typed, ignoring case and accents ("ecole" finds "École")."""
from __future__ import annotations

import re
import unicodedata
from functools import cache

# Letters people type without their accents: Latin-1 and Latin Extended-A cover the collections'
# French and English, and most European languages.
_LETTERS = [chr(code) for code in range(0xC0, 0x180)]


def _base(char: str) -> str:
    return unicodedata.normalize("NFKD", char)[0].casefold()


@cache
def _variants() -> dict[str, str]:
    """For each base letter, the letters written on it, in both cases."""
    variants: dict[str, set[str]] = {}
    for char in _LETTERS:
        base = _base(char)
        if base.isascii() and base.isalpha():
            variants.setdefault(base, {base, base.upper()}).update({char, char.upper(), char.lower()})
    return {base: "".join(sorted(chars)) for base, chars in variants.items()}


def search_pattern(query: str) -> str:
    """A regular expression (Python's and the database's) matching ``query`` whatever the case and
    accents of its letters."""
    parts = []
    for char in query:
        base = _base(char)
        letters = _variants().get(base)
        if letters:
            parts.append(f"[{letters}]")
        elif char.isalpha():
            parts.append(f"[{re.escape(char.lower())}{re.escape(char.upper())}]")
        else:
            parts.append(re.escape(char))
    return "".join(parts)
