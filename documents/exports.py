"""Export a document's current text: plain text, a Word document, a searchable PDF, CSV, JSON,
and ALTO or PAGE XML zipped with the images.

Each line's current text is used: the newest human version, else the newest model version.
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import PurePosixPath
from typing import Any, Callable, Iterator, TypeVar

from django.http import Http404, HttpResponse
from django.template.defaultfilters import pluralize

import ml.layout.formats as formats
from documents.docx_export import word_document
from documents.models import Document, LineFlag, LineText, Page, TextSource
from documents.responses import attachment
from documents.searchable_pdf import searchable_pdf
from documents.selectors import LineView, document_lines
from ml.layout import PageLayout, TextLine, TextRegion

# format name -> (file extension, content type)
EXPORT_FORMATS = {
    "txt": ("txt", "text/plain; charset=utf-8"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "pdf": ("pdf", "application/pdf"),
    "csv": ("csv", "text/csv; charset=utf-8"),
    "json": ("json", "application/json"),
    "alto": ("zip", "application/zip"),
    "page": ("zip", "application/zip"),
}
# format name -> what people call it
EXPORT_NAMES = {"txt": "Plain text", "docx": "Word", "pdf": "Searchable PDF", "csv": "CSV", "json": "JSON",
                "alto": "ALTO XML (zip)", "page": "PAGE XML (zip)"}


Progress = Callable[[float], None]  # told the share of pages written (0..1) as an export goes


def _no_progress(done: float) -> None:
    pass


T = TypeVar("T")


def counted(pages: list[T], progress: Progress) -> Iterator[T]:
    """``pages`` one by one, telling ``progress`` the share written after each."""
    for number, page in enumerate(pages, start=1):
        yield page
        progress(number / len(pages))


def document_export(*, document: Document, fmt: str, progress: Progress = _no_progress) -> bytes:
    """The document in ``fmt`` (a key of EXPORT_FORMATS)."""
    if fmt == "txt":
        return export_text(document, progress).encode("utf-8")
    if fmt == "docx":
        pages = document_lines(document=document)
        notes = _warnings(pages, document, marked=False)
        return word_document(document, counted(pages, progress), notes, NOT_READ, warning=flags_warning(pages))
    if fmt == "pdf":
        level = document.unsure_level
        pages = document_lines(document=document)
        return searchable_pdf(counted(pages, progress), lambda view: _text_line(view, level),
                              warning=flags_warning(pages))
    if fmt == "csv":  # the byte-order mark tells spreadsheets it is UTF-8
        return export_csv(document, progress).encode("utf-8-sig")
    if fmt == "json":
        return json.dumps(export_json(document, progress), ensure_ascii=False, indent=2).encode("utf-8")
    if fmt == "alto":
        return export_layout_zip(document, formats.write_alto, progress)
    if fmt == "page":
        return export_layout_zip(document, formats.write_page_xml, progress)
    raise ValueError(f"unknown export format {fmt!r}")


def export_response(*, document: Document, fmt: str) -> HttpResponse:
    """The export as a download; 404 for an unknown format."""
    if fmt not in EXPORT_FORMATS:
        raise Http404(f"No such export format: use {', '.join(EXPORT_FORMATS)}.")
    response = HttpResponse(document_export(document=document, fmt=fmt), content_type=EXPORT_FORMATS[fmt][1])
    response["Content-Disposition"] = attachment(export_filename(document, fmt))
    return response


def export_filename(document: Document, fmt: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in document.title).strip("_")
    suffix = "-alto" if fmt == "alto" else "-page" if fmt == "page" else ""
    return f"{safe or 'document'}{suffix}.{EXPORT_FORMATS[fmt][0]}"


UNSURE_MARK = "[?] "
FLAG_MARK = "[flag] "
NOT_READ = "[not read yet]"


def flags_warning(pages: list[tuple[Page, list[LineView]]]) -> str | None:
    """The warning an export of a prescription carries while flags of its lines' current texts are
    not confirmed; None when there are none."""
    flagged = [view for _, views in pages for view in views if view.open_flags]
    if not flagged:
        return None
    count = sum(len(view.open_flags) for view in flagged)
    return (f"WARNING: NOT CONFIRMED BY A PHARMACIST. {count} flag{pluralize(count)} on drug names, doses or "
            f"error-prone forms in {len(flagged)} line{pluralize(len(flagged))} {pluralize(count, 'is,are')} not "
            "confirmed: check each against the scan before this text is used.")


def _flag_reasons(view: LineView) -> str:
    return " | ".join(f"'{flag.token}': {flag.reason}" for flag in view.open_flags)


def export_text(document: Document, progress: Progress = _no_progress) -> str:
    """Lines in reading order, one per line of text; pages separated by a blank line.

    Uncertainty stays visible in the file: a line whose text is the model's unchecked
    reading, expected to hold the document's level of wrong characters or more, starts with
    ``[?]``, and a note above the text counts those lines and the places of unread ink.
    """
    pages = document_lines(document=document)
    body = "\n\n".join("\n".join(_text_line(view, document.unsure_level) for view in views)
                       for _, views in counted(pages, progress))
    notes = [warning] if (warning := flags_warning(pages)) else []
    if warning:
        notes.append(f"Lines with flags not confirmed start with {FLAG_MARK.strip()}.")
    notes += _warnings(pages, document)
    return "".join(note + "\n" for note in notes) + ("\n" if notes else "") + body + "\n"


def _text_line(view: LineView, level: float) -> str:
    if view.current is None:
        return NOT_READ
    marks = (FLAG_MARK if view.open_flags else "") + (UNSURE_MARK if view.unsure(level) else "")
    return marks + view.text


def _warnings(pages: list[tuple[Page, list[LineView]]], document: Document, marked: bool = True) -> list[str]:
    """What a reader of an export must know: the lines nobody checked (those the model expects
    most errors on ``marked`` [?] in the text, else its doubted characters highlighted), ink not read."""
    views = [view for _, page_views in pages for view in page_views]
    unchecked = sum(view.current is not None and not view.checked for view in views)
    unsure = sum(view.unsure(document.unsure_level) for view in views)
    places = sum(len(page.unread_places) for page, _ in pages)
    notes = []
    if marked and unsure:
        notes.append(
            f"Not checked: {unsure} line{pluralize(unsure)} marked {UNSURE_MARK.strip()} {pluralize(unsure, 'is,are')} "
            f"the model's reading where it expects {document.unsure_level:g} or more characters to be wrong, and "
            f"nobody has checked {pluralize(unsure, 'it,them')} against the scan."
        )
    rest = unchecked - unsure if marked else unchecked
    if rest and marked and unsure:
        notes.append(f"Also not checked: {rest} other line{pluralize(rest)} {pluralize(rest, 'is,are')} the model's "
                     "reading, expected to hold fewer wrong characters.")
    elif rest:
        highlighted = "" if marked else \
            f"; the characters it was less than {round(100 * document.low_confidence)} % sure of are highlighted"
        notes.append(f"Not checked: {rest} line{pluralize(rest)} {pluralize(rest, 'is,are')} the model's reading, "
                     f"and nobody has checked {pluralize(rest, 'it,them')} against the scan{highlighted}.")
    if places:
        notes.append(
            f"Not read: {places} place{pluralize(places)} on the pages {pluralize(places, 'has,have')} "
            "ink that no line covers; nothing there is in this text."
        )
    return notes


CSV_COLUMNS = ["page", "line", "text", "checked_by", "least_confidence", "unsure", "flags_not_confirmed"]


def export_csv(document: Document, progress: Progress = _no_progress) -> str:
    """A row a line, for spreadsheets: its page and number, its text, who checked it (a person's name,
    "imported", or empty for the model's reading), the model's least confidence in a character of
    it, whether it is an unchecked reading the model was unsure of, and (prescriptions) the flags of
    its text no pharmacist has confirmed, each with its reason."""
    level = document.unsure_level
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for page, views in counted(document_lines(document=document), progress):
        for view in views:
            current = view.current
            confidence = current.confidence if current and not current.is_human else None
            writer.writerow([page.number, view.line.order + 1, view.text if current else NOT_READ,
                             _checked_by(current), "" if confidence is None else f"{confidence:.2f}",
                             "yes" if view.unsure(level) else "no", _flag_reasons(view)])
    return buffer.getvalue()


def _checked_by(version: LineText | None) -> str:
    if version is None or not version.is_human:
        return ""
    if version.source == TextSource.IMPORT or version.author is None:
        return "imported"
    return version.author.get_username()


def export_json(document: Document, progress: Progress = _no_progress) -> dict[str, Any]:
    pages = document_lines(document=document)
    warning = flags_warning(pages)
    return {
        "id": str(document.id),
        "title": document.title,
        "kind": document.kind,
        "warnings": [warning] if warning else [],
        "pages": [
            {
                "id": str(page.id),
                "number": page.number,
                "width": page.width,
                "height": page.height,
                "lines": [_line_json(view) for view in views],
                "unread_ink": page.unread_ink,  # places with ink in no line: nothing there was read
            }
            for page, views in counted(pages, progress)
        ],
    }


def _line_json(view: LineView) -> dict[str, Any]:
    current = view.current
    return {
        "id": str(view.line.id),
        "order": view.line.order,
        "polygon": view.line.polygon,
        "baseline": view.line.baseline,
        "revision": view.line.revision,
        "text": view.text,
        "confidences": view.confidences,
        "source": current.source if current else None,
        "flags": [_flag_json(flag) for flag in view.flags],
        "versions": [_version_json(version) for version in view.versions],
    }


def _flag_json(flag: LineFlag) -> dict[str, Any]:
    return {
        "kind": flag.kind, "start": flag.start, "end": flag.end, "token": flag.token, "reason": flag.reason,
        "suggestions": flag.suggestions, "confirmed": flag.confirmed,
        "confirmed_by": flag.confirmed_by.get_username() if flag.confirmed_by else None,
        "confirmed_at": flag.confirmed_at.isoformat() if flag.confirmed_at else None,
    }


def _version_json(version: LineText) -> dict[str, Any]:
    return {
        "text": version.text,
        "confidences": version.confidences,
        "source": version.source,
        "author": version.author.get_username() if version.author else None,
        "model_version": version.model_version,
        "created": version.created.isoformat(),
    }


def export_layout_zip(document: Document, write: Callable[[PageLayout], bytes],
                      progress: Progress = _no_progress) -> bytes:
    """A zip with each page's image and its XML side by side (page-0001.jpg, page-0001.xml)."""
    buffer = io.BytesIO()
    pages = document_lines(document=document)
    warning = flags_warning(pages)
    with zipfile.ZipFile(buffer, "w") as archive:
        if warning:
            archive.writestr(WARNING_FILE, warning + "\n", compress_type=zipfile.ZIP_DEFLATED)
        for page, views in counted(pages, progress):
            stem = f"page-{page.number:04d}"
            image_name = stem + PurePosixPath(page.image.name).suffix
            with page.image.open("rb") as image:
                archive.writestr(image_name, image.read(), compress_type=zipfile.ZIP_STORED)
            xml = write(page_layout(page, views, image_name))
            if warning:
                xml = with_comment(xml, warning)
            archive.writestr(stem + ".xml", xml, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


WARNING_FILE = "WARNING-flags-not-confirmed.txt"


def with_comment(xml: bytes, comment: str) -> bytes:
    """``xml`` with ``comment`` as an XML comment before its root element (readers that validate
    against the schema skip comments; a person opening the file sees it first)."""
    safe = comment.replace("--", "- -")
    head, _, rest = xml.partition(b"?>") if xml.startswith(b"<?xml") else (b"", b"", xml)
    declaration = head + b"?>" if head else b""
    return declaration + f"\n<!-- {safe} -->\n".encode("utf-8") + rest.lstrip()


def page_layout(page: Page, views: list[LineView], image_filename: str) -> PageLayout:
    """The page as ml's PageLayout: one region holding every line, with the current texts."""
    region = TextRegion(
        id="r1", polygon=[(0, 0), (page.width, 0), (page.width, page.height), (0, page.height)]
    )
    lines = [
        TextLine(
            id=f"l{view.line.order + 1}",
            polygon=[tuple(p) for p in view.line.polygon],
            baseline=[tuple(p) for p in view.line.baseline],
            text=view.text,
            confidences=list(view.confidences),
            line_type=view.line.line_type,
            region_id=region.id,
        )
        for view in views
    ]
    return PageLayout(
        width=page.width, height=page.height, image_filename=image_filename, regions=[region], lines=lines
    )
