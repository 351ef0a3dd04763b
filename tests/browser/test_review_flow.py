"""A person in Chromium: log in, upload a PDF, watch it being read, correct lines, export."""
import pytest
from django.db import connections
from playwright.sync_api import expect

from documents.models import UNSURE_LEVEL, DocumentKind, Line
from documents.services import document_share, line_text_save
from tests import scans

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def save_as(user, text: str, line_order: int) -> None:
    """Someone else saves a line of page 1, as if from another browser."""
    line = Line.objects.get(page__document__title="Lecture 1", page__number=1, order=line_order)
    document_share(document=line.page.document, user=user)
    line_text_save(line=line, author=user, text=text, revision=line.revision)
    # Under Playwright's event loop these queries ran on a connection of their own; close it
    # here, or the test database cannot be dropped at the end of the run.
    connections.close_all()


def model_readings(owner) -> list[tuple[str, bool]]:
    """The model's reading of each line of the document's first page, in order, and whether the
    model expects as many wrong characters on it as lecture notes single out."""
    lines = Line.objects.filter(page__document__title="Lecture 1", page__document__owner=owner, page__number=1)
    readings = []
    for line in lines.order_by("order"):
        version = line.versions.order_by("created").first()
        expected = sum(1 - confidence for confidence in version.confidences)
        readings.append((version.text, expected >= UNSURE_LEVEL[DocumentKind.LECTURE_NOTES]))
    return readings


def test_upload_review_correct_and_export(live_server, celery_worker, browser, owner, collaborator, tmp_path):
    pdf = tmp_path / "lecture.pdf"
    pdf.write_bytes(scans.pdf_bytes([scans.handwritten_page(count=3), scans.handwritten_page(first=3, count=3)]))
    page = browser.new_context(accept_downloads=True).new_page()
    page.set_default_timeout(30_000)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "owner")
    page.fill("input[name=password]", "owner-password-1")
    page.click("button[type=submit]")

    page.fill("input[name=title]", "Lecture 1")
    page.select_option("select[name=kind]", "lecture_notes")
    page.set_input_files("input[name=files]", str(pdf))
    page.click("#upload-form button[type=submit]")

    # Progress is polled into the page, which reloads once when it is done to show the results.
    expect(page.locator("#progress-text")).to_have_text("All pages are read. Open a page to review its lines.", timeout=240_000)
    expect(page.locator("#jobs tr.job.done")).to_have_count(4)

    page.click("a.page-link >> nth=0")
    expect(page.locator("polygon.line-shape")).to_have_count(3)
    first, second = page.locator("textarea.line-text").nth(0), page.locator("textarea.line-text").nth(1)
    expect(first).to_be_focused()
    first.fill("Corrected first line")
    first.press("Enter")
    corrected = page.locator("li.line >> nth=0")
    expect(corrected.locator(".status")).to_have_text("Saved (version 2).")
    # The model's doubts were about its own reading, not the person's text that replaced it.
    expect(corrected.locator(".source")).to_have_text("Person · owner")
    expect(corrected.locator(".shading mark")).to_have_count(0)
    expect(second).to_be_focused()  # Enter moved on

    # Someone else saves line 2 while it is open here: the save is refused, the typed text stays.
    save_as(collaborator, "Their version", line_order=1)
    second.fill("My version")
    second.press("Enter")
    status = page.locator("li.line >> nth=1").locator(".status")
    expect(status).to_contain_text("changed by someone else")
    expect(status).to_contain_text("Their version")
    expect(second).to_have_value("My version")

    box = page.locator("polygon.line-shape >> nth=2").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # a click on the scan
    expect(page.locator("textarea.line-text").nth(2)).to_be_focused()

    page.on("dialog", lambda dialog: dialog.accept())  # leave, line 2's text unsaved (kept as a draft)
    page.click(".crumbs >> text=Lecture 1")
    page.click(".export-menu summary")
    with page.expect_download() as download:
        page.get_by_role("link", name="Plain text").click()
    text = (tmp_path / "export.txt")
    download.value.save_as(text)
    notes, exported = text.read_text().split("\n\n", 1)
    first, second, *rest = exported.splitlines()
    assert (first, second) == ("Corrected first line", "Their version")
    unchecked = model_readings(owner)[2:]  # the rest of page 1, as the model read it: marked where it was unsure
    assert notes.startswith("Not checked: ")
    if any(unsure for _, unsure in unchecked):
        assert "marked [?]" in notes
    assert rest[: len(unchecked)] == [("[?] " if unsure else "") + text for text, unsure in unchecked]
    connections.close_all()
