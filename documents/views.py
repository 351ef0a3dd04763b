"""Web pages: the document list with upload and import, a document, a page to review, exports.

Views sit above both apps: they store with documents' services, then start or stop recognition's work."""
from __future__ import annotations

import copy
import csv
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from documents import selectors, services
from documents.exports import EXPORT_NAMES
from documents.models import AuditAction
from documents.request_audit import audited
from documents.responses import page_image_response
from documents.forms import AddPagesForm, DocumentEditForm, ImportForm, ShareForm, UploadForm, uploaded
from documents.text_search import search_pattern
from documents.uploads import UploadError
from recognition import services as recognition


@login_required
@require_http_methods(["GET", "POST"])
def document_list(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # the document and its jobs commit together: no page is left unread
                document = services.document_upload(
                    owner=request.user,
                    kind=form.cleaned_data["kind"],
                    language=form.cleaned_data["language"],
                    title=form.cleaned_data["title"],
                    files=uploaded(form.cleaned_data["files"]),
                )
                recognition.document_process(document=document)
        except UploadError as error:
            form.add_error("files", str(error))
        else:
            return redirect("document-detail", document_id=document.id)
    documents = selectors.document_list(user=request.user).select_related("owner")
    query = request.GET.get("q", "").strip()[:selectors.SEARCH_MAX_CHARS]
    matches = selectors.lines_matching(user=request.user, query=query)
    if query:  # the documents whose title or text holds it
        documents = documents.filter(Q(title__regex=search_pattern(query))
                                     | Q(pk__in={match.page.document_id for match in matches}))
    return render(request, "documents/document_list.html", {
        "form": form, "documents": documents, "query": query, "matches": matches,
        "more": len(matches) == selectors.SEARCH_LIMIT,
        "flagged": selectors.documents_with_open_flags(documents=documents),
    })


@login_required
@require_http_methods(["GET", "POST"])
def document_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                document = services.document_import(
                    owner=request.user,
                    kind=form.cleaned_data["kind"],
                    language=form.cleaned_data["language"],
                    title=form.cleaned_data["title"],
                    images=uploaded(form.cleaned_data["images"]),
                    layouts=uploaded(form.cleaned_data["layouts"]),
                )
                recognition.document_imported_follow(document=document)
        except UploadError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Imported: the XML's text is kept as verified text.")
            return redirect("document-detail", document_id=document.id)
    return render(request, "documents/document_import.html", {"form": form})


@login_required
@require_GET
def document_detail(request: HttpRequest, document_id: UUID) -> HttpResponse:
    document = selectors.document_get(user=request.user, document_id=document_id)
    audited(request, document, AuditAction.VIEW)
    checks = selectors.document_checks(document=document)
    return render(request, "documents/document_detail.html", {
        "document": document,
        "checks": checks,
        "unsure": sum(check.unsure for check in checks),
        "unread_places": sum(check.unread_places for check in checks),
        "open_flags": selectors.document_open_flags(document=document),
        "shares": selectors.document_shares(document=document),
        "role": selectors.document_role(document=document, user=request.user),
        "audit": selectors.audit_entries(user=request.user, document_key=document.pk)[:20],
        "is_owner": request.user.pk == document.owner_id,
        "share_form": ShareForm(),
        "add_pages_form": AddPagesForm(),
        "edit_form": DocumentEditForm(
            initial={"title": document.title, "kind": document.kind, "language": document.language}
        ),
        "deleted_on": selectors.document_expiry(document=document),
        "export_formats": EXPORT_NAMES.items(),
        "export_in_background": services.export_in_background(document=document),
        "exports": selectors.export_jobs_recent(document=document, user=request.user),
    })


@login_required
@require_POST
def document_sharing(request: HttpRequest, document_id: UUID) -> HttpResponse:
    """The owner adds a person by username, or removes one (``remove`` = their username)."""
    document = selectors.document_get(user=request.user, document_id=document_id)
    form = ShareForm(request.POST)
    try:
        if "remove" in request.POST:
            username = request.POST["remove"]
            if services.document_unshare(document=document, by=request.user, username=username):
                audited(request, document, AuditAction.SHARE, f"no longer shared with {username}")
                messages.success(request, f"No longer shared with {username}.")
            else:
                messages.error(request, f"This document is not shared with {username}.")
        elif form.is_valid():
            user = services.document_share_with(document=document, by=request.user, **form.cleaned_data)
            role = form.cleaned_data["role"]
            audited(request, document, AuditAction.SHARE, f"shared with {user.get_username()} as {role}")
            can = "read, correct and export it" if role == "editor" else "read and export it, not correct it"
            messages.success(request, f"Shared with {user.get_username()} as {role}: they can now {can}.")
        else:
            messages.error(request, "Give the username of the person to share with.")
    except services.SharingError as error:
        messages.error(request, str(error))
    return redirect("document-detail", document_id=document.id)


@login_required
@require_POST
def document_edit(request: HttpRequest, document_id: UUID) -> HttpResponse:
    document = selectors.document_get(user=request.user, document_id=document_id)
    form = DocumentEditForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a title, and choose a kind of document and a language from the lists.")
        return redirect("document-detail", document_id=document.id)
    was = document.get_kind_display()
    try:
        services.document_edit(document=document, by=request.user, **form.cleaned_data)
    except services.NotOwner as error:
        messages.error(request, str(error))
    else:
        if document.get_kind_display() != was:
            recognition.document_flag(document=document)
        changed = f" It is a {document.get_kind_display().lower()} now, no longer {was.lower()}: its characters are " \
                  f"marked under {document.low_confidence:.0%} sure." if document.get_kind_display() != was else ""
        messages.success(request, "Saved." + changed)
    return redirect("document-detail", document_id=document.id)


@login_required
@require_POST
def document_pages_add(request: HttpRequest, document_id: UUID) -> HttpResponse:
    document = selectors.document_get(user=request.user, document_id=document_id)
    form = AddPagesForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose the scans to add.")
        return redirect("document-detail", document_id=document.id)
    try:
        with transaction.atomic():
            pages = services.document_pages_add(document=document, by=request.user,
                                                files=uploaded(form.cleaned_data["files"]))
            recognition.pages_process(pages=pages)
    except (services.NotOwner, UploadError) as error:
        messages.error(request, f"No page was added: {error}")
    else:
        messages.success(request, f"{len(pages)} page{'s' if len(pages) != 1 else ''} added after the others: "
                                  "their lines are being found and read.")
    return redirect("document-detail", document_id=document.id)


@login_required
@require_http_methods(["GET", "POST"])
def document_delete(request: HttpRequest, document_id: UUID) -> HttpResponse:
    """Asks first (GET), then deletes (POST); only the owner."""
    document = selectors.document_get(user=request.user, document_id=document_id)
    if request.method == "POST":
        deleted = copy.copy(document)  # its id and title, for the audit log once the row is gone
        try:
            recognition.document_delete(document=document, by=request.user)
        except (services.NotOwner, services.DocumentNotDeleted) as error:
            messages.error(request, str(error))
            return redirect("document-detail", document_id=document.id)
        audited(request, deleted, AuditAction.DELETE)
        messages.success(request, f"“{document.title}” was deleted, with its pages and every version of their text.")
        return redirect("document-list")
    checks = selectors.document_checks(document=document)
    return render(request, "documents/document_delete.html", {
        "document": document,
        "is_owner": request.user.pk == document.owner_id,
        "pages": len(checks),
        "checked": sum(check.checked for check in checks),
    })


@login_required
@require_GET
def page_review(request: HttpRequest, page_id: UUID) -> HttpResponse:
    page = selectors.page_get(user=request.user, page_id=page_id)
    audited(request, page.document, AuditAction.VIEW, f"page {page.number}")
    read_at = timezone.now()  # the page script reloads when one of this page's jobs finishes after this
    lines = selectors.page_lines(page=page)
    pages = list(selectors.document_pages(document=page.document).values_list("id", "number"))
    ids = [id for id, _ in pages]
    at = ids.index(page.id)
    level = page.document.unsure_level
    return render(
        request,
        "documents/page_review.html",
        {
            "page": page,
            "document": page.document,
            "lines": lines,
            "pages": pages,
            "previous_page": ids[at - 1] if at > 0 else None,
            "next_page": ids[at + 1] if at + 1 < len(ids) else None,
            "counts": {"lines": len(lines), "checked": sum(view.checked for view in lines),
                       "unsure": sum(view.unsure(level) for view in lines)},
            "read_at": read_at,
            "can_edit": services.can_edit(page.document, request.user),
            "open_flags": sum(len(view.open_flags) for view in lines),
            "deleted_on": selectors.document_expiry(document=page.document),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def page_delete(request: HttpRequest, page_id: UUID) -> HttpResponse:
    """Asks first (GET), then deletes (POST); only the document's owner."""
    page = selectors.page_get(user=request.user, page_id=page_id)
    if request.method == "POST":
        try:
            services.page_delete(page=page, by=request.user)
        except (services.NotOwner, services.PageNotDeleted) as error:
            messages.error(request, str(error))
            return redirect("page-review", page_id=page.id)
        messages.success(request, f"Page {page.number} was deleted, with its lines and text; the pages after it "
                                  "moved up one.")
        return redirect("document-detail", document_id=page.document_id)
    return render(request, "documents/page_delete.html", {
        "page": page, "document": page.document, "is_owner": request.user.pk == page.document.owner_id,
        "checked": selectors.page_lines_checked(page=page),
    })


@login_required
@require_POST
def page_turn(request: HttpRequest, page_id: UUID) -> HttpResponse:
    """Turn a page scanned the wrong way round (``turns``: quarter turns clockwise) and read it again."""
    page = selectors.page_get(user=request.user, page_id=page_id)
    turns = request.POST.get("turns", "")
    if not services.can_edit(page.document, request.user):
        messages.error(request, "This document is shared with you to read and export: only its owner and its "
                                "editors can turn its pages.")
    elif turns not in ("1", "2", "3"):
        messages.error(request, "Choose a quarter turn to the right or left, or a half turn.")
    else:
        try:
            services.page_turn(page=page, quarter_turns=int(turns))
        except services.PageNotTurned as error:
            messages.error(request, str(error))
        else:
            recognition.page_process_again(page=page)
            messages.success(request, "Page turned: its lines are being found and read again.")
    return redirect("page-review", page_id=page.id)


@login_required
@require_GET
def page_image(request: HttpRequest, page_id: UUID) -> FileResponse:
    return page_image_response(selectors.page_get(user=request.user, page_id=page_id))


AUDIT_CSV_COLUMNS = ["at", "username", "action", "document", "document_title", "address", "detail"]


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """Who viewed, edited, exported, shared or deleted your documents (staff: every document), newest
    first; ``?document=`` one document's (a deleted one's too); ``?format=csv`` as a spreadsheet."""
    try:
        key = UUID(request.GET["document"]) if request.GET.get("document") else None
    except ValueError:
        return HttpResponse("That is not a document id.", status=400, content_type="text/plain")
    entries = selectors.audit_entries(user=request.user, document_key=key)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
        response.write("\ufeff")  # the byte-order mark tells spreadsheets it is UTF-8
        writer = csv.writer(response)
        writer.writerow(AUDIT_CSV_COLUMNS)
        for entry in entries.iterator():
            writer.writerow([entry.at.isoformat(), entry.username, entry.action, entry.document_key,
                             entry.document_title, entry.address or "", entry.detail])
        return response
    return render(request, "documents/audit_log.html", {"entries": entries[:500], "document_key": key})
