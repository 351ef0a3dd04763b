"""A searchable PDF of a document: each page's scan, with the current text of its lines laid
invisibly over their writing, so that the PDF can be searched and its text selected and copied.

The text layer is drawn in DejaVu Sans (Debian's fonts-dejavu-core, which the web image installs;
matplotlib's copy where it is installed): its glyphs are never seen, but a font with them is needed
for text beyond Latin-1 to be searchable.
"""
from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Callable, Iterable, Sequence

from fpdf import FPDF
from PIL import Image

from documents.models import Page
from documents.selectors import LineView

# Where Linux distributions put DejaVu Sans (Debian, Fedora, Arch).
FONT_PATHS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
)
# Scans that do not say their resolution are taken as scanned at this many dots per inch.
DEFAULT_DPI = 200
# The text's size, as a share of the line's height across its writing: selecting it in a viewer
# then covers the writing, not the lines above and below.
TEXT_SIZE = 0.6


def text_font() -> Path:
    """The DejaVu Sans file: the system's, else matplotlib's (the workers install matplotlib)."""
    for path in FONT_PATHS:
        if path.is_file():
            return path
    try:
        import matplotlib
    except ImportError:
        pass
    else:
        path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
        if path.is_file():
            return path
    raise FileNotFoundError("A searchable PDF needs DejaVu Sans: install fonts-dejavu-core (apt) or matplotlib.")


def searchable_pdf(pages: Iterable[tuple[Page, list[LineView]]], line_text: Callable[[LineView], str],
                   warning: str | None = None) -> bytes:
    """The PDF: one PDF page a page, its scan filling it, and ``line_text`` of each line over it;
    with a ``warning``, a first page that says it in red (and the PDF's subject says it too)."""
    pdf = FPDF(unit="pt")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.add_font("text", fname=str(text_font()))
    if warning:
        _warning_page(pdf, warning)
    for page, views in pages:
        with page.image.open("rb") as file:
            image = file.read()
        scale = 72 / _dpi(image)  # points per pixel
        pdf.add_page(format=(page.width * scale, page.height * scale))
        pdf.image(io.BytesIO(image), x=0, y=0, w=page.width * scale, h=page.height * scale)
        with pdf.local_context(text_mode="INVISIBLE"):
            for view in views:
                text = line_text(view)
                if text.strip() and view.line.polygon:
                    _line_text(pdf, text, view.line.polygon, view.line.baseline, scale)
    return bytes(pdf.output())


def _warning_page(pdf: FPDF, warning: str) -> None:
    pdf.set_subject(warning)
    pdf.add_page(format="A4")
    pdf.set_font("text", size=16)
    pdf.set_text_color(176, 0, 32)
    pdf.set_xy(56, 72)
    pdf.multi_cell(pdf.epw - 112, 22, warning)
    pdf.set_text_color(0, 0, 0)


def _dpi(image: bytes) -> float:
    with Image.open(io.BytesIO(image)) as opened:
        dpi = opened.info.get("dpi", (DEFAULT_DPI,))[0]
    return float(dpi) if 72 <= dpi <= 1200 else DEFAULT_DPI


def _line_text(pdf: FPDF, text: str, polygon: Sequence[Sequence[float]], baseline: Sequence[Sequence[float]],
               scale: float) -> None:
    """``text`` along the line's baseline, from its first point to its last (turned with it, for a
    line up or down a margin), sized to the line's thickness and stretched to its length."""
    (x, y), (end_x, end_y) = _ends(polygon, baseline)
    length = math.hypot(end_x - x, end_y - y)
    xs, ys = [p[0] for p in polygon], [p[1] for p in polygon]
    along = abs(end_x - x) >= abs(end_y - y)
    thickness = (max(ys) - min(ys)) if along else (max(xs) - min(xs))
    pdf.set_font("text", size=max(TEXT_SIZE * thickness * scale, 1))
    pdf.set_stretching(100)
    natural = pdf.get_string_width(text)
    if natural <= 0 or length <= 0:
        return
    pdf.set_stretching(100 * length * scale / natural)
    angle = -math.degrees(math.atan2(end_y - y, end_x - x))  # counter-clockwise, as the PDF turns
    with pdf.rotation(angle, x * scale, y * scale):
        pdf.text(x * scale, y * scale, text)


def _ends(polygon: Sequence[Sequence[float]], baseline: Sequence[Sequence[float]]) -> tuple:
    """The first and last points of the line's baseline; without one, a line along the page a
    quarter of its height above the foot of its outline."""
    if len(baseline) >= 2 and tuple(baseline[0]) != tuple(baseline[-1]):
        return tuple(baseline[0]), tuple(baseline[-1])
    xs, ys = [p[0] for p in polygon], [p[1] for p in polygon]
    foot = max(ys) - 0.25 * (max(ys) - min(ys))
    return (min(xs), foot), (max(xs), foot)
