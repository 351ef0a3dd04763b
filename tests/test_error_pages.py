"""Out of the box the site answers as a deployment does: its own error pages, never Django's debug pages."""
import uuid

import pytest
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
