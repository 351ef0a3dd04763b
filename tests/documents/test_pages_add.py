"""The owner adds pages to a document (the next week's notes): they come after the others and are
found and read like an upload's, with the model that reads the document."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents.models import Page
from recognition.models import Job, JobStage
from tests import scans

pytestmark = pytest.mark.django_db


def scan(name: str, first: int = 0) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, scans.png_bytes(scans.handwritten_page(first=first)), content_type="image/png")


def test_the_owner_adds_pages_after_the_others_and_they_are_read(client, owner, make_document, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: sent.append((name, args[0])))
    document = make_document(pages=2)
    sent.clear()
    client.force_login(owner)
    assert 'id="add-pages-form"' in client.get(reverse("document-detail", args=[document.id])).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("document-pages-add", args=[document.id]),
                           {"files": [scan("week3.png", 3), scan("week4.png", 4)]}, follow=True)

    assert "2 pages added after the others" in page.content.decode()
    assert list(document.pages.order_by("number").values_list("number", flat=True)) == [1, 2, 3, 4]
    added = Page.objects.filter(document=document, number__in=[3, 4])
    segment = Job.objects.filter(page__in=added, stage=JobStage.SEGMENT)
    assert sorted(sent) == sorted(("recognition.tasks.segment_page", str(job.id)) for job in segment)
    assert Job.objects.filter(page__in=added, stage=JobStage.RECOGNIZE, state="queued").count() == 2


def test_a_bad_file_adds_nothing_and_says_why(client, owner, make_document, monkeypatch):
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: None)
    document = make_document(pages=1)
    client.force_login(owner)
    broken = SimpleUploadedFile("broken.png", b"\x89PNG\r\n\x1a\n not an image", content_type="image/png")
    page = client.post(reverse("document-pages-add", args=[document.id]),
                       {"files": [scan("fine.png"), broken]}, follow=True).content.decode()
    assert "No page was added: broken.png" in page and document.pages.count() == 1


def test_pages_beyond_the_limit_are_refused(client, owner, make_document, settings, monkeypatch):
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: None)
    settings.UPLOAD_MAX_PAGES = 2
    document = make_document(pages=2)
    client.force_login(owner)
    refused = client.post(reverse("api-document-pages", args=[document.id]), {"files": [scan("one-more.png")]})
    assert refused.status_code == 400 and "at most 2 pages; this one has 2" in refused.json()["detail"]
    assert document.pages.count() == 2


def test_only_the_owner_adds_pages(client, collaborator, stranger, document_with_lines):
    client.force_login(collaborator)
    assert 'id="add-pages-form"' not in client.get(reverse("document-detail", args=[document_with_lines.id])).content.decode()
    refused = client.post(reverse("api-document-pages", args=[document_with_lines.id]), {"files": [scan("p.png")]})
    assert refused.status_code == 403 and "Only the owner of a document can add pages to it." == refused.json()["detail"]
    client.force_login(stranger)
    assert client.post(reverse("api-document-pages", args=[document_with_lines.id]), {"files": [scan("p.png")]}).status_code == 404
    assert document_with_lines.pages.count() == 1


def test_the_api_adds_pages(client, owner, make_document, monkeypatch):
    monkeypatch.setattr("recognition.services.celery_app.send_task", lambda name, args: None)
    document = make_document(pages=1)
    client.force_login(owner)
    added = client.post(reverse("api-document-pages", args=[document.id]), {"files": [scan("p2.png", 2)]})
    assert added.status_code == 201 and [page["number"] for page in added.json()] == [2]
