"""A person fixes the segmentation in the review page: draws a box round a line the segmenter
missed, or a new box round one it cut wrongly, and a real Celery worker reads it with the shipped
model; removes a line that is not text."""
import pytest
from django.db import connections
from playwright.sync_api import expect
from rapidfuzz.distance import Levenshtein

from documents.models import Line, LineText, TextSource
from documents.services.unread_ink import places_save
from ml.layout.geometry import bounding_box
from recognition.models import Job, JobState
from tests import scans
from tests.browser.conftest import logged_in_page
from tests.conftest import jobs_set

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

MISSED = 2  # the page's third handwritten line has no Line: the segmenter "missed" it


@pytest.fixture
def review_tab(live_server, browser, make_document):
    page = make_document(pages=1).pages.get()
    jobs_set(Job.objects.filter(page=page), JobState.DONE)  # processed, with a line missed
    for order, index in enumerate(i for i in range(4) if i != MISSED):
        x0, y0, x1, y1 = scans.pasted_box(index)
        line = Line.objects.create(page=page, order=order, revision=1, polygon=[[x0, y0], [x1, y0], [x1, y1], [x0, y1]],
                                   baseline=[[x0, y1 - 10], [x1, y1 - 10]])
        LineText.objects.create(line=line, text=f"line {index}", confidences=[0.99] * 6,
                                source=TextSource.MODEL, model_version="m")
    places_save(page, [{"id": 1, "polygon": [[1200, 40], [1400, 40], [1400, 140], [1200, 140]]}])
    yield page, logged_in_page(browser, live_server, f"/documents/pages/{page.id}/")
    connections.close_all()


def drag(tab, box: tuple[int, int, int, int]) -> None:
    """Drag the mouse across the scan from one corner of ``box`` (page pixels) to the other."""
    corners = tab.evaluate(
        """([x0, y0, x1, y1]) => {
            const svg = document.getElementById("scan"), m = svg.getScreenCTM();
            const at = (x, y) => { const p = svg.createSVGPoint(); p.x = x; p.y = y; const s = p.matrixTransform(m); return [s.x, s.y]; };
            return [at(x0, y0), at(x1, y1)];
        }""",
        list(box),
    )
    tab.mouse.move(*corners[0])
    tab.mouse.down()
    tab.mouse.move(*corners[1], steps=5)
    tab.mouse.up()


def line_action(item, action: str) -> None:
    """Choose ``action`` (a button's class) in the line's menu."""
    item.locator("details.line-menu summary").click()
    item.locator(f"button.{action}").click()


def expect_missed_line_read(tab) -> None:
    """The page reloads with the missed line as its third, then again once the worker has read it."""
    expect(tab.locator("li.line")).to_have_count(4)
    third = tab.locator("li.line >> nth=2")
    expect(third.locator(".source")).to_have_text("Model", timeout=120_000)
    read = third.locator("textarea.line-text").input_value()
    expected = sorted(scans.LINES_DIR.glob("*.gt.txt"))[MISSED].read_text(encoding="utf-8").strip()
    assert Levenshtein.normalized_distance(read, expected) < 0.5, (read, expected)


def test_a_drawn_line_is_read_by_the_worker_and_shown_in_its_place(review_tab, celery_worker):
    page, tab = review_tab
    tab.click("#draw-line")
    x0, y0, x1, y1 = scans.pasted_box(MISSED)
    drag(tab, (x0 - 5, y0 - 5, x1 + 5, y1 + 5))

    expect_missed_line_read(tab)
    assert tab.locator("li.line >> nth=3").locator("textarea.line-text").input_value() == "line 3"


def missed_line_as_place(page, tab) -> None:
    """The missed line shown as a second place of unread ink, as the segmenter shows ink it left out."""
    x0, y0, x1, y1 = scans.pasted_box(MISSED)
    places_save(page, [*page.unread_ink, {"id": 2, "polygon": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]}])
    tab.reload()


def test_a_place_of_unread_ink_that_is_writing_is_read_at_a_click(review_tab, celery_worker):
    page, tab = review_tab
    missed_line_as_place(page, tab)

    tab.click('#unread-places li[data-place-id="2"] .read-place')

    expect_missed_line_read(tab)
    expect(tab.locator("#unread-places li")).to_have_count(1)  # the other place is still to be looked at


