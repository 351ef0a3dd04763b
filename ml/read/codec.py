"""Map text to CTC label ids and back. Label 0 is the CTC blank."""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

_SPACES = re.compile(r"\s+")
# Transcription markup of the shared collections (see docs/model-card.md):
# copiste writes crossed-out text as >text< and an illegible scrawl as ><,
# cremma marks superscript with ^. The model reads the letters themselves.
_ILLEGIBLE = re.compile(r"><")
_MARKUP = str.maketrans("", "", "<>^⟦⟧")


def normalize_text(text: str) -> str:
    """NFC, markup removed, whitespace collapsed: what the model is taught to read."""
    text = unicodedata.normalize("NFC", text)
    text = _ILLEGIBLE.sub("", text).translate(_MARKUP)
    return _SPACES.sub(" ", text).strip()


class Codec:
    def __init__(self, alphabet: str) -> None:
        if len(set(alphabet)) != len(alphabet):
            raise ValueError("alphabet has repeated characters")
        self.alphabet = alphabet
        self._index = {char: i + 1 for i, char in enumerate(alphabet)}

    @classmethod
    def from_texts(cls, texts: Iterable[str], min_count: int = 1) -> "Codec":
        counts = Counter("".join(texts))
        return cls("".join(sorted(c for c, n in counts.items() if n >= min_count)))

    @property
    def num_classes(self) -> int:
        return len(self.alphabet) + 1

    def unknown(self, text: str) -> set[str]:
        return {char for char in text if char not in self._index}

    def encode(self, text: str) -> list[int]:
        """Label ids of ``text``; raises KeyError naming the first unknown character."""
        try:
            return [self._index[char] for char in text]
        except KeyError as exc:
            raise KeyError(f"character {exc.args[0]!r} is not in the model's alphabet") from None

    def decode(self, labels: Iterable[int]) -> str:
        return "".join(self.alphabet[label - 1] for label in labels if label > 0)

    def extended(self, texts: Iterable[str]) -> "Codec":
        """This alphabet plus the new characters of ``texts``, existing ids unchanged."""
        new = sorted({char for text in texts for char in text} - set(self.alphabet))
        return Codec(self.alphabet + "".join(new))
