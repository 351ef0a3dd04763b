"""A Word document of a document's current text: a paragraph a line, a page break a page, and the
characters of unchecked model readings it was unsure of highlighted, as the review page shades them."""
from __future__ import annotations

import io
from typing import Iterable

from docx import Document as WordDocument
from docx.enum.text import WD_COLOR_INDEX
from docx.shared import RGBColor

from documents.models import Document, Page
from documents.selectors import LineView


def word_document(document: Document, pages: Iterable[tuple[Page, list[LineView]]], notes: list[str],
                  not_read: str, warning: str | None = None) -> bytes:
    """The .docx: the title, ``warning`` in bold red (flags no pharmacist confirmed), ``notes`` (what
    is unchecked or unread), then each page's lines (a line not read yet says ``not_read``; the
    spans of flags not confirmed are red and underlined)."""
    word = WordDocument()
    word.core_properties.title = document.title
    word.add_heading(document.title, level=1)
    if warning:
        run = word.add_paragraph().add_run(warning)
        run.bold, run.font.color.rgb = True, RGBColor(0xB0, 0x00, 0x20)
        word.core_properties.comments = warning
    for note in notes:
        word.add_paragraph(note).runs[0].italic = True
    threshold = document.low_confidence
    for n, (page, views) in enumerate(pages):
        heading = word.add_heading(f"Page {page.number}", level=2)
        heading.paragraph_format.page_break_before = n > 0
        for view in views:
            paragraph = word.add_paragraph()
            if view.current is None:
                paragraph.add_run(not_read).italic = True
            elif not view.checked and view.confidences:
                _marked(paragraph, view.text, view.confidences, threshold)
            else:
                paragraph.add_run(view.text)
            if view.open_flags:
                _flagged(paragraph, view)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _marked(paragraph, text: str, confidences: list[float], threshold: float) -> None:
    """``text`` in runs, those of characters read with less than ``threshold`` confidence highlighted."""
    start = 0
    for end in range(1, len(text) + 1):
        if end == len(text) or _doubted(confidences, end, threshold) != _doubted(confidences, start, threshold):
            run = paragraph.add_run(text[start:end])
            if _doubted(confidences, start, threshold):
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
            start = end


def _doubted(confidences: list[float], index: int, threshold: float) -> bool:
    return index < len(confidences) and confidences[index] < threshold


def _flagged(paragraph, view: LineView) -> None:
    """After the line, each flag not confirmed: its span and its reason, in red."""
    for flag in view.open_flags:
        run = paragraph.add_run(f"  [flag: '{flag.token}': {flag.reason}]")
        run.font.color.rgb, run.italic = RGBColor(0xB0, 0x00, 0x20), True
