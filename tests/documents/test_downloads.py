"""Page images through the API with a token, and download names in any script (RFC 6266/5987)."""
from urllib.parse import unquote

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from documents.models import Document
from documents.responses import attachment

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_a_token_client_fetches_the_page_image_the_api_names(make_document, owner):
    page = make_document(pages=1).pages.get()
    client = token_client(owner)
    pages = client.get(client.get(reverse("api-document-detail", args=[page.document_id])).json()["pages"]).json()
    url = pages[0]["image"]
    answer = client.get(url)
    assert answer.status_code == 200 and answer["Content-Type"] == "image/png"
    assert b"".join(answer.streaming_content) == page.image.open("rb").read()


def test_a_page_image_is_not_shown_to_a_stranger_nor_without_credentials(make_document, stranger):
    page = make_document(pages=1).pages.get()
    url = reverse("api-page-image", args=[page.id])
    assert token_client(stranger).get(url).status_code == 404
    assert APIClient().get(url).status_code in (401, 403)  # an answer, not a redirect to the login page


@pytest.mark.parametrize("title, ascii_name, utf8_name", [
    ("Lecture 3", "Lecture_3.txt", None),
    ("שיעור שלישי", "document.txt", "שיעור_שלישי.txt"),
    ("Café notes", "Cafe_notes.txt", "Café_notes.txt"),
])
def test_an_export_names_its_file_so_browsers_decode_it(client, make_document, owner, title, ascii_name, utf8_name):
    document = make_document(pages=1)
    Document.objects.filter(pk=document.pk).update(title=title)
    client.force_login(owner)
    header = client.get(reverse("document-download", args=[document.id, "txt"]))["Content-Disposition"]
    header.encode("latin-1")  # a header that is not MIME-encoded
    assert f'filename="{ascii_name}"' in header
    if utf8_name:
        assert unquote(header.split("filename*=UTF-8''")[1]) == utf8_name
    else:
        assert "filename*" not in header


def test_quotes_and_backslashes_do_not_break_the_header():
    assert attachment('a"b\\c.txt') == "attachment; filename=\"a_b_c.txt\"; filename*=UTF-8''a%22b%5Cc.txt"
