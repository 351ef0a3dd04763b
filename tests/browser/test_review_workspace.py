"""The review workspace in Chromium at 1400x900: a page of 17 lines fits at least 12 in view;
Tab goes from one line's text to the next; the scan zooms; text typed and not saved survives
leaving the page and a reload, and leaving asks first; the document page shows its pages first."""
import pytest
from django.db import connections
from playwright.sync_api import expect

from documents.models import Line, LineText, TextSource
from recognition.models import Job, JobState
from tests.browser.conftest import logged_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINES = 17
TEXT = "The lecture on enzyme kinetics starts from Michaelis and Menten, {}"  # long lines: ~70 characters


@pytest.fixture
def document(make_document):
    document = make_document(pages=2)
    Job.objects.filter(document=document).update(state=JobState.DONE)  # read: no progress to wait for
    for page in document.pages.all():
        for order in range(LINES):
            y = 20 + 56 * order
            line = Line.objects.create(page=page, order=order, revision=1, polygon=[[40, y], [1400, y], [1400, y + 48], [40, y + 48]],
                                       baseline=[[40, y + 40], [1400, y + 40]])
            text = TEXT.format(order)
            LineText.objects.create(line=line, text=text, confidences=[0.99] * len(text), source=TextSource.MODEL,
                                    model_version="m")
    yield document
    connections.close_all()


@pytest.fixture
def review_tab(live_server, browser, document):
    tab = logged_in_page(browser, live_server, f"/documents/pages/{document.pages.get(number=1).id}/")
    tab.set_viewport_size({"width": 1400, "height": 900})
    return tab


def fields(tab):
    return tab.locator("textarea.line-text")


def test_at_least_twelve_of_seventeen_lines_are_in_view_at_1400_by_900(review_tab):
    expect(fields(review_tab)).to_have_count(LINES)
    in_view = review_tab.evaluate("""() => {
        const pane = document.querySelector(".lines").getBoundingClientRect();
        return Array.from(document.querySelectorAll("li.line")).filter((item) => {
            const box = item.getBoundingClientRect();
            return box.top >= pane.top && box.bottom <= Math.min(pane.bottom, window.innerHeight);
        }).length;
    }""")
    assert in_view >= 12, in_view
    # One field a line, that wraps: the whole of a long line shows, not a cut-off copy beside it.
    first = fields(review_tab).nth(0)
    assert first.evaluate("(field) => field.scrollHeight <= field.clientHeight + 1")


def test_tab_goes_from_one_lines_text_to_the_next_and_back(review_tab):
    expect(fields(review_tab).nth(0)).to_be_focused()
    review_tab.keyboard.press("Tab")
    expect(fields(review_tab).nth(1)).to_be_focused()
    review_tab.keyboard.press("Tab")
    expect(fields(review_tab).nth(2)).to_be_focused()
    review_tab.keyboard.press("Shift+Tab")
    expect(fields(review_tab).nth(1)).to_be_focused()
    expect(review_tab.locator("li.line.active .number")).to_have_text("2")


def test_the_scan_zooms_with_the_buttons_the_keys_and_the_wheel(review_tab):
    scan = review_tab.locator("#scan")
    width = lambda: scan.bounding_box()["width"]  # noqa: E731
    fitted = width()
    review_tab.click("#zoom-in")
    expect(review_tab.locator("#zoom-level")).not_to_have_text(f"{round(fitted / 1500 * 100)}%")
    assert width() == pytest.approx(fitted * 1.25, rel=0.02)
    review_tab.keyboard.press("Escape")  # out of the text, where + is a key
    review_tab.keyboard.press("+")
    assert width() == pytest.approx(fitted * 1.25 ** 2, rel=0.02)
    box = review_tab.locator("#scan-view").bounding_box()
    review_tab.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    review_tab.mouse.wheel(0, 300)  # wheel down: out
    review_tab.wait_for_function(f"document.getElementById('scan').getBoundingClientRect().width < {fitted * 1.5}")
    review_tab.click("#fit-page")
    page_box, view_box = scan.bounding_box(), review_tab.locator("#scan-view").bounding_box()
    assert page_box["height"] <= view_box["height"] and page_box["width"] <= view_box["width"]
    review_tab.click("#fit-width")
    assert width() == pytest.approx(fitted, rel=0.02)


