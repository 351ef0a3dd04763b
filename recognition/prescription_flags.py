"""Flags on prescription lines: the drug-name, dose and error-prone-form checks of
ml.read.prescriptions run on a line's current text, stored through documents' services.

A model's reading is checked with its per-character confidences (a character is flagged under
ml.read.prescriptions.flags.DEFAULT_THRESHOLD, chosen by the prescriptions benchmark; the review
page shades those under the document's far higher mark); a person's text counts as read with full
confidence, but its drug names, doses and forms are checked all the same."""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

from documents import services as documents
from documents.models import DocumentKind, Line, LineFlag
from documents.selectors import line_view
from ml.read.prescriptions.flags import flag_line
from ml.read.prescriptions.lexicon import DrugLexicon
from recognition.models import FormularyDrug


def lexicon() -> DrugLexicon:
    """The shipped drug list with the pharmacy's formulary (FormularyDrug), loaded again when that changes."""
    return _lexicon(frozenset(FormularyDrug.objects.values_list("name", flat=True)))


@lru_cache(maxsize=2)
def _lexicon(formulary: frozenset[str]) -> DrugLexicon:
    return DrugLexicon.load(extra=sorted(formulary))


def line_flag(*, line: Line, drugs: DrugLexicon | None = None) -> list[LineFlag]:
    """Check the line's current text and store its flags; none on a document that is not a
    prescription, nor on a line with no text yet."""
    if line.page.document.kind != DocumentKind.PRESCRIPTION:
        return []
    current = line_view(line=line).current
    if current is None:
        return []
    confidences = [] if current.is_human else current.confidences
    found = flag_line(current.text, confidences, drugs or lexicon())
    return documents.line_flags_set(version=current, flags=[
        documents.FlagSpec(f.kind, f.start, f.end, f.reason, f.suggestions) for f in found
    ])


def lines_flag(*, lines: Iterable[Line]) -> int:
    """Flag each of ``lines`` (of prescriptions; others are passed over); how many flags they carry."""
    lines = [line for line in lines if line.page.document.kind == DocumentKind.PRESCRIPTION]
    if not lines:
        return 0
    drugs = lexicon()
    return sum(len(line_flag(line=line, drugs=drugs)) for line in lines)


def formulary_add(*, names: Iterable[str], by) -> list[FormularyDrug]:
    """Add drug names to the pharmacy's formulary (blank and known ones are passed over, case aside)."""
    added = []
    for name in dict.fromkeys(" ".join(n.split()) for n in names if n.strip()):
        drug, made = FormularyDrug.objects.get_or_create(name__iexact=name, defaults={"name": name, "added_by": by})
        if made:
            added.append(drug)
    return added


def document_flag(*, document) -> int:
    """Flag every line of a prescription (one imported, or one that was lecture notes until now)."""
    return lines_flag(lines=Line.objects.filter(page__document=document).select_related("page__document"))
