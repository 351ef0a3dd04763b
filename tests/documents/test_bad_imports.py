"""Imports whose numbers cannot be right, or that are too large, are refused through the API with a
400 naming the file and the XML line, and leave nothing behind."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents.models import Document
from tests import scans

pytestmark = pytest.mark.django_db

W, H = scans.PAGE_SIZE


@pytest.fixture(autouse=True)
def media_of_its_own(settings, tmp_path):
    """Files other tests left (their rows rolled back) are not this test's."""
    settings.MEDIA_ROOT = tmp_path / "media"


def page_xml(*, width: object = W, height: object = H, points: str = "60,80 400,80 400,140 60,140",
             conf: str = "0.9", characters: str = "0.9 0.8", lines: int = 1) -> bytes:
    line = ('<TextLine id="l{n}"><Coords points="{points}"/>'
            '<UserDefined><UserAttribute name="character-confidences" value="{characters}"/></UserDefined>'
            '<TextEquiv conf="{conf}"><Unicode>ab</Unicode></TextEquiv></TextLine>')
    body = "\n".join(line.format(n=n, points=points, conf=conf, characters=characters) for n in range(lines))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15">\n'
            f'<Page imageFilename="scan.png" imageWidth="{width}" imageHeight="{height}">\n'
            f'<TextRegion id="r1">\n{body}\n</TextRegion></Page></PcGts>').encode()


def alto(hpos: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#">\n'
            f'<Description><sourceImageInformation><fileName>scan.png</fileName></sourceImageInformation></Description>\n'
            f'<Layout><Page WIDTH="{W}" HEIGHT="{H}"><PrintSpace><TextBlock ID="b1">\n'
            f'<TextLine ID="l1" HPOS="{hpos}" VPOS="80" WIDTH="300" HEIGHT="60"><String CONTENT="ab"/></TextLine>\n'
            f'</TextBlock></PrintSpace></Page></Layout></alto>').encode()


def post_import(client, owner, *layouts: bytes):
    client.force_login(owner)
    image = scans.png_bytes(scans.handwritten_page())
    files = {"images": [SimpleUploadedFile(f"scan{n}.png", image) for n in range(len(layouts))],
             "layouts": [SimpleUploadedFile(f"scan{n}.xml", xml) for n, xml in enumerate(layouts)]}
    return client.post(reverse("api-document-import"), {"title": "Rx", "kind": "prescription", **files})


def assert_refused(answer, *message_parts: str, settings) -> None:
    assert answer.status_code == 400, answer.content
    detail = answer.json()["detail"]
    for part in message_parts:
        assert part in detail
    assert not Document.objects.exists()
    assert not list((settings.MEDIA_ROOT / "pages").glob("**/*.*"))


@pytest.mark.parametrize("xml, where, what", [
    (page_xml(characters="0.9 nan"), "line 5, <UserAttribute value>", "'nan' is not a finite number"),
    (page_xml(conf="inf"), "line 5, <TextEquiv conf>", "'inf' is not a finite number"),
    (page_xml(points="60,80 NaN,80 400,140"), "line 5, <Coords points>", "'NaN' is not a finite number"),
    (page_xml(points="60,80 1e999,80 400,140"), "line 5, <Coords points>", "'1e999' is not a finite number"),
    (page_xml(width=0), "line 3, <Page imageWidth>", "above zero, not 0"),
    (page_xml(height=-1500), "line 3, <Page imageHeight>", "above zero, not -1500"),
    (alto("nan"), "line 5, <TextLine HPOS>", "'nan' is not a finite number"),
], ids=["character-confidence-nan", "conf-inf", "coordinate-nan", "coordinate-overflow", "width-zero",
        "height-negative", "alto-hpos-nan"])
def test_a_number_that_cannot_be_right_is_refused_naming_the_file_and_line(client, owner, settings, xml, where, what):
    assert_refused(post_import(client, owner, xml), "scan0.xml: ", where, what, settings=settings)


def test_a_page_with_too_many_lines_is_refused(client, owner, settings):
    settings.LINES_MAX_PER_PAGE = 3
    assert_refused(post_import(client, owner, page_xml(lines=4)), "scan0.xml: 4 lines on one page",
                   "at most 3 (LINES_MAX_PER_PAGE)", settings=settings)


def test_a_document_with_too_many_lines_is_refused(client, owner, settings):
    settings.LINES_MAX_PER_DOCUMENT = 5
    assert_refused(post_import(client, owner, page_xml(lines=3), page_xml(lines=3)), "6 lines in all",
                   "at most 5 (LINES_MAX_PER_DOCUMENT)", settings=settings)


def test_an_import_of_too_many_pages_is_refused(client, owner, settings):
    settings.UPLOAD_MAX_PAGES = 1
    assert_refused(post_import(client, owner, page_xml(), page_xml()), "at most 1 pages", settings=settings)


def test_lines_up_to_the_caps_are_imported(client, owner, settings):
    settings.LINES_MAX_PER_PAGE, settings.LINES_MAX_PER_DOCUMENT = 3, 6
    answer = post_import(client, owner, page_xml(lines=3), page_xml(lines=3))
    assert answer.status_code == 201, answer.content
    assert Document.objects.get().pages.count() == 2
