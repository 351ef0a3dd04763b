"""Scans made in the tests: pages of real handwritten lines (tests/fixtures/cremma_lines), encoded as files."""
from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from PIL import Image

LINES_DIR = Path(__file__).parent / "fixtures" / "cremma_lines"
PAGE_SIZE = (1500, 1000)
LINE_PITCH = 120


@cache
def line_crops() -> tuple[Image.Image, ...]:
    return tuple(Image.open(path).convert("L") for path in sorted(LINES_DIR.glob("*.png")))


def handwritten_page(*, first: int = 0, count: int = 4, showing_through: tuple[int, ...] = ()) -> Image.Image:
    """A gray page with ``count`` real handwritten lines, well apart, starting at crop ``first``;
    the lines at the indices ``showing_through`` are mirrored and faint, as writing on the back
    of a thin sheet shows through."""
    crops = line_crops()
    page = Image.new("L", PAGE_SIZE, 236)
    for index in range(count):
        crop = crops[(first + index) % len(crops)]
        if index in showing_through:
            crop = Image.eval(crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT), lambda v: 236 - (236 - v) // 2)
        page.paste(crop, (60, 80 + index * LINE_PITCH))
    return page


def pasted_box(index: int, first: int = 0) -> tuple[int, int, int, int]:
    """Where ``handwritten_page`` pasted its line ``index`` (x0, y0, x1, y1)."""
    crop = line_crops()[(first + index) % len(line_crops())]
    x, y = 60, 80 + index * LINE_PITCH
    return x, y, x + crop.width, y + crop.height


def page_xml(indices: list[int]) -> bytes:
    """PAGE XML of ``handwritten_page()`` (as scan.png) with outlines round its lines ``indices`` only."""
    lines = ""
    for n in indices:
        x0, y0, x1, y1 = pasted_box(n)
        lines += (f'<TextLine id="l{n}"><Coords points="{x0},{y0} {x1},{y0} {x1},{y1} {x0},{y1}"/>'
                  f'<Baseline points="{x0},{y1 - 15} {x1},{y1 - 15}"/><TextEquiv><Unicode>line {n}</Unicode></TextEquiv></TextLine>')
    w, h = PAGE_SIZE
    return (f'<?xml version="1.0" encoding="UTF-8"?><PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15">'
            f'<Page imageFilename="scan.png" imageWidth="{w}" imageHeight="{h}"><TextRegion id="r1">'
            f'<Coords points="0,0 {w},0 {w},{h} 0,{h}"/>{lines}</TextRegion></Page></PcGts>').encode()


def png_bytes(image: Image.Image) -> bytes:
    return _encoded(image, "PNG")


def jpeg_bytes(image: Image.Image) -> bytes:
    return _encoded(image, "JPEG", quality=90)


def tiff_bytes(images: list[Image.Image]) -> bytes:
    return _encoded(images[0], "TIFF", save_all=True, append_images=images[1:])


def pdf_bytes(images: list[Image.Image], dpi: int = 200) -> bytes:
    """A PDF whose pages are these images at ``dpi`` (rendered back at the same dpi, same size)."""
    rgb = [image.convert("RGB") for image in images]
    return _encoded(rgb[0], "PDF", save_all=True, append_images=rgb[1:], resolution=dpi)


def _encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()