def test_a_draft_survives_leaving_the_page_and_a_reload_until_it_is_saved(review_tab, document):
    review_tab.on("dialog", lambda dialog: dialog.accept())  # yes, leave (the draft is kept)
    fields(review_tab).nth(6).fill("typed in line 7, not saved")
    review_tab.locator(".page-numbers a", has_text="2").click()
    expect(review_tab.locator(".crumbs")).to_contain_text("Page 2 of 2")

    review_tab.locator(".crumbs a").first.click()  # the document page says where the draft is
    expect(review_tab.locator('ol.pages li >> nth=0').locator(".page-drafts")).to_have_text("1 line typed here, not saved")
    expect(review_tab.locator('ol.pages li >> nth=1').locator(".page-drafts")).to_be_hidden()

    review_tab.locator("a.page-link").first.click()
    expect(fields(review_tab).nth(6)).to_have_value("typed in line 7, not saved")
    expect(review_tab.locator("li.line >> nth=6").locator(".status")).to_contain_text("Your unsaved text, kept from before")
    review_tab.reload()
    expect(fields(review_tab).nth(6)).to_have_value("typed in line 7, not saved")

    fields(review_tab).nth(6).press("Enter")
    expect(review_tab.locator("li.line >> nth=6").locator(".status")).to_have_text("Saved (version 2).")
    assert Line.objects.get(page__document=document, page__number=1, order=6).versions.last().text == "typed in line 7, not saved"
    review_tab.reload()  # saved: no draft is left to restore
    expect(review_tab.locator("li.line.draft")).to_have_count(0)
    drafts = "() => Object.keys(localStorage).filter((key) => key.startsWith('htr-draft:'))"
    assert review_tab.evaluate(drafts) == []

    # A draft of a line removed since is dropped when its page opens.
    page_id = document.pages.get(number=1).id
    review_tab.evaluate(f"() => localStorage.setItem('htr-draft:{page_id}:gone', JSON.stringify({{text: 'x', revision: 1}}))")
    review_tab.reload()
    expect(fields(review_tab)).to_have_count(LINES)
    assert review_tab.evaluate(drafts) == []


def test_leaving_with_text_not_saved_asks_first(review_tab):
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay

    review_tab.on("dialog", answer)
    fields(review_tab).nth(2).fill("not saved yet")
    review_tab.locator(".crumbs a").first.click()  # to the document
    review_tab.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    expect(review_tab.locator(".crumbs")).to_contain_text("Page 1 of 2")  # still here
    expect(fields(review_tab).nth(2)).to_have_value("not saved yet")

    fields(review_tab).nth(2).press("Enter")  # saved: leaving asks nothing
    expect(review_tab.locator("li.line >> nth=2").locator(".status")).to_have_text("Saved (version 2).")
    review_tab.locator(".crumbs a").first.click()
    expect(review_tab.locator("ol.pages")).to_be_visible()
    assert asked == ["beforeunload"]


def test_the_line_actions_are_in_its_menu_out_of_the_tab_order(review_tab):
    menu = review_tab.locator("li.line >> nth=0").locator("details.line-menu")
    expect(menu.locator("button.redraw-line")).to_be_hidden()
    fields(review_tab).nth(0).press("Alt+m")
    expect(menu.locator("button.redraw-line")).to_be_focused()
    review_tab.keyboard.press("Escape")
    expect(fields(review_tab).nth(0)).to_be_focused()
    review_tab.keyboard.press("Escape")  # leaves the text
    review_tab.keyboard.press("?")
    expect(review_tab.locator("#keys-dialog")).to_be_visible()


def test_the_document_page_shows_its_pages_above_the_fold(live_server, browser, document):
    tab = logged_in_page(browser, live_server, f"/documents/{document.id}/")
    tab.set_viewport_size({"width": 1400, "height": 900})
    thumbnails = tab.locator("ol.pages img")
    expect(thumbnails).to_have_count(2)
    for n in range(2):
        box = thumbnails.nth(n).bounding_box()
        assert box["y"] + box["height"] <= 900, box
    expect(tab.locator("ol.pages .page-check").first).to_have_text(f"0 of {LINES} lines checked")
