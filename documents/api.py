"""REST API for documents: upload, import, pages, lines, text corrections and exports.

What a service refuses is answered by htr_platform.api_errors (its ``http_status``). The API sits
above both apps: it stores with documents' services, then starts recognition's work."""
from __future__ import annotations

import copy
from functools import partial
from typing import Callable
from uuid import UUID

from django.db import transaction
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from documents import selectors, services
from documents.responses import page_image_response
from documents.forms import uploaded
from documents.models import AuditAction, Line
from documents.request_audit import audited
from documents.serializers import (
    DocumentEditSerializer,
    DocumentImportSerializer,
    AuditEntrySerializer,
    CollaboratorSerializer,
    DocumentSerializer,
    FlagsConfirmSerializer,
    LineRevertSerializer,
    DocumentUploadSerializer,
    LineBoxSerializer,
    LineSavedSerializer,
    LineSerializer,
    LineTextSaveSerializer,
    PagesAddSerializer,
    PageSerializer,
    PlaceReadSerializer,
    StaleRevisionSerializer,
    UnreadPlaceMarkSerializer,
)
from recognition import services as recognition


class DocumentListApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(responses=DocumentSerializer(many=True))
    def get(self, request: Request) -> Response:
        documents = selectors.document_list(user=request.user).select_related("owner")
        return Response(DocumentSerializer(documents, many=True).data)

    @extend_schema(request=DocumentUploadSerializer, responses={201: DocumentSerializer})
    def post(self, request: Request) -> Response:
        """Upload scans or photos (PDF, TIFF, JPEG, PNG, HEIC, WebP, AVIF) as one document; processing starts at once."""
        data = _validated(DocumentUploadSerializer, request)
        with transaction.atomic():  # the document and its jobs commit together: no page is left unread
            document = services.document_upload(
                owner=request.user, kind=data["kind"], language=data["language"], title=data["title"],
                files=uploaded(data["files"]),
            )
            recognition.document_process(document=document)
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentImportApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(request=DocumentImportSerializer, responses={201: DocumentSerializer})
    def post(self, request: Request) -> Response:
        """Import page images with their ALTO or PAGE XML; the XML's text becomes verified text. A
        job per page (step "places", see the document's jobs) then looks for ink the lines leave out."""
        data = _validated(DocumentImportSerializer, request)
        with transaction.atomic():
            document = services.document_import(
                owner=request.user,
                kind=data["kind"],
                language=data["language"],
                title=data["title"],
                images=uploaded(data["images"]),
                layouts=uploaded(data["layouts"]),
            )
            recognition.document_imported_follow(document=document)
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


def _validated(serializer_class, request: Request) -> dict:
    # Lists of files arrive as repeated multipart fields.
    data = {key: request.data.get(key) for key in ("title", "kind")}
    if "language" in request.data:  # else the installation's
        data["language"] = request.data.get("language")
    data.update({key: request.data.getlist(key) for key in ("files", "images", "layouts") if key in request.data})
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class DocumentDetailApi(APIView):
    @extend_schema(responses=DocumentSerializer)
    def get(self, request: Request, document_id: UUID) -> Response:
        document = selectors.document_get(user=request.user, document_id=document_id)
        audited(request, document, AuditAction.VIEW)
        return Response(DocumentSerializer(document).data)

    @extend_schema(request=DocumentEditSerializer, responses=DocumentSerializer)
    def patch(self, request: Request, document_id: UUID) -> Response:
        """Rename the document or correct its kind or language (its owner only: 403 for others it is shared with)."""
        document = selectors.document_get(user=request.user, document_id=document_id)
        edit = DocumentEditSerializer(data=request.data, partial=True)
        edit.is_valid(raise_exception=True)
        changes = {"title": document.title, "kind": document.kind, "language": document.language, **edit.validated_data}
        was = document.kind
        services.document_edit(document=document, by=request.user, **changes)
        if document.kind != was:
            recognition.document_flag(document=document)
        return Response(DocumentSerializer(document).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, document_id: UUID) -> Response:
        """Delete the document, its pages and every version of their text (its owner only: 403 for
        others it is shared with; 409 while a model is being tuned to it)."""
        document = selectors.document_get(user=request.user, document_id=document_id)
        deleted = copy.copy(document)  # its id and title, for the audit log once the row is gone
        recognition.document_delete(document=document, by=request.user)
        audited(request, deleted, AuditAction.DELETE)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentCollaboratorsApi(APIView):
    """Who a document is shared with; only its owner adds or removes people."""

    @extend_schema(responses=CollaboratorSerializer(many=True))
    def get(self, request: Request, document_id: UUID) -> Response:
        document = selectors.document_get(user=request.user, document_id=document_id)
        shares = selectors.document_shares(document=document)
        return Response(CollaboratorSerializer([{"username": share.user.get_username(), "role": share.role}
                                                for share in shares], many=True).data)

    @extend_schema(request=CollaboratorSerializer, responses={201: CollaboratorSerializer})
    def post(self, request: Request, document_id: UUID) -> Response:
        document = selectors.document_get(user=request.user, document_id=document_id)
        serializer = CollaboratorSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.document_share_with(document=document, by=request.user, **serializer.validated_data)
        role = serializer.validated_data["role"]
        audited(request, document, AuditAction.SHARE, f"shared with {user.get_username()} as {role}")
        return Response({"username": user.get_username(), "role": role}, status=status.HTTP_201_CREATED)


