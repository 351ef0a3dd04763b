"""A pharmacist in Chromium confirms the flags of a prescription line with Ctrl+Enter, and corrects
another by picking a suggestion."""
import pytest
from django.db import connections
from playwright.sync_api import expect

from documents.models import DocumentKind, Line, LineFlag, LineText, TextSource
from recognition import services as recognition
from tests.browser.conftest import logged_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def prescription_lines(document, texts: list[str]) -> list[Line]:
    page = document.pages.get()
    lines = []
    for order, text in enumerate(texts, start=page.lines.count()):
        line = Line.objects.create(page=page, order=order, revision=1,
                                   polygon=[[10, 10 + 60 * order], [400, 10 + 60 * order], [400, 60 + 60 * order], [10, 60 + 60 * order]],
                                   baseline=[[10, 55 + 60 * order], [400, 55 + 60 * order]])
        LineText.objects.create(line=line, text=text, confidences=[0.99] * len(text), source=TextSource.MODEL,
                                model_version="test-model-1")
        lines.append(line)
    recognition.lines_flag(lines=lines)
    connections.close_all()
    return lines


def test_ctrl_enter_confirms_the_flags_and_a_suggestion_corrects_one(live_server, browser, make_document, owner):
    document = make_document(pages=1, kind=DocumentKind.PRESCRIPTION)
    document.pages.update(processing=False)
    first, second = prescription_lines(document, ["Amoxicilin 5000 mg tds", "Paracetamol 500 mg qds"])
    page = logged_in_page(browser, live_server, f"/documents/pages/{document.pages.get().id}/")

    line = page.locator(f"#line-{first.id}")
    expect(line.locator("li.flag")).to_have_count(2)
    expect(line.locator("li.flag").first).to_contain_text("is not in the drug list")
    expect(line.locator(".shading mark.flagged")).not_to_have_count(0)
    line.locator("textarea.line-text").focus()
    page.keyboard.press("Control+Enter")
    expect(line.locator("li.flag.confirmed")).to_have_count(2)
    expect(line.locator(".shading mark.flagged")).to_have_count(0)
    assert LineFlag.objects.filter(version__line=first, confirmed_by=owner).count() == 2
    assert first.versions.count() == 1  # confirming adds no version

    # a second prescription line, read wrong: the suggestion corrects it into a new version, checked again
    prescription_lines(document, ["Amoxcillin 500 mg tds"])
    page.reload()
    third = page.locator("li.line").nth(2)
    third.locator("button.suggestion", has_text="amoxicillin").click()
    expect(third.locator("textarea.line-text")).to_have_value("amoxicillin 500 mg tds")
    expect(third.locator(".status")).to_contain_text("Saved")
    expect(third.locator("li.flag")).to_have_count(0)
    texts = list(Line.objects.get(page__document=document, order=2).versions.order_by("created", "id")
                 .values_list("text", flat=True))
    unchanged = second.versions.count()
    # Under Playwright's event loop these queries ran on a connection of their own; close it, or
    # the test database cannot be dropped at the end of the run.
    connections.close_all()
    assert texts == ["Amoxcillin 500 mg tds", "amoxicillin 500 mg tds"]
    assert unchanged == 1
