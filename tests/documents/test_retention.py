"""Prescriptions hold patient data: with PRESCRIPTION_RETENTION_DAYS set, each is deleted that long
after its upload, and its page says when; other documents, and every document without it, stay."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from documents.models import Document, DocumentKind
from recognition import tasks
from recognition.models import FineTuning, JobState
from recognition.services import documents_delete_expired
from tests.conftest import fine_tuning_set

pytestmark = pytest.mark.django_db


def uploaded_days_ago(document: Document, days: int) -> Document:
    Document.objects.filter(pk=document.pk).update(created=timezone.now() - timedelta(days=days))
    return Document.objects.get(pk=document.pk)


def test_prescriptions_past_their_retention_are_deleted(make_document, settings, django_capture_on_commit_callbacks):
    settings.PRESCRIPTION_RETENTION_DAYS = 30
    old = uploaded_days_ago(make_document(pages=1, kind=DocumentKind.PRESCRIPTION), 31)
    recent = uploaded_days_ago(make_document(pages=1, kind=DocumentKind.PRESCRIPTION), 29)
    notes = uploaded_days_ago(make_document(pages=1), 400)

    with django_capture_on_commit_callbacks(execute=True):
        tasks.delete_expired_documents.apply()

    assert set(Document.objects.values_list("pk", flat=True)) == {recent.pk, notes.pk}
    assert old.pk not in Document.objects.values_list("pk", flat=True)


def test_without_a_retention_nothing_is_deleted(make_document, settings):
    settings.PRESCRIPTION_RETENTION_DAYS = 0
    uploaded_days_ago(make_document(pages=1, kind=DocumentKind.PRESCRIPTION), 4000)
    assert documents_delete_expired() == 0 and Document.objects.count() == 1


def test_one_being_tuned_waits_for_the_next_round(make_document, settings):
    settings.PRESCRIPTION_RETENTION_DAYS = 30
    old = uploaded_days_ago(make_document(pages=1, kind=DocumentKind.PRESCRIPTION), 31)
    run = FineTuning.objects.create(document=old, steps=1)
    fine_tuning_set(run, JobState.RUNNING)
    assert documents_delete_expired() == 0
    fine_tuning_set(run, JobState.DONE)
    assert documents_delete_expired() == 1


def test_the_prescription_page_says_when_it_will_be_deleted(client, owner, make_document, settings):
    settings.PRESCRIPTION_RETENTION_DAYS = 30
    prescription = uploaded_days_ago(make_document(pages=1, kind=DocumentKind.PRESCRIPTION), 10)
    notes = make_document(pages=1)
    client.force_login(owner)
    page = client.get(reverse("document-detail", args=[prescription.id])).content.decode()
    expected = timezone.localtime(prescription.created + timedelta(days=30))
    assert f"with its pages and text, on {expected.day} {expected:%B %Y}" in page
    assert 'id="retention"' not in client.get(reverse("document-detail", args=[notes.id])).content.decode()


def test_retention_is_on_by_default_and_its_deletion_is_audited(make_document, client, owner,
                                                                 django_capture_on_commit_callbacks):
    from django.conf import settings as django_settings
    from documents.models import AuditEntry

    from htr_platform import settings as defaults

    assert defaults.PRESCRIPTION_RETENTION_DAYS == 30 == django_settings.PRESCRIPTION_RETENTION_DAYS
    old = uploaded_days_ago(make_document(pages=1, kind=DocumentKind.PRESCRIPTION), 31)
    with django_capture_on_commit_callbacks(execute=True):
        assert documents_delete_expired() == 1
    entry = AuditEntry.objects.get(document_key=old.pk)
    assert (entry.action, entry.username, entry.detail) == ("delete", "(system)", "retention: kept 30 days")
    recent = make_document(pages=1, kind=DocumentKind.PRESCRIPTION)
    client.force_login(owner)
    page = client.get(reverse("page-review", args=[recent.pages.get().id])).content.decode()
    assert f"is deleted on {(recent.created + timedelta(days=30)):%-d %B %Y}" in page
