"""The owner deletes a wrong page: its image, lines and text go, the pages after it move up one; a
document keeps one page at least, and nobody else can delete its pages."""
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from documents.models import Line, Page
from recognition.models import FineTuning, JobState
from tests.conftest import fine_tuning_set

pytestmark = pytest.mark.django_db


def test_the_owner_deletes_a_page_and_the_later_ones_move_up(client, owner, make_document,
                                                            django_capture_on_commit_callbacks):
    document = make_document(pages=3)
    second = document.pages.get(number=2)
    Line.objects.create(page=second, order=0, polygon=[[0, 0], [9, 0], [9, 9], [0, 9]])
    image = Path(default_storage.path(second.image.name))
    third = document.pages.get(number=3)
    client.force_login(owner)
    assert 'id="page-delete-link"' in client.get(reverse("page-review", args=[second.id])).content.decode()
    asked = client.get(reverse("page-delete", args=[second.id])).content.decode()
    assert "Delete page 2 of “Notes”?" in asked and "(0 lines checked by" in asked

    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("page-delete", args=[second.id]), follow=True).content.decode()

    assert "Page 2 was deleted" in page
    assert list(document.pages.order_by("number").values_list("number", flat=True)) == [1, 2]
    assert Page.objects.get(pk=third.pk).number == 2 and not Line.objects.filter(page_id=second.id).exists()
    assert not image.exists()


def test_the_only_page_stays_and_others_cannot_delete_pages(client, owner, collaborator, stranger, document_with_lines):
    page = document_with_lines.pages.get()
    client.force_login(owner)
    only = client.delete(reverse("api-page-detail", args=[page.id]))
    assert only.status_code == 409 and "only page: delete the document instead" in only.json()["detail"]
    assert 'id="page-delete-link"' not in client.get(reverse("page-review", args=[page.id])).content.decode()
    client.force_login(collaborator)
    refused = client.delete(reverse("api-page-detail", args=[page.id]))
    assert refused.status_code == 403 and refused.json()["detail"] == "Only the owner of a document can delete its pages."
    client.force_login(stranger)
    assert client.delete(reverse("api-page-detail", args=[page.id])).status_code == 404
    assert Page.objects.filter(pk=page.pk).exists()


def test_a_page_waits_while_a_model_is_tuned_to_its_document(client, owner, make_document):
    document = make_document(pages=2)
    fine_tuning_set(FineTuning.objects.create(document=document, steps=1), JobState.RUNNING)
    client.force_login(owner)
    refused = client.delete(reverse("api-page-detail", args=[document.pages.get(number=1).id]))
    assert refused.status_code == 409 and "being tuned" in refused.json()["detail"]
    assert document.pages.count() == 2
