"""Versions of a line's text: a model's readings, a person's corrections."""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F

from documents.errors import LineRemoved, StaleRevision, VersionGone
from documents.models import Line, LineText, TextSource, current_version
from documents.services.sharing import check_editor
from ml.layout import LinePrediction


def line_texts_add_model(
    *, predictions: dict[object, LinePrediction], model_version: str
) -> int:
    """Add one model version per line (keyed by line id); lines that already have one
    from this model version are left alone. A person's text is never replaced: it
    stays the current text because human versions win. Returns how many were added."""
    with transaction.atomic():
        done = set(
            LineText.objects.filter(
                line_id__in=predictions.keys(), source=TextSource.MODEL, model_version=model_version
            ).values_list("line_id", flat=True)
        )
        new = {line_id: p for line_id, p in predictions.items() if line_id not in done}
        LineText.objects.bulk_create(
            LineText(
                line_id=line_id,
                text=p.text,
                confidences=[round(c, 4) for c in p.confidences],
                source=TextSource.MODEL,
                model_version=model_version,
            )
            for line_id, p in new.items()
        )
        Line.objects.filter(id__in=new.keys()).update(revision=F("revision") + 1)
    return len(new)


def line_text_save(*, line: Line, author: AbstractBaseUser, text: str, revision: int) -> LineText:
    """Save a person's text as a new version, if the line is still at ``revision``.

    Raises StaleRevision when another version was added since, NotEditor when ``author`` may only
    read the document; nothing is written then.
    """
    check_editor(line.page.document, author)
    with transaction.atomic():
        changed = Line.objects.filter(pk=line.pk, revision=revision).update(
            revision=F("revision") + 1
        )
        if not changed:
            if not Line.objects.filter(pk=line.pk).exists():
                raise LineRemoved()
            line.refresh_from_db()
            raise StaleRevision(line, current_version(list(line.versions.all())))
        version = LineText.objects.create(
            line=line, text=text, source=TextSource.HUMAN, author=author
        )
    line.revision = revision + 1
    return version


def line_text_revert(*, line: Line, author: AbstractBaseUser, version_id: int, revision: int) -> LineText:
    """Make an earlier version's text the line's current text again, as a new version by ``author``
    (no version is ever deleted); refused as ``line_text_save`` refuses."""
    earlier = LineText.objects.filter(line=line, pk=version_id).first()
    if earlier is None:
        raise VersionGone("This line has no such version: reload the page.")
    return line_text_save(line=line, author=author, text=earlier.text, revision=revision)
