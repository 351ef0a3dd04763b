"""Someone else's document is a 404 on every route, web and API; a collaborator may use it."""
import pytest
from django.urls import reverse

from recognition.models import Job

pytestmark = pytest.mark.django_db


def routes(document):
    page = document.pages.get()
    line = page.lines.first()
    job = Job.objects.filter(document=document).first()
    return [
        ("get", reverse("document-detail", args=[document.id])),
        ("get", reverse("document-status", args=[document.id])),
        *[("get", reverse("document-download", args=[document.id, fmt])) for fmt in ("txt", "json", "alto", "page")],
        ("get", reverse("page-review", args=[page.id])),
        ("get", reverse("page-image", args=[page.id])),
        ("get", reverse("api-document-detail", args=[document.id])),
        ("get", reverse("api-document-pages", args=[document.id])),
        ("get", reverse("api-document-jobs", args=[document.id])),
        ("get", reverse("api-document-export", args=[document.id, "json"])),
        ("get", reverse("api-page-lines", args=[page.id])),
        ("get", reverse("api-line-detail", args=[line.id])),
        ("get", reverse("api-job-detail", args=[job.id])),
    ]


@pytest.mark.parametrize("who, expected", [("owner", 200), ("collaborator", 200), ("stranger", 404)])
def test_every_route_of_a_document_answers_only_its_people(client, request, document_with_lines, who, expected):
    client.force_login(request.getfixturevalue(who))
    for method, url in routes(document_with_lines):
        assert getattr(client, method)(url).status_code == expected, url


def test_a_stranger_cannot_save_a_line(client, stranger, document_with_lines):
    line = document_with_lines.pages.get().lines.first()
    client.force_login(stranger)
    url = reverse("api-line-detail", args=[line.id])
    response = client.patch(url, {"text": "vandal", "revision": 1}, content_type="application/json")
    assert response.status_code == 404
    assert line.versions.count() == 1


def test_a_stranger_does_not_see_the_document_in_lists(client, stranger, document_with_lines):
    client.force_login(stranger)
    assert document_with_lines.title not in client.get(reverse("document-list")).content.decode()
    assert client.get(reverse("api-documents")).json() == []


def test_anonymous_visitors_are_sent_to_log_in(client, document_with_lines):
    page = document_with_lines.pages.get()
    response = client.get(reverse("page-image", args=[page.id]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert client.get(reverse("api-document-pages", args=[document_with_lines.id])).status_code in (401, 403)
