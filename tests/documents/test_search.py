"""Find text across one's documents: the lines whose current text holds it, linked to the line on
its page; never another person's document, never a reading a person has since corrected."""
import pytest
from django.urls import reverse

from documents.models import Document, Line
from documents.services import line_text_save

pytestmark = pytest.mark.django_db


def test_the_documents_page_finds_lines_by_their_current_text(client, owner, document_with_lines, make_document):
    Document.objects.filter(pk=make_document(pages=1).pk).update(title="Pharmacology")
    corrected = Line.objects.get(page__document=document_with_lines, order=1)
    line_text_save(line=corrected, author=owner, text="Amoxicillin 500 mg", revision=corrected.revision)
    client.force_login(owner)

    page = client.get(reverse("document-list"), {"q": "AMOXI"}).content.decode()

    assert f'href="/documents/pages/{corrected.page_id}/#line-{corrected.id}"' in page
    assert "Notes,\n      page 1, line 2" in page and "<mark>Amoxi</mark>cillin 500 mg" in page
    assert "Pharmacology" not in page  # neither its title nor its text holds it
    assert "(as the model read it)" not in page

    page = client.get(reverse("document-list"), {"q": "line 1"}).content.decode()
    assert "No line holds it" in page  # "line 1" was the model's reading, corrected since

    page = client.get(reverse("document-list"), {"q": "line 2"}).content.decode()
    assert "<mark>line 2</mark>" in page and "(as the model read it)" in page

    page = client.get(reverse("document-list"), {"q": "pharmaco"}).content.decode()
    assert "No line holds it; the titles below do." in page and "Pharmacology" in page


def test_search_ignores_accents_as_people_type_without_them(client, owner, document_with_lines):
    line = Line.objects.get(page__document=document_with_lines, order=2)
    line_text_save(line=line, author=owner, text="Cours à l'École: 2 comprimés (½ dose)", revision=line.revision)
    client.force_login(owner)

    for query in ("ecole", "ÉCOLE", "comprimes", "(½ dose)", "a l'e"):
        found = client.get(reverse("api-search"), {"q": query}).json()
        assert [hit["text"] for hit in found] == ["Cours à l'École: 2 comprimés (½ dose)"], query
    page = client.get(reverse("document-list"), {"q": "comprimes"}).content.decode()
    assert "2 <mark>comprimés</mark> (½ dose)" in page
    assert client.get(reverse("api-search"), {"q": "ecoles"}).json() == []


def test_search_never_shows_someone_elses_document(client, stranger, collaborator, document_with_lines):
    client.force_login(stranger)
    assert client.get(reverse("api-search"), {"q": "line"}).json() == []
    assert "No document's title or text holds “line”" in client.get(reverse("document-list"), {"q": "line"}).content.decode()

    client.force_login(collaborator)  # it is shared with them
    found = client.get(reverse("api-search"), {"q": "LINE 0"}).json()
    assert [(hit["document_title"], hit["page_number"], hit["order"], hit["text"], hit["source"]) for hit in found] == [
        ("Notes", 1, 0, "line 0", "model")]
    assert client.get(reverse("api-search"), {"q": "  "}).json() == []


def test_queries_with_the_characters_of_regular_expressions_or_far_too_long_are_plain_text(client, owner,
                                                                                            document_with_lines):
    client.force_login(owner)
    for query in ("line [0", "(", "\\", ".*", "x" * 5000):
        response = client.get(reverse("api-search"), {"q": query})
        assert response.status_code == 200 and response.json() == [], query
    assert client.get(reverse("document-list"), {"q": "a" * 5000}).status_code == 200