class DocumentCollaboratorApi(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, document_id: UUID, username: str) -> Response:
        document = selectors.document_get(user=request.user, document_id=document_id)
        if not services.document_unshare(document=document, by=request.user, username=username):
            return Response({"detail": f"This document is not shared with {username}."}, status=status.HTTP_404_NOT_FOUND)
        audited(request, document, AuditAction.SHARE, f"no longer shared with {username}")
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentPagesApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(responses=PageSerializer(many=True))
    def get(self, request: Request, document_id: UUID) -> Response:
        document = selectors.document_get(user=request.user, document_id=document_id)
        return Response(PageSerializer(selectors.document_pages(document=document), many=True).data)

    @extend_schema(request=PagesAddSerializer, responses={201: PageSerializer(many=True)})
    def post(self, request: Request, document_id: UUID) -> Response:
        """Add scans after the document's last page (its owner only: 403 for others it is shared with);
        they are read with the model that reads the document."""
        document = selectors.document_get(user=request.user, document_id=document_id)
        data = _validated(PagesAddSerializer, request)
        with transaction.atomic():
            pages = services.document_pages_add(document=document, by=request.user, files=uploaded(data["files"]))
            recognition.pages_process(pages=pages)
        return Response(PageSerializer(pages, many=True).data, status=status.HTTP_201_CREATED)


