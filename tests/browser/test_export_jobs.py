"""A large document's export: the button queues it, its page follows it and then offers the file.
The test plays the worker (it runs the export task itself), so it decides when the export is made."""
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import expect

from documents import tasks
from documents.exports import document_export
from documents.services import export_jobs
from recognition.services import jobs
from tests.browser.conftest import logged_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_large_documents_export_page_follows_the_job_to_its_download(live_server, browser, make_document,
                                                                        settings, monkeypatch):
    settings.EXPORT_IN_BACKGROUND_ABOVE_PAGES = 1
    monkeypatch.setattr(jobs, "_send", lambda messages: None)  # no page is read
    sent = []
    monkeypatch.setattr(export_jobs, "_send", sent.append)
    document = make_document(pages=2)
    tab = logged_in_page(browser, live_server, f"/documents/{document.id}/")
    tab.locator(".export-menu summary").click()
    tab.get_by_role("button", name="Plain text").click()

    expect(tab.locator("#export")).to_contain_text("Waiting for a worker")
    tasks.export_document.apply(args=[str(sent[0])])
    download_link = tab.locator("#export-download")
    expect(download_link).to_be_visible(timeout=10_000)  # the page reloads itself every 2 s
    with tab.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename == "Notes.txt"
    assert Path(download.value.path()).read_bytes() == document_export(document=document, fmt="txt")
    connections.close_all()
