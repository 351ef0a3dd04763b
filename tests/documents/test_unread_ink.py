"""Places with ink that no line covers: kept from the segmenter, shown until a line is drawn
round them or a person dismisses them, counted where exports are made."""
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from documents.exports import export_json
from documents.models import Page
from documents.selectors import document_checks
from documents.services import line_add, page_lines_create, unread_ink_dismiss
from ml.layout import PageLayout, TextLine
from recognition.models import Job, JobState

pytestmark = pytest.mark.django_db

STAMP = [(900, 100), (1100, 100), (1100, 250), (900, 250)]
DOSE = [(700, 600), (820, 600), (820, 640), (700, 640)]


@pytest.fixture
def page(make_document, monkeypatch):
    page = make_document(pages=1).pages.get()
    layout = PageLayout(width=page.width, height=page.height, unread_ink=[STAMP, DOSE])
    layout.lines.append(TextLine(id="l1", polygon=[(60, 80), (600, 80), (600, 130), (60, 130)], baseline=[(60, 120), (600, 120)]))
    page_lines_create(page=page, layout=layout)
    Job.objects.filter(page=page).update(state=JobState.DONE)
    return Page.objects.get(pk=page.pk)


def test_the_segmenters_places_are_kept_numbered_and_counted(page):
    assert page.unread_ink == [{"id": 1, "polygon": [list(p) for p in STAMP]}, {"id": 2, "polygon": [list(p) for p in DOSE]}]
    assert [check.unread_places for check in document_checks(document=page.document)] == [2]
    assert [place["id"] for place in export_json(page.document)["pages"][0]["unread_ink"]] == [1, 2]


def test_a_line_drawn_round_a_place_takes_it_in(page, monkeypatch):
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: None)
    line_add(page=page, box=(690, 590, 830, 650))
    page.refresh_from_db()
    assert [place["id"] for place in page.unread_ink] == [1]  # the stamp is still to be looked at


def test_a_dismissed_place_goes_once(page):
    assert unread_ink_dismiss(page=page, place_id=1)
    assert not unread_ink_dismiss(page=page, place_id=1)
    page.refresh_from_db()
    assert [place["id"] for place in page.unread_ink] == [2]


def test_the_api_lists_and_dismisses_places(page, collaborator, stranger):
    from documents.services import document_share

    document_share(document=page.document, user=collaborator)
    client = APIClient()
    client.force_authenticate(collaborator)
    listed = client.get(reverse("api-document-pages", args=[page.document.id])).json()
    assert [place["id"] for place in listed[0]["unread_ink"]] == [1, 2]
    assert client.delete(reverse("api-page-unread-ink", args=[page.id, 2])).status_code == 204
    assert client.delete(reverse("api-page-unread-ink", args=[page.id, 2])).status_code == 404

    client.force_authenticate(stranger)
    assert client.delete(reverse("api-page-unread-ink", args=[page.id, 1])).status_code == 404
    page.refresh_from_db()
    assert [place["id"] for place in page.unread_ink] == [1]


def test_the_document_page_warns_before_export_while_places_remain(client, owner, page):
    client.force_login(owner)
    url = reverse("document-detail", args=[page.document.id])
    assert "2 places on the pages have ink that no line covers" in client.get(url).content.decode()
    unread_ink_dismiss(page=page, place_id=1)
    unread_ink_dismiss(page=page, place_id=2)
    assert "unread-warning" not in client.get(url).content.decode()
