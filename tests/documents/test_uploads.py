import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from documents.uploads import UploadError, read_pages, sniff_type
from tests import scans
from tests.conftest import upload_file


def pages_of(name: str, data: bytes):
    return read_pages([upload_file(name, data)])


def test_type_is_sniffed_from_content_not_name():
    page = scans.handwritten_page()
    assert sniff_type(scans.png_bytes(page)) == "png"
    assert sniff_type(scans.jpeg_bytes(page)) == "jpeg"
    assert sniff_type(scans.pdf_bytes([page])) == "pdf"
    assert sniff_type(scans.tiff_bytes([page])) == "tiff"
    pages = pages_of("scan.pdf", scans.png_bytes(page))  # a PNG named .pdf is read as the PNG it is
    assert [(p.extension, p.width, p.height) for p in pages] == [("png", *scans.PAGE_SIZE)]


def test_pdf_pages_are_rasterized_in_order(settings):
    settings.PDF_RENDER_DPI = 100
    images = [scans.handwritten_page(first=n) for n in range(3)]
    pages = pages_of("notes.pdf", scans.pdf_bytes(images, dpi=200))
    assert len(pages) == 3
    assert {(p.width, p.height) for p in pages} == {(750, 500)}  # half the size at half the dpi
    assert all(p.extension == "jpg" for p in pages)


def test_multipage_tiff_gives_one_page_per_frame():
    images = [scans.handwritten_page(first=n) for n in range(2)]
    pages = pages_of("scan.tif", scans.tiff_bytes(images))
    assert [p.extension for p in pages] == ["png", "png"]


def test_several_images_become_pages_in_the_order_given():
    first, second = scans.handwritten_page(count=1), scans.handwritten_page(count=2).resize((700, 500))
    pages = read_pages([upload_file("b.png", scans.png_bytes(first)), upload_file("a.jpg", scans.jpeg_bytes(second))])
    assert [(p.width, p.extension) for p in pages] == [(1500, "png"), (700, "jpg")]


def test_jpeg_bytes_are_kept_unless_exif_rotates_them():
    data = scans.jpeg_bytes(scans.handwritten_page())
    assert pages_of("a.jpg", data)[0].content == data

    rotated = Image.new("L", (300, 100), 200)
    exif = rotated.getexif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    buffer = io.BytesIO()
    rotated.save(buffer, format="JPEG", exif=exif)
    page = pages_of("b.jpg", buffer.getvalue())[0]
    assert (page.width, page.height, page.extension) == (100, 300, "png")


@pytest.mark.parametrize("fmt, kind", [("HEIF", "heif"), ("WEBP", "webp"), ("AVIF", "avif")])
def test_phone_photos_are_read_as_the_pages_they_show_and_stored_as_jpeg(fmt, kind):
    page = scans.handwritten_page().convert("RGB")
    buffer = io.BytesIO()
    page.save(buffer, format=fmt, quality=90)
    assert sniff_type(buffer.getvalue()[:1024]) == kind

    (stored,) = pages_of("IMG_0001.photo", buffer.getvalue())

    assert (stored.extension, stored.width, stored.height) == ("jpg", *scans.PAGE_SIZE)
    with Image.open(io.BytesIO(stored.content)) as image:
        pixels = np.asarray(image.convert("L"), np.float32)
    assert np.abs(pixels - np.asarray(page.convert("L"), np.float32)).mean() < 4  # the same page, not a blank one
    with pytest.raises(UploadError, match="damaged or incomplete"):
        pages_of("cut.photo", buffer.getvalue()[:600])


def test_a_heic_photo_taken_with_the_phone_turned_is_stored_the_way_it_is_shown_once():
    photo = Image.new("RGB", (300, 100), (200, 200, 200))
    exif = photo.getexif()
    exif[0x0112] = 6  # shown turned a quarter clockwise
    buffer = io.BytesIO()
    photo.save(buffer, format="HEIF", exif=exif.tobytes())
    (stored,) = pages_of("IMG_0002.HEIC", buffer.getvalue())
    assert (stored.width, stored.height) == (100, 300)


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("notes.docx", b"PK\x03\x04 not a scan", "not a PDF, TIFF, JPEG, PNG, HEIC, WebP or AVIF"),
        ("cut.png", scans.png_bytes(scans.handwritten_page())[:400], "damaged or incomplete"),
        ("broken.pdf", b"%PDF-1.4\n garbage", "damaged or incomplete"),
        # Made with pypdf 7.1: a blank page, user password "secret", RC4-128.
        ("locked.pdf", (Path(__file__).parents[1] / "fixtures" / "encrypted.pdf").read_bytes(), "protected by a password"),
        ("empty.jpg", b"", "not a PDF, TIFF, JPEG, PNG, HEIC, WebP or AVIF"),
    ],
)
def test_unreadable_files_are_refused_with_their_name(name, data, message):
    with pytest.raises(UploadError, match=message) as error:
        pages_of(name, data)
    assert name in str(error.value)


def test_too_many_pixels_is_refused(settings):
    settings.UPLOAD_MAX_PIXELS = 1_000_000
    original, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, settings.UPLOAD_MAX_PIXELS
    try:
        big = Image.new("L", (1500, 1000), 255)  # 1.5 M pixels: inside Pillow's warning band
        with pytest.raises(UploadError, match="more than 1 million pixels"):
            pages_of("big.png", scans.png_bytes(big))
        huge = Image.new("L", (3000, 1000), 255)  # beyond twice the limit: Pillow's own error
        with pytest.raises(UploadError, match="more than 1 million pixels"):
            pages_of("huge.png", scans.png_bytes(huge))
    finally:
        Image.MAX_IMAGE_PIXELS = original


def test_pdf_page_too_large_to_render_is_refused(settings):
    settings.UPLOAD_MAX_PIXELS = 100_000
    with pytest.raises(UploadError, match="page 1 is too large"):
        pages_of("big.pdf", scans.pdf_bytes([scans.handwritten_page()]))


def test_upload_size_and_page_limits(settings):
    data = scans.png_bytes(scans.handwritten_page(count=1))
    settings.UPLOAD_MAX_BYTES = len(data) * 2 - 1
    with pytest.raises(UploadError, match="the limit is"):
        read_pages([upload_file("a.png", data), upload_file("b.png", data)])
    settings.UPLOAD_MAX_BYTES = 10**9
    settings.UPLOAD_MAX_PAGES = 2
    with pytest.raises(UploadError, match="at most 2 pages"):
        read_pages([upload_file(f"{n}.png", data) for n in range(3)])


def test_no_file_is_refused():
    with pytest.raises(UploadError, match="at least one file"):
        read_pages([])
