"""The owner deletes a document (uploaded by mistake, or kept no longer than allowed): its pages,
images, lines and every text version go; nobody else can delete it."""
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from documents.models import Document, Line, LineText, Page

pytestmark = pytest.mark.django_db


def test_the_owner_is_asked_first_then_everything_goes(client, owner, document_with_lines,
                                                       django_capture_on_commit_callbacks):
    image = Path(default_storage.path(document_with_lines.pages.get().image.name))
    assert image.is_file()
    client.force_login(owner)
    assert 'id="delete-link"' in client.get(reverse("document-detail", args=[document_with_lines.id])).content.decode()

    asked = client.get(reverse("document-delete", args=[document_with_lines.id])).content.decode()
    assert "Its 1 page go" in asked and "0 lines checked by people" in asked and "cannot be undone" in asked
    assert Document.objects.filter(pk=document_with_lines.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):  # the image goes once the rows have
        page = client.post(reverse("document-delete", args=[document_with_lines.id]), follow=True)

    assert "“Notes” was deleted" in page.content.decode()
    assert not Document.objects.exists() and not Page.objects.exists()
    assert not Line.objects.exists() and not LineText.objects.exists()
    assert not image.exists() and not image.parent.exists()
    assert client.get(reverse("document-detail", args=[document_with_lines.id])).status_code == 404


def test_people_it_is_shared_with_cannot_delete_it_and_strangers_do_not_see_it(
        client, collaborator, stranger, document_with_lines):
    client.force_login(collaborator)
    assert 'id="delete-link"' not in client.get(reverse("document-detail", args=[document_with_lines.id])).content.decode()
    assert "Only its owner, owner, can delete" in client.get(reverse("document-delete", args=[document_with_lines.id])).content.decode()
    refused = client.post(reverse("document-delete", args=[document_with_lines.id]), follow=True)
    assert "Only the owner of a document can delete it." in refused.content.decode()
    api = client.delete(reverse("api-document-detail", args=[document_with_lines.id]))
    assert api.status_code == 403 and api.json()["detail"] == "Only the owner of a document can delete it."

    client.force_login(stranger)
    assert client.post(reverse("document-delete", args=[document_with_lines.id])).status_code == 404
    assert client.delete(reverse("api-document-detail", args=[document_with_lines.id])).status_code == 404
    assert Document.objects.filter(pk=document_with_lines.pk).exists() and LineText.objects.count() == 3


def test_the_owner_deletes_it_through_the_api(client, owner, document_with_lines):
    client.force_login(owner)
    assert client.delete(reverse("api-document-detail", args=[document_with_lines.id])).status_code == 204
    assert not Document.objects.exists()
