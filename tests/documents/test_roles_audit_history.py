"""Sharing roles (a viewer reads and exports, an editor also corrects, only the owner shares and
deletes), the append-only audit log, and a line's history with revert."""
import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from documents.models import AuditEntry, Document, LineText, ShareRole
from documents.services import document_share

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(django_user_model, document_with_lines):
    user = django_user_model.objects.create_user("viewer", password="viewer-password-1")
    document_share(document=document_with_lines, user=user, role=ShareRole.VIEWER)
    return user


def first_line(document):
    return document.pages.get().lines.order_by("order").first()


def save(client, line, text: str, revision: int = 1):
    return client.patch(reverse("api-line-detail", args=[line.id]), {"text": text, "revision": revision},
                        content_type="application/json")


def test_a_viewer_reads_and_exports_but_cannot_save(client, viewer, document_with_lines):
    line = first_line(document_with_lines)
    client.force_login(viewer)
    assert client.get(reverse("page-review", args=[line.page_id])).status_code == 200
    assert client.get(reverse("document-download", args=[document_with_lines.id, "txt"])).status_code == 200
    response = save(client, line, "vandal")
    assert response.status_code == 403 and "read and export" in response.json()["detail"]
    assert client.post(reverse("api-line-revert", args=[line.id]), {"version": line.versions.get().id, "revision": 1},
                       content_type="application/json").status_code == 403
    assert client.delete(reverse("api-line-detail", args=[line.id])).status_code == 403
    assert line.versions.count() == 1 and line.page.lines.count() == 3
    page = client.get(reverse("page-review", args=[line.page_id])).content.decode()
    assert 'data-can-edit="false"' in page and "readonly" in page


def test_an_editor_corrects_but_neither_shares_nor_deletes(client, collaborator, stranger, document_with_lines):
    line = first_line(document_with_lines)
    client.force_login(collaborator)
    assert save(client, line, "corrected").status_code == 200
    shared = client.post(reverse("api-document-collaborators", args=[document_with_lines.id]),
                         {"username": "stranger", "role": "viewer"}, content_type="application/json")
    assert shared.status_code == 403
    assert client.delete(reverse("api-document-detail", args=[document_with_lines.id])).status_code == 403
    assert Document.objects.filter(pk=document_with_lines.pk).exists()


def test_the_owner_shares_with_a_role(client, owner, stranger, document_with_lines):
    client.force_login(owner)
    url = reverse("api-document-collaborators", args=[document_with_lines.id])
    assert client.post(url, {"username": "stranger", "role": "viewer"}, content_type="application/json").status_code == 201
    assert {"username": "stranger", "role": "viewer"} in client.get(url).json()
    client.force_login(stranger)
    assert save(client, first_line(document_with_lines), "vandal").status_code == 403


def actions(document) -> list[str]:
    return list(AuditEntry.objects.filter(document_key=document.pk).order_by("at", "id").values_list("action", flat=True))


def test_view_edit_export_share_and_delete_are_logged_and_outlive_the_document(client, owner, document_with_lines):
    document = document_with_lines
    line = first_line(document)
    client.force_login(owner)
    client.get(reverse("page-review", args=[line.page_id]), REMOTE_ADDR="203.0.113.7")
    save(client, line, "corrected")
    client.get(reverse("document-download", args=[document.id, "csv"]))
    client.post(reverse("document-sharing", args=[document.id]), {"username": "stranger", "role": "viewer"})
    get_user_model().objects.create_user("stranger", password="stranger-password-1")
    client.post(reverse("document-sharing", args=[document.id]), {"username": "stranger", "role": "viewer"})
    client.post(reverse("document-delete", args=[document.id]))
    assert not Document.objects.filter(pk=document.pk).exists()
    assert actions(document) == ["view", "edit", "export", "share", "delete"]
    entries = AuditEntry.objects.filter(document_key=document.pk)
    assert {entry.document_title for entry in entries} == {"Notes"}
    assert entries.get(action="view").address == "203.0.113.7"
    assert entries.get(action="share").detail == "shared with stranger as viewer"

    rows = list(csv.reader(io.StringIO(client.get(reverse("audit-log") + f"?document={document.pk}&format=csv")
                                       .content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["at", "username", "action"] and [row[2] for row in rows[1:]] == [
        "delete", "share", "export", "edit", "view"]


def test_the_audit_log_is_seen_by_the_owner_and_staff_only(client, owner, collaborator, document_with_lines):
    client.force_login(owner)
    client.get(reverse("document-detail", args=[document_with_lines.id]))
    assert client.get(reverse("api-audit")).json()[0]["action"] == "view"
    client.force_login(collaborator)
    assert client.get(reverse("api-audit")).json() == []
    collaborator.is_staff = True
    collaborator.save()
    assert len(client.get(reverse("api-audit")).json()) == 1


def test_no_route_and_no_query_changes_an_audit_entry(client, owner, document_with_lines):
    client.force_login(owner)
    client.get(reverse("document-detail", args=[document_with_lines.id]))
    entry = AuditEntry.objects.get()
    for method in ("put", "patch", "delete", "post"):
        assert getattr(client, method)(reverse("api-audit"), {}, content_type="application/json").status_code == 405
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.update(username="someone else")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    owner.is_staff = owner.is_superuser = True
    owner.save()
    change = reverse("admin:documents_auditentry_change", args=[entry.pk])
    client.post(change, {"username": "someone else", "action": "edit"})
    assert client.post(reverse("admin:documents_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.username == "owner" and entry.action == "view"


def test_a_revert_adds_a_version_and_keeps_every_one(client, owner, document_with_lines):
    line = first_line(document_with_lines)
    client.force_login(owner)
    model_version = line.versions.get()
    assert save(client, line, "first correction").status_code == 200
    response = client.post(reverse("api-line-revert", args=[line.id]), {"version": model_version.id, "revision": 2},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["text"] == "line 0"
    versions = list(LineText.objects.filter(line=line).order_by("created", "id"))
    assert [(v.text, v.source) for v in versions] == [("line 0", "model"), ("first correction", "human"),
                                                      ("line 0", "human")]
    stale = client.post(reverse("api-line-revert", args=[line.id]), {"version": versions[1].id, "revision": 2},
                        content_type="application/json")
    assert stale.status_code == 409 and line.versions.count() == 3
    page = client.get(reverse("page-review", args=[line.page_id])).content.decode()
    assert "3 versions" in page and "first correction" in page and "revert to this" in page
