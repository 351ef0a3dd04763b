"""The drug names a prescription line is checked against: the shipped list plus local additions."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

DATA = Path(__file__).resolve().parent / "data"
SHIPPED = (DATA / "drugs.txt", DATA / "additions.txt")


@dataclass(frozen=True)
class Suggestion:
    name: str
    score: float  # rapidfuzz similarity, 0-100


def normalize_name(name: str) -> str:
    """How names are compared: lower case, single spaces."""
    return " ".join(name.lower().split())


class DrugLexicon:
    """A set of drug names, matched case-insensitively, with the nearest names for one it lacks."""

    def __init__(self, names: Iterable[str]) -> None:
        self._names = sorted({normalize_name(name) for name in names if name.strip()})
        self._set = frozenset(self._names)

    @classmethod
    def load(cls, extra: Iterable[str] = (), files: Iterable[Path] = SHIPPED) -> "DrugLexicon":
        """The shipped names and ``extra`` ones (a pharmacy's formulary, kept by the platform)."""
        names: list[str] = []
        for path in files:
            names += [line for line in path.read_text("utf-8").splitlines() if not line.startswith("#")]
        return cls([*names, *extra])

    @property
    def names(self) -> list[str]:
        """The names, normalized and sorted."""
        return list(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and normalize_name(name) in self._set

    def nearest(self, name: str, limit: int = 3, min_score: float = 60.0) -> list[Suggestion]:
        """The ``limit`` lexicon names most like ``name``, best first (``name`` itself if listed)."""
        found = process.extract(normalize_name(name), self._names, scorer=fuzz.ratio, limit=limit,
                                score_cutoff=min_score)
        return [Suggestion(match, score) for match, score, _ in found]

    def neighbours(self, name: str, limit: int = 3, min_score: float = 75.0) -> list[Suggestion]:
        """The names like ``name`` other than itself: what a misread listed name may really be."""
        key = normalize_name(name)
        return [s for s in self.nearest(key, limit + 1, min_score) if s.name != key][:limit]
