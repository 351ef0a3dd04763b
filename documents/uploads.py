"""Turn uploaded files into page images, refusing anything that is not a readable scan.

The type is sniffed from the first bytes, never from the file name. Every page
is decoded here, before anything is written, so a bad file stops the whole
upload with a message that names it.
"""
from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from typing import BinaryIO, Iterator

import pillow_heif
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)
# Phones save photos as HEIC (iPhones by default); pillow-heif reads them as Pillow images.
pillow_heif.register_heif_opener()


class UploadError(ValueError):
    """An upload that cannot become a document; the message is meant for the user."""

    http_status = 400


@dataclass
class PageImage:
    """One page ready to store: encoded image bytes and their size in pixels."""

    content: bytes
    extension: str  # "jpg" or "png"
    width: int
    height: int


@dataclass
class UploadedFile:
    name: str
    file: BinaryIO
    size: int


_SIGNATURES = [
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
]


# HEIC/HEIF and AVIF are ISO media files: a "ftyp" box at byte 4 names the brand.
_MEDIA_BRANDS = {b"heic": "heif", b"heix": "heif", b"hevc": "heif", b"hevx": "heif", b"heim": "heif",
                 b"heis": "heif", b"mif1": "heif", b"msf1": "heif", b"avif": "avif", b"avis": "avif"}
# Photographs, stored as JPEG (their own coding is lossy already; a PNG of a phone photo is huge).
PHOTO_TYPES = ("heif", "avif", "webp")


def sniff_type(head: bytes) -> str | None:
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[4:8] == b"ftyp" and head[8:12] in _MEDIA_BRANDS:
        return _MEDIA_BRANDS[head[8:12]]
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    # PDF allows some bytes before the header.
    if b"%PDF-" in head[:1024]:
        return "pdf"
    return None


def read_pages(files: list[UploadedFile]) -> list[PageImage]:
    """Decode every file into pages, in the order given. Raises UploadError."""
    if not files:
        raise UploadError("Choose at least one file to upload.")
    check_upload_size(files)
    pages: list[PageImage] = []
    for uploaded in files:
        for page in _read_file(uploaded):
            pages.append(page)
            if len(pages) > settings.UPLOAD_MAX_PAGES:
                raise UploadError(f"A document can have at most {settings.UPLOAD_MAX_PAGES} pages.")
    return pages


def check_upload_size(files: list[UploadedFile]) -> None:
    total = sum(f.size for f in files)
    if total > settings.UPLOAD_MAX_BYTES:
        raise UploadError(
            f"The upload is {_megabytes(total)}; the limit is {_megabytes(settings.UPLOAD_MAX_BYTES)}."
        )


def _read_file(uploaded: UploadedFile) -> Iterator[PageImage]:
    data = uploaded.file.read()
    kind = sniff_type(data[:1024])
    if kind is None:
        raise UploadError(f"{uploaded.name}: not a PDF, TIFF, JPEG, PNG, HEIC, WebP or AVIF file.")
    try:
        if kind == "pdf":
            yield from _pdf_pages(uploaded.name, data)
        else:
            yield from _image_pages(uploaded.name, data, kind)
    except UploadError:
        raise
    except Image.DecompressionBombError:
        raise UploadError(_too_large(uploaded.name)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, pdfium.PdfiumError) as error:
        logger.info("unreadable upload %s: %r", uploaded.name, error)
        raise UploadError(f"{uploaded.name}: the file is damaged or incomplete and cannot be read.") from None


def _image_pages(name: str, data: bytes, kind: str) -> Iterator[PageImage]:
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that; refuse there too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                frames = getattr(image, "n_frames", 1)
                for index in range(frames):
                    image.seek(index)
                    image.load()
                    if kind == "jpeg" and frames == 1 and not _needs_rotation(image):
                        # Keep the original bytes: re-encoding a JPEG only loses quality.
                        yield PageImage(data, "jpg", image.width, image.height)
                    else:
                        yield _encode(ImageOps.exif_transpose(image), "jpg" if kind in PHOTO_TYPES else "png")
        except Image.DecompressionBombWarning:
            raise UploadError(_too_large(name)) from None


def _needs_rotation(image: Image.Image) -> bool:
    return image.getexif().get(0x0112, 1) != 1  # EXIF Orientation


def _pdf_pages(name: str, data: bytes) -> Iterator[PageImage]:
    scale = settings.PDF_RENDER_DPI / 72
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if getattr(error, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise UploadError(f"{name}: the PDF is protected by a password; upload a copy without one.") from None
        raise
    try:
        if len(pdf) == 0:
            raise UploadError(f"{name}: the PDF has no pages.")
        for index in range(len(pdf)):
            page = pdf[index]
            width, height = page.get_size()
            if width * scale * height * scale > settings.UPLOAD_MAX_PIXELS:
                raise UploadError(f"{name}: page {index + 1} is too large to render.")
            bitmap = page.render(scale=scale)
            yield _encode(bitmap.to_pil(), "jpg")
    finally:
        pdf.close()


def turn_image(content: bytes, quarter_turns: int, extension: str) -> PageImage:
    """A stored page image turned clockwise by ``quarter_turns``, in its own format."""
    turn = {1: Image.Transpose.ROTATE_270, 2: Image.Transpose.ROTATE_180, 3: Image.Transpose.ROTATE_90}[quarter_turns]
    with Image.open(io.BytesIO(content)) as image:
        return _encode(image.transpose(turn), extension)


def _encode(image: Image.Image, extension: str) -> PageImage:
    if image.mode in ("1", "I", "I;16", "F"):
        image = image.convert("L")
    elif image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    if extension == "jpg":
        image.save(buffer, format="JPEG", quality=90)
    else:
        image.save(buffer, format="PNG")
    return PageImage(buffer.getvalue(), extension, image.width, image.height)


def _too_large(name: str) -> str:
    limit = settings.UPLOAD_MAX_PIXELS / 1_000_000
    return f"{name}: the image has more than {limit:.0f} million pixels; scan at a lower resolution."


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
