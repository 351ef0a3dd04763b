"""F8 / "next unsure line" walks through the lines whose model reading has doubtful characters."""
import pytest
from django.db import connections
from playwright.sync_api import expect

from documents.models import Line, LineText, TextSource
from tests.browser.conftest import logged_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Prescriptions mark characters below 90 %: lines 1 and 3 have one, lines 0 and 2 do not.
LEAST_SURE = [0.99, 0.6, 0.95, 0.4]


@pytest.fixture
def review_tab(live_server, browser, make_document):
    document = make_document(pages=1, kind="prescription")
    page = document.pages.get()
    for order, least in enumerate(LEAST_SURE):
        y = 30 + 60 * order
        line = Line.objects.create(page=page, order=order, revision=1, polygon=[[10, y], [300, y], [300, y + 40], [10, y + 40]],
                                   baseline=[[10, y + 35], [300, y + 35]])
        LineText.objects.create(line=line, text="5 mg", confidences=[0.99, 0.99, least, 0.99],
                                source=TextSource.MODEL, model_version="m")
    yield logged_in_page(browser, live_server, f"/documents/pages/{page.id}/")
    connections.close_all()


def test_f8_visits_only_unchecked_unsure_lines(review_tab):
    inputs = review_tab.locator("input.line-text")
    expect(inputs.nth(0)).to_be_focused()
    review_tab.keyboard.press("F8")
    expect(inputs.nth(1)).to_be_focused()
    review_tab.click("#next-unsure")
    expect(inputs.nth(3)).to_be_focused()
    review_tab.keyboard.press("F8")
    expect(inputs.nth(1)).to_be_focused()  # round again

    inputs.nth(1).press("Enter")  # a person confirms line 1: no longer unsure
    expect(review_tab.locator("li.line >> nth=1").locator(".status")).to_have_text("Saved (version 2).")
    review_tab.keyboard.press("F8")
    expect(inputs.nth(3)).to_be_focused()
    inputs.nth(3).fill("5 mg twice daily")
    inputs.nth(3).press("Enter")
    expect(review_tab.locator("li.line >> nth=3").locator(".status")).to_have_text("Saved (version 2).")
    review_tab.keyboard.press("F8")
    expect(review_tab.locator("li.line.active .status")).to_have_text("No unsure lines left to check on this page.")