def test_all_places_are_read_at_a_click_in_one_job(review_tab, celery_worker):
    page, tab = review_tab
    missed_line_as_place(page, tab)
    jobs_before = Job.objects.filter(page=page).count()

    tab.click("#read-all-places")

    expect(tab.locator("li.line")).to_have_count(4)  # the missed line; place 1 is blank paper, left to a person
    expect(tab.locator("li.line .source", has_text="not read yet")).to_have_count(0, timeout=120_000)
    expected = sorted(scans.LINES_DIR.glob("*.gt.txt"))[MISSED].read_text(encoding="utf-8").strip()
    texts = [box.input_value() for box in tab.locator("textarea.line-text").all()]
    assert min(Levenshtein.normalized_distance(text, expected) for text in texts) < 0.5, texts
    expect(tab.locator("#unread-places li")).to_have_count(1)
    assert Job.objects.filter(page=page).count() == jobs_before + 1  # one job read them all


def test_a_redrawn_line_is_read_again_by_the_worker(review_tab, celery_worker):
    page, tab = review_tab
    last = tab.locator("li.line >> nth=2")  # the page's fourth handwritten line
    expect(tab.locator("#draw-direction")).to_be_hidden()
    line_action(last, "redraw-line")
    expect(tab.locator("#draw-direction")).to_be_visible()
    expect(tab.locator("#line-edit-status")).to_have_text(
        "Drag a new box round line 3 on the scan, tall letters and all: it is fitted to the writing (Esc: cancel)."
    )
    x0, y0, x1, y1 = scans.pasted_box(3)
    drag(tab, (x0 - 5, y0 - 5, x1 + 5, y1 + 5))

    # Its placeholder reading goes with the old box; the worker reads the new one.
    expect(last.locator("textarea.line-text")).not_to_have_value("line 3")
    expect(last.locator(".source")).to_have_text("Model", timeout=120_000)
    read = last.locator("textarea.line-text").input_value()
    expected = sorted(scans.LINES_DIR.glob("*.gt.txt"))[3].read_text(encoding="utf-8").strip()
    assert Levenshtein.normalized_distance(read, expected) < 0.5, (read, expected)
    fitted = bounding_box(Line.objects.get(page=page, order=2).polygon)  # fitted to the writing in the box
    assert x0 - 5 <= fitted[0] and y0 - 5 <= fitted[1] and fitted[2] <= x1 + 5 and fitted[3] <= y1 + 5
    assert tab.locator("li.line").count() == 3


def test_redrawing_starts_from_the_lines_direction_and_escape_cancels_it(review_tab):
    page, tab = review_tab
    x0, y0, x1, y1 = scans.pasted_box(0)
    page.lines.filter(order=0).update(baseline=[[x1 - 10, y1], [x1 - 10, y0]])  # as if it ran up the page
    tab.reload()
    line_action(tab.locator("li.line >> nth=0"), "redraw-line")
    expect(tab.locator("#draw-direction select")).to_have_value("up")
    expect(tab.locator("polygon.line-shape.redrawn")).to_have_count(1)
    tab.keyboard.press("Escape")
    expect(tab.locator("#draw-direction")).to_be_hidden()
    expect(tab.locator("polygon.line-shape.redrawn")).to_have_count(0)
    expect(tab.locator("#line-edit-status")).to_have_text("")
    expect(tab.locator("#draw-line")).to_have_text("Draw a missed line")


def test_a_line_that_is_not_text_is_removed_after_a_confirmation(review_tab):
    page, tab = review_tab
    tab.on("dialog", lambda dialog: dialog.accept())
    line_action(tab.locator("li.line >> nth=1"), "remove-line")
    expect(tab.locator("li.line")).to_have_count(2)
    assert [tab.locator("textarea.line-text").nth(n).input_value() for n in range(2)] == ["line 0", "line 3"]
    assert page.lines.count() == 2


def test_removing_is_refused_while_a_line_holds_unsaved_text(review_tab):
    page, tab = review_tab
    tab.locator("textarea.line-text").nth(0).fill("typed, not saved")
    line_action(tab.locator("li.line >> nth=1"), "remove-line")
    expect(tab.locator("li.line >> nth=1").locator(".status")).to_contain_text("Save line 1 first")
    assert page.lines.count() == 3


def test_a_place_of_unread_ink_is_shown_dismissed_and_restored(review_tab):
    page, tab = review_tab
    expect(tab.locator("polygon.unread:visible")).to_have_count(1)
    tab.click("#unread-places .show-place")
    expect(tab.locator("polygon.unread.shown")).to_have_count(1)
    tab.click("#unread-places .mark-place")
    expect(tab.locator("#unread-places")).to_have_count(0)
    expect(tab.locator("polygon.unread:visible")).to_have_count(0)
    page.refresh_from_db()
    assert page.unread_places == [] and len(page.dismissed_places) == 1

    tab.click("#dismissed-places summary")
    expect(tab.locator("#dismissed-places li")).to_contain_text("dismissed by")
    tab.click("#dismissed-places .mark-place")
    expect(tab.locator("#unread-places li")).to_have_count(1)
    page.refresh_from_db()
    assert [place["id"] for place in page.unread_places] == [1]