class PageDetailApi(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, page_id: UUID) -> Response:
        """Delete the page, its lines and their text; the pages after it move up one (the document's
        owner only: 403 for others; 409 for a document's only page, or while a model is tuned to it)."""
        page = selectors.page_get(user=request.user, page_id=page_id)
        services.page_delete(page=page, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PageImageApi(APIView):
    @extend_schema(responses={(200, "image/*"): OpenApiTypes.BINARY})
    def get(self, request: Request, page_id: UUID) -> FileResponse:
        """The page's image (PNG or JPEG), with a token as with a session; 404 for a page one cannot see."""
        return page_image_response(selectors.page_get(user=request.user, page_id=page_id))


class SearchApi(APIView):
    @extend_schema(parameters=[OpenApiParameter("q", str, description="the text to find, ignoring case")],
                   responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        """The lines of your documents whose current text holds ``q`` (the first 50; newest documents first)."""
        matches = selectors.lines_matching(user=request.user, query=request.query_params.get("q", ""))
        return Response([{
            "document": str(match.page.document_id), "document_title": match.page.document.title,
            "page": str(match.page.id), "page_number": match.page.number, "line": str(match.view.line.id),
            "order": match.view.line.order, "text": match.view.text, "source": match.view.current.source,
        } for match in matches])


class PageLinesApi(APIView):
    @extend_schema(responses=LineSerializer(many=True))
    def get(self, request: Request, page_id: UUID) -> Response:
        page = selectors.page_get(user=request.user, page_id=page_id)
        audited(request, page.document, AuditAction.VIEW, f"page {page.number}")
        return Response(LineSerializer(selectors.page_lines(page=page), many=True).data)

    @extend_schema(request=LineBoxSerializer, responses={201: LineSerializer})
    def post(self, request: Request, page_id: UUID) -> Response:
        """Add a line the segmenter missed, drawn as a box; it is read by the model. 409 while the page is processed."""
        page = selectors.page_get(user=request.user, page_id=page_id)
        services.check_editor(page.document, request.user)
        return _line_drawn(request, lambda box: [services.line_add(page=page, **box)], status.HTTP_201_CREATED)


class PageUnreadInkApi(APIView):
    @extend_schema(request=UnreadPlaceMarkSerializer, responses={204: None})
    def patch(self, request: Request, page_id: UUID, place_id: int) -> Response:
        """Dismiss a place of unread ink (the page's ``unread_ink``) where a person saw no text, or undo that."""
        page = selectors.page_get(user=request.user, page_id=page_id)
        services.check_editor(page.document, request.user)
        serializer = UnreadPlaceMarkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not services.unread_ink_mark(page=page, place_id=place_id, user=request.user, **serializer.validated_data):
            return Response({"detail": "This page has no such place (any more)."}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PageUnreadInkReadApi(APIView):
    @extend_schema(request=PlaceReadSerializer, responses={201: LineSerializer(many=True)},
                   operation_id="pages_unread_ink_place_read")
    def post(self, request: Request, page_id: UUID, place_id: int) -> Response:
        """Read the writing in a place of unread ink: each line of it becomes a line (crumbs left
        out stay a place), read by the model. 404 when the place went, 409 while the page is processed."""
        page = selectors.page_get(user=request.user, page_id=page_id)
        services.check_editor(page.document, request.user)
        serializer = PlaceReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        read = partial(services.place_read, page=page, place_id=place_id, **serializer.validated_data)
        return _lines_made(read, status.HTTP_201_CREATED, many=True)


class PageUnreadInkReadAllApi(APIView):
    @extend_schema(request=None, responses={201: LineSerializer(many=True)}, operation_id="pages_unread_ink_read_all")
    def post(self, request: Request, page_id: UUID) -> Response:
        """Read the writing in every open place of unread ink that could hold a line or two (not
        margin notes, places many lines high or crumbs): the lines added, read by the model in one
        job. 409 while the page is processed."""
        page = selectors.page_get(user=request.user, page_id=page_id)
        services.check_editor(page.document, request.user)
        lines = services.places_read_all(page=page)
        recognition.lines_read(page=page, lines=lines)
        body = LineSerializer([selectors.line_view(line=line) for line in lines], many=True).data
        return Response(body, status=status.HTTP_201_CREATED if lines else status.HTTP_200_OK)


class LineDetailApi(APIView):
    @extend_schema(responses=LineSerializer)
    def get(self, request: Request, line_id: UUID) -> Response:
        line = selectors.line_get(user=request.user, line_id=line_id)
        return Response(LineSerializer(selectors.line_view(line=line)).data)

    @extend_schema(
        request=LineTextSaveSerializer, responses={200: LineSavedSerializer, 409: StaleRevisionSerializer}
    )
    def patch(self, request: Request, line_id: UUID) -> Response:
        """Save a corrected text, naming the revision it was edited from; 409 if the line changed since,
        403 for someone the document is shared with as a viewer. On a prescription the answer carries
        the new text's flags."""
        line = selectors.line_get(user=request.user, line_id=line_id)
        serializer = LineTextSaveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = services.line_text_save(line=line, author=request.user, **serializer.validated_data)
        return _line_saved(request, line, version, f"line {line.order + 1} of page {line.page.number}")

    @extend_schema(responses={204: None})
    def delete(self, request: Request, line_id: UUID) -> Response:
        """Remove a line that is not text; 409 when a person saved text for it or the page is being processed."""
        line = selectors.line_get(user=request.user, line_id=line_id)
        services.check_editor(line.page.document, request.user)
        services.line_remove(line=line, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LineRevertApi(APIView):
    @extend_schema(request=LineRevertSerializer, responses={200: LineSavedSerializer, 409: StaleRevisionSerializer})
    def post(self, request: Request, line_id: UUID) -> Response:
        """Make an earlier version's text current again: a new version is added, none is deleted.
        409 if the line changed since ``revision``, 404 for a version the line does not have."""
        line = selectors.line_get(user=request.user, line_id=line_id)
        serializer = LineRevertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = services.line_text_revert(line=line, author=request.user, version_id=serializer.validated_data["version"],
                                            revision=serializer.validated_data["revision"])
        return _line_saved(request, line, version, f"line {line.order + 1} of page {line.page.number} reverted")


def _line_saved(request: Request, line: Line, version, detail: str) -> Response:
    """After a person's text was saved: check it (prescriptions), log it, answer with its flags."""
    flags = recognition.line_flag(line=line)
    audited(request, line.page.document, AuditAction.EDIT, detail)
    body = {"id": line.id, "text": version.text, "revision": line.revision, "author": request.user.get_username(),
            "flags": flags}
    return Response(LineSavedSerializer(body).data)


class LineFlagsConfirmApi(APIView):
    @extend_schema(request=FlagsConfirmSerializer, responses={200: LineSerializer, 409: StaleRevisionSerializer})
    def post(self, request: Request, line_id: UUID) -> Response:
        """A pharmacist checked the flagged spans of the line's current text against the scan and
        confirms them (those named, else all). 409 if the text changed since ``revision``."""
        line = selectors.line_get(user=request.user, line_id=line_id)
        serializer = FlagsConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        confirmed = services.line_flags_confirm(line=line, by=request.user, revision=serializer.validated_data["revision"],
                                                flag_ids=serializer.validated_data.get("flags"))
        audited(request, line.page.document, AuditAction.EDIT,
                f"{confirmed} flag(s) confirmed on line {line.order + 1} of page {line.page.number}")
        return Response(LineSerializer(selectors.line_view(line=line)).data)


class LineBoxApi(APIView):
    @extend_schema(request=LineBoxSerializer, responses={200: LineSerializer})
    def put(self, request: Request, line_id: UUID) -> Response:
        """Give a line a new box; a person's text stays, a model's reading is read again from it.
        409 while the page is processed, 410 when the line was removed meanwhile."""
        line = selectors.line_get(user=request.user, line_id=line_id)
        services.check_editor(line.page.document, request.user)
        return _line_drawn(request, lambda box: [services.line_redraw(line=line, **box)], status.HTTP_200_OK)


def _line_drawn(request: Request, edit: Callable[[dict], list[Line]], done_status: int) -> Response:
    """Do ``edit`` with the box (and direction) drawn in the request; the line, or why not."""
    serializer = LineBoxSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return _lines_made(lambda: edit(serializer.validated_data), done_status, many=False)


def _lines_made(edit: Callable[[], list[Line]], done_status: int, many: bool) -> Response:
    """Do ``edit``, which adds or moves lines, and have those without text read; the line(s), or why not."""
    try:
        made = edit()
    except ValueError as error:  # a box off the page or too small
        return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
    if made:
        recognition.lines_read(page=made[0].page, lines=made)
    views = [selectors.line_view(line=line) for line in made]
    return Response(LineSerializer(views if many else views[0], many=many).data, status=done_status)


class AuditLogApi(APIView):
    @extend_schema(parameters=[OpenApiParameter("document", OpenApiTypes.UUID, description="one document's entries")],
                   responses=AuditEntrySerializer(many=True))
    def get(self, request: Request) -> Response:
        """Who viewed, edited, exported, shared or deleted your documents (staff: any document), newest first."""
        document = request.query_params.get("document")
        try:
            key = UUID(document) if document else None
        except ValueError:
            return Response({"detail": f"“{document}” is not a document id."}, status=status.HTTP_400_BAD_REQUEST)
        return Response(AuditEntrySerializer(selectors.audit_entries(user=request.user, document_key=key)[:1000],
                                             many=True).data)
