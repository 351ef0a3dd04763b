"""F8 / "next unsure line" walks through the lines whose model reading has doubtful characters."""
import pytest
from django.db import connections
from playwright.sync_api import expect

from documents.models import Line, LineText, TextSource
from tests.browser.conftest import logged_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Prescriptions single out lines the model expects one character or more wrong on: lines 1 (1.42
# expected) and 3 (2.41); lines 0 (0.04) and 2 (0.43) are not. F8 goes to the most expected first.
CONFIDENCES = [[0.99] * 4, [0.99, 0.99, 0.3, 0.3], [0.99, 0.99, 0.6, 0.99], [0.99, 0.2, 0.2, 0.2]]


@pytest.fixture
def review_tab(live_server, browser, make_document):
    document = make_document(pages=1, kind="prescription")
    page = document.pages.get()
    for order, confidences in enumerate(CONFIDENCES):
        y = 30 + 60 * order
        line = Line.objects.create(page=page, order=order, revision=1, polygon=[[10, y], [300, y], [300, y + 40], [10, y + 40]],
                                   baseline=[[10, y + 35], [300, y + 35]])
        LineText.objects.create(line=line, text="5 mg", confidences=confidences, source=TextSource.MODEL, model_version="m")
    yield logged_in_page(browser, live_server, f"/documents/pages/{page.id}/")
    connections.close_all()


def test_f8_visits_the_unchecked_unsure_lines_most_expected_errors_first(review_tab):
    fields = review_tab.locator("textarea.line-text")
    expect(fields.nth(0)).to_be_focused()
    expect(review_tab.locator("li.line.unsure")).to_have_count(2)
    review_tab.keyboard.press("F8")
    expect(fields.nth(3)).to_be_focused()
    review_tab.click("#next-unsure")
    expect(fields.nth(1)).to_be_focused()
    review_tab.keyboard.press("F8")
    expect(fields.nth(3)).to_be_focused()  # round again

    fields.nth(3).press("Enter")  # a person confirms line 3: no longer unsure
    expect(review_tab.locator("li.line >> nth=3").locator(".status")).to_have_text("Saved (version 2).")
    review_tab.keyboard.press("F8")
    expect(fields.nth(1)).to_be_focused()
    fields.nth(1).fill("5 mg twice daily")
    fields.nth(1).press("Enter")
    expect(review_tab.locator("li.line >> nth=1").locator(".status")).to_have_text("Saved (version 2).")
    review_tab.keyboard.press("F8")
    expect(review_tab.locator("li.line.active .status")).to_have_text("No unsure lines left to check on this page.")


def test_doubted_characters_are_shaded_inside_the_field_and_follow_an_edit(review_tab):
    line = review_tab.locator("li.line >> nth=3")
    expect(line.locator(".shading mark")).to_have_count(3)  # " mg": 20 % sure each, under 90 %
    expect(line.locator(".shading mark.strong")).to_have_count(3)  # under 50 %: the strongest shade
    line.locator("textarea").fill("5 mg/day")  # what the person typed carries no doubt; " mg" keeps its own
    expect(line.locator(".shading mark")).to_have_count(3)
    line.locator("textarea").fill("50 mg")
    expect(line.locator(".shading mark")).to_have_count(3)
    line.locator("textarea").fill("5 ml")
    expect(line.locator(".shading mark")).to_have_count(2)
