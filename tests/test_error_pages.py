"""Out of the box the site answers as a deployment does: its own error pages, never Django's debug pages."""
import uuid

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_page_that_is_not_there_or_not_yours_is_a_friendly_404(client, owner):
    client.force_login(owner)
    response = client.get(reverse("page-review", args=[uuid.uuid4()]))
    body = response.content.decode()
    assert response.status_code == 404
    assert "Nothing here" in body and "not shared with you" in body
    assert "URLconf" not in body and "Traceback" not in body  # no list of the site's addresses


def test_the_icon_is_served_where_browsers_look_for_it(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url.endswith("favicon.svg")


def test_a_form_sent_without_its_token_gets_a_page_that_says_what_to_do(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(reverse("document-list"), {"title": "x"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
