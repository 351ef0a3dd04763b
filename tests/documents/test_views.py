"""The web pages as a person meets them: sign-up, log-in, upload, review."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents.models import Document, Line, LineText
from documents.services import line_text_save
from tests import scans

pytestmark = pytest.mark.django_db


def test_signup_logs_the_new_user_in(client):
    response = client.post(
        reverse("signup"), {"username": "pharma", "password1": "a-long-passphrase-7", "password2": "a-long-passphrase-7"}
    )
    assert response.status_code == 302 and response.url == reverse("document-list")
    assert client.get(reverse("document-list")).context["user"].username == "pharma"


def test_a_wrong_password_says_so(client, owner):
    response = client.post(reverse("login"), {"username": "owner", "password": "wrong"})
    assert response.status_code == 200
    assert "That username and password do not match" in response.content.decode()


def test_too_many_wrong_passwords_pause_signing_in_for_that_username(client, owner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert "do not match" in client.post(reverse("login"), {"username": "owner", "password": "wrong"}).content.decode()
    paused = client.post(reverse("login"), {"username": "owner", "password": "wrong"})
    assert paused.status_code == 429
    assert f"signing in is paused for {settings.LOGIN_LOCKOUT_MINUTES} minutes" in paused.content.decode()

    right = client.post(reverse("login"), {"username": "owner", "password": "owner-password-1"})
    assert right.status_code == 429 and "_auth_user_id" not in client.session  # the right password waits too
    token = client.post(reverse("api-token"), {"username": "owner", "password": "owner-password-1"})
    assert token.status_code == 429 and "paused" in token.json()["detail"]
    other = client.post(reverse("login"), {"username": "someone-else", "password": "wrong"})
    assert other.status_code == 200  # another username from the same address is not paused


def test_a_right_password_resets_the_count_of_wrong_ones(client, owner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": "owner", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "owner", "password": "owner-password-1"}).status_code == 302
    client.logout()
    assert client.post(reverse("login"), {"username": "owner", "password": "wrong"}).status_code == 200


def test_upload_form_creates_a_document_and_opens_it(client, owner):
    client.force_login(owner)
    tiff = scans.tiff_bytes([scans.handwritten_page(first=n) for n in range(2)])
    response = client.post(
        reverse("document-list"),
        {"title": "Week 1", "kind": "lecture_notes", "files": [SimpleUploadedFile("week1.tif", tiff)]},
    )
    document = Document.objects.get()
    assert response.status_code == 302 and response.url == reverse("document-detail", args=[document.id])
    assert document.pages.count() == 2
    page = client.get(response.url).content.decode()
    assert reverse("document-status", args=[document.id]) in page


def test_pages_added_whose_jobs_cannot_be_made_are_not_added(client, owner, monkeypatch):
    client.force_login(owner)
    png = scans.png_bytes(scans.handwritten_page())
    client.post(reverse("document-list"), {"title": "W", "kind": "lecture_notes", "files": [SimpleUploadedFile("a.png", png)]})
    document = Document.objects.get()

    def crash(**_):
        raise RuntimeError("the process died here")
    monkeypatch.setattr("recognition.services.pages_process", crash)
    with pytest.raises(RuntimeError):
        client.post(reverse("document-pages-add", args=[document.id]), {"files": [SimpleUploadedFile("b.png", png)]})
    assert document.pages.count() == 1


def test_a_corrupt_upload_shows_its_error_and_keeps_the_form(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("document-list"),
        {"title": "Week 2", "kind": "lecture_notes", "files": [SimpleUploadedFile("week2.png", b"\x89PNG\r\n\x1a\nxx")]},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "week2.png: the file is damaged or incomplete" in body
    assert 'value="Week 2"' in body
    assert not Document.objects.exists()


def test_review_page_draws_every_line_and_gives_its_script_the_confidences(client, owner, document_with_lines):
    client.force_login(owner)
    page = document_with_lines.pages.get()
    body = client.get(reverse("page-review", args=[page.id])).content.decode()
    assert body.count('<polygon class="line-shape') == 3
    assert 'points="10,10 200,10 200,50 10,50 "' in body
    # The script shades each character by its confidence; one minus each, summed, is what the
    # model expects to have read wrong: 0.89 characters, under the lecture notes' level.
    assert body.count('data-confidences="[0.99, 0.95, 0.5, 0.9, 0.97, 0.8]"') == 3
    assert body.count('data-expected-errors="0.89"') == 3
    assert 'class="line-shape unsure"' not in body and "to look at first" not in body
    assert reverse("page-image", args=[page.id]) in body


def test_review_page_singles_out_lines_expected_to_hold_the_documents_level_of_errors(client, owner, document_with_lines):
    unsure = LineText.objects.get(line__order=1)
    unsure.confidences = [0.3] * 6  # 4.2 characters expected wrong
    unsure.save()
    client.force_login(owner)
    body = client.get(reverse("page-review", args=[document_with_lines.pages.get().id])).content.decode()
    assert body.count('class="line-shape unsure"') == 1
    assert "0 of 3 checked · <b class=\"unsure\">1 to look at first</b>" in body


def test_review_page_tells_its_script_which_way_each_line_runs(client, owner, document_with_lines):
    page = document_with_lines.pages.get()
    page.lines.filter(order=2).update(baseline=[[190, 150], [190, 110]])  # up the margin
    client.force_login(owner)
    body = client.get(reverse("page-review", args=[page.id])).content.decode()
    assert [part.split('"')[0] for part in body.split('data-direction="')[1:]] == ["right", "right", "up"]


def test_page_image_is_served_to_its_owner(client, owner, document_with_lines):
    client.force_login(owner)
    page = document_with_lines.pages.get()
    response = client.get(reverse("page-image", args=[page.id]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert response["Cache-Control"] == "private, max-age=3600"


def test_import_form_creates_a_document_with_verified_text(client, owner):
    from tests.documents.test_exports import PAGE_XML

    client.force_login(owner)
    image = SimpleUploadedFile("rx-1.png", scans.png_bytes(scans.handwritten_page()))
    xml = SimpleUploadedFile("rx-1.xml", PAGE_XML.format(image="rx-1.png", w=1500, h=1000).encode())
    response = client.post(
        reverse("document-import"), {"title": "Rx", "kind": "prescription", "images": [image], "layouts": [xml]}
    )
    document = Document.objects.get()
    assert response.url == reverse("document-detail", args=[document.id])
    page = client.get(reverse("page-review", args=[document.pages.get().id])).content.decode()
    assert '>Amoxicillin 500 mg</textarea>' in page and "Imported (verified)" in page


def test_a_bad_import_says_which_file(client, owner):
    client.force_login(owner)
    image = SimpleUploadedFile("rx-1.png", scans.png_bytes(scans.handwritten_page()))
    xml = SimpleUploadedFile("rx-1.xml", b"<not-xml")
    body = client.post(
        reverse("document-import"), {"title": "Rx", "kind": "prescription", "images": [image], "layouts": [xml]}
    ).content.decode()
    assert "rx-1.xml: " in body and not Document.objects.exists()


def test_review_page_shows_lines_not_read_yet(client, owner, make_document):
    from documents.models import Line

    page = make_document(pages=1).pages.get()
    Line.objects.create(page=page, order=0, polygon=[[0, 0], [10, 0], [10, 10]], baseline=[])
    client.force_login(owner)
    body = client.get(reverse("page-review", args=[page.id])).content.decode()
    assert "not read yet" in body and body.count('<polygon class="line-shape"') == 1


def share(client, document, **data):
    return client.post(reverse("document-sharing", args=[document.id]), data, follow=True)


def test_the_owner_shares_by_username_and_can_stop(client, owner, collaborator, make_document):
    document = make_document(pages=1)
    client.force_login(owner)
    body = share(client, document, username=" Collaborator ").content.decode()
    assert "Shared with collaborator" in body
    assert list(document.collaborators.all()) == [collaborator]

    client.force_login(collaborator)
    assert client.get(reverse("document-detail", args=[document.id])).status_code == 200

    client.force_login(owner)
    share(client, document, remove="collaborator")
    client.force_login(collaborator)
    assert client.get(reverse("document-detail", args=[document.id])).status_code == 404


def test_an_unknown_username_is_named_in_the_error(client, owner, make_document):
    document = make_document(pages=1)
    client.force_login(owner)
    body = share(client, document, username="nobody").content.decode()
    assert "There is no user named “nobody”" in body
    assert not document.collaborators.exists()


def test_removing_someone_it_is_not_shared_with_says_so(client, owner, make_document):
    document = make_document(pages=1)
    client.force_login(owner)
    response = share(client, document, remove="abc")
    assert response.status_code == 200
    assert "This document is not shared with abc." in response.content.decode()


def test_only_the_owner_changes_the_sharing(client, owner, collaborator, stranger, make_document):
    document = make_document(pages=1)
    document.collaborators.add(collaborator)
    client.force_login(collaborator)
    page = client.get(reverse("document-detail", args=[document.id])).content.decode()
    assert 'id="share-form"' not in page and "Stop sharing" not in page
    body = share(client, document, username="stranger").content.decode()
    assert "Only the owner" in body
    assert list(document.collaborators.all()) == [collaborator]

    client.force_login(stranger)
    assert share(client, document, username="stranger").status_code == 404
    assert list(document.collaborators.all()) == [collaborator]


def test_the_document_page_counts_checked_and_unsure_lines(client, owner, document_with_lines):
    LineText.objects.filter(line__page__document=document_with_lines).update(confidences=[0.3] * 6)
    client.force_login(owner)
    url = reverse("document-detail", args=[document_with_lines.id])
    assert "0 of 3 lines checked · <b class=\"unsure\">3 unsure</b>" in client.get(url).content.decode()

    for line in Line.objects.filter(page__document=document_with_lines, order__lt=2):
        line_text_save(line=line, author=owner, text="checked", revision=line.revision)
    body = client.get(url).content.decode()
    assert "2 of 3 lines checked · <b class=\"unsure\">1 unsure</b>" in body
    assert "1 line nobody checked is expected to hold 4 or more wrong characters" in body

    line = Line.objects.get(page__document=document_with_lines, order=2)
    line_text_save(line=line, author=owner, text="checked", revision=line.revision)
    body = client.get(url).content.decode()
    assert "3 of 3 lines checked</span>" in body and 'id="unsure-warning"' not in body


def test_the_kind_must_be_chosen_on_upload(client, owner):
    client.force_login(owner)
    response = client.post(reverse("document-list"), {"title": "Rx", "files": [
        SimpleUploadedFile("rx.png", scans.png_bytes(scans.handwritten_page()))]})
    assert "Choose the kind of document: prescriptions are checked more strictly." in response.content.decode()
    assert not Document.objects.exists()
    assert '<option value="" selected>Choose…</option>' in client.get(reverse("document-list")).content.decode()


def test_the_upload_form_asks_the_language_with_the_installations_first(client, owner, settings):
    client.force_login(owner)
    settings.RECOGNITION_LANGUAGE = "fr"
    form = client.get(reverse("document-list")).content.decode()
    assert '<option value="fr" selected>French</option>' in form and '<option value="en">English</option>' in form

    def upload(**fields):
        return client.post(reverse("document-list"), {"title": "Cours", "kind": "lecture_notes", **fields, "files": [
            SimpleUploadedFile("p.png", scans.png_bytes(scans.handwritten_page()))]})

    assert upload(language="en").status_code == 302
    assert "Choose English or French: de is not a language the platform reads." in upload(language="de").content.decode()
    assert list(Document.objects.values_list("language", flat=True)) == ["en"]
    import_form = client.get(reverse("document-import")).content.decode()
    assert '<option value="fr" selected>French</option>' in import_form


def test_the_owner_corrects_the_language_on_the_documents_page(client, owner, document_with_lines):
    client.force_login(owner)
    detail = reverse("document-detail", args=[document_with_lines.id])
    assert '<option value="en" selected>English</option>' in client.get(detail).content.decode()

    client.post(reverse("document-edit", args=[document_with_lines.id]),
                {"title": "Cours", "kind": "lecture_notes", "language": "fr"})

    assert Document.objects.get(pk=document_with_lines.pk).language == "fr"
    assert '<option value="fr" selected>French</option>' in client.get(detail).content.decode()


def test_the_owner_corrects_the_kind_and_the_marks_follow(client, owner, collaborator, document_with_lines):
    client.force_login(collaborator)
    refused = client.patch(reverse("api-document-detail", args=[document_with_lines.id]), {"kind": "prescription"},
                           content_type="application/json")
    assert refused.status_code == 403 and "Only the owner of a document can change its title, kind or language." in refused.json()["detail"]
    client.force_login(owner)
    review = reverse("page-review", args=[document_with_lines.pages.get().id])
    assert 'data-low-confidence="0.7"' in client.get(review).content.decode()

    page = client.post(reverse("document-edit", args=[document_with_lines.id]),
                       {"title": "Rx of 3 May", "kind": "prescription"}, follow=True).content.decode()

    assert "It is a prescription now, no longer lecture notes: its characters are marked under 90% sure." in page
    assert Document.objects.get(pk=document_with_lines.pk).title == "Rx of 3 May"
    assert 'data-low-confidence="0.9"' in client.get(review).content.decode()  # 0.8 and 0.9 now shaded too
    renamed = client.patch(reverse("api-document-detail", args=[document_with_lines.id]), {"title": "Rx"},
                           content_type="application/json")
    assert renamed.json()["title"] == "Rx" and renamed.json()["kind"] == "prescription"
