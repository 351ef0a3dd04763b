"""Pair uploaded page images with their ALTO or PAGE XML files, for an import."""
from __future__ import annotations

from pathlib import PurePath

from django.conf import settings

from documents.layouts import layout_fitted
from documents.uploads import PageImage, UploadError, UploadedFile, check_upload_size, read_pages
from ml.layout import PageLayout
from ml.layout.formats import LayoutFormatError, parse_layout


def match_layouts(
    *, images: list[UploadedFile], layouts: list[UploadedFile]
) -> list[tuple[PageImage, PageLayout]]:
    """Each XML file with the image it describes, in the order of the XML files' names.

    An XML file names its image (PAGE imageFilename, ALTO sourceImageInformation);
    otherwise the image with the same name stem is taken. Coordinates are scaled
    when the image was resized since the XML was written.
    """
    if not layouts:
        raise UploadError("Choose at least one ALTO or PAGE XML file.")
    if max(len(images), len(layouts)) > settings.UPLOAD_MAX_PAGES:
        raise UploadError(f"A document can have at most {settings.UPLOAD_MAX_PAGES} pages (UPLOAD_MAX_PAGES).")
    check_upload_size(images + layouts)
    decoded = {_stem(f.name): (f.name, _single_page(f)) for f in images}
    pairs, names = [], []
    for xml in sorted(layouts, key=lambda f: f.name):
        layout = _parse(xml)
        key = _stem(layout.image_filename) if _stem(layout.image_filename) in decoded else _stem(xml.name)
        if key not in decoded:
            wanted = layout.image_filename or f"{_stem(xml.name)}.jpg"
            raise UploadError(f"{xml.name}: its image {wanted} was not uploaded.")
        image_name, image = decoded.pop(key)
        pairs.append((image, layout_fitted(layout, image.width, image.height)))
        names.append(xml.name)
    _lines_within_caps([(name, layout) for name, (_, layout) in zip(names, pairs)])
    if decoded:
        names = ", ".join(name for name, _ in decoded.values())
        raise UploadError(f"No ALTO or PAGE XML file describes {names}.")
    return pairs


def _lines_within_caps(layouts: list[tuple[str, PageLayout]]) -> None:
    """Refuse a page with more than LINES_MAX_PER_PAGE lines, or a document with more than
    LINES_MAX_PER_DOCUMENT: beyond them the review page and the exports take minutes."""
    for name, layout in layouts:
        if len(layout.lines) > settings.LINES_MAX_PER_PAGE:
            raise UploadError(f"{name}: {len(layout.lines)} lines on one page; a page can have at most "
                              f"{settings.LINES_MAX_PER_PAGE} (LINES_MAX_PER_PAGE).")
    total = sum(len(layout.lines) for _, layout in layouts)
    if total > settings.LINES_MAX_PER_DOCUMENT:
        raise UploadError(f"{total} lines in all; a document can have at most {settings.LINES_MAX_PER_DOCUMENT} "
                          "(LINES_MAX_PER_DOCUMENT).")


def _single_page(uploaded: UploadedFile) -> PageImage:
    pages = read_pages([uploaded])
    if len(pages) != 1:
        raise UploadError(f"{uploaded.name}: give one image per XML file, not {len(pages)} pages.")
    return pages[0]


def _parse(uploaded: UploadedFile) -> PageLayout:
    try:
        return parse_layout(uploaded.file.read())
    except LayoutFormatError as error:
        raise UploadError(f"{uploaded.name}: {error}") from None


def _stem(name: str) -> str:
    return PurePath(name.replace("\\", "/")).stem.lower() if name else ""
