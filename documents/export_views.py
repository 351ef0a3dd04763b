"""Exports, on the web and through the API: at once for a document of ordinary size, else made by a
worker (documents.services.export_jobs) whose progress a page follows until its file can be downloaded.

Whoever may see a document may export it, and download its exports; each download is in the audit log."""
from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from documents import selectors, services
from documents.exports import EXPORT_FORMATS, export_filename, export_response
from documents.models import AuditAction, ExportJob, ExportState
from documents.request_audit import audited
from documents.responses import attachment
from documents.serializers import ExportJobSerializer, ExportStartSerializer


@login_required
@require_GET
def document_download(request: HttpRequest, document_id: UUID, fmt: str) -> HttpResponse:
    document = selectors.document_get(user=request.user, document_id=document_id)
    if fmt not in EXPORT_FORMATS:
        raise Http404(f"No such export format: use {', '.join(EXPORT_FORMATS)}.")
    try:
        services.export_size_check(document=document)
    except services.ExportTooLarge as error:  # a link from before the document grew
        messages.info(request, f"{error} Choose the format from Export again.")
        return redirect("document-detail", document_id=document.id)
    response = export_response(document=document, fmt=fmt)
    audited(request, document, AuditAction.EXPORT, fmt)
    return response


@login_required
@require_POST
def export_start(request: HttpRequest, document_id: UUID) -> HttpResponse:
    document = selectors.document_get(user=request.user, document_id=document_id)
    try:
        job = services.export_job_start(document=document, by=request.user, fmt=request.POST.get("format", ""))
    except services.UnknownFormat as error:
        messages.error(request, str(error))
        return redirect("document-detail", document_id=document.id)
    return redirect("export-detail", export_id=job.id)


@login_required
@require_GET
def export_detail(request: HttpRequest, export_id: UUID) -> HttpResponse:
    """The export's progress (the page reloads itself until it has ended), then its download link."""
    job = selectors.export_job_get(user=request.user, export_id=export_id)
    return render(request, "documents/export_detail.html", {
        "job": job, "document": job.document, "active": job.state in (ExportState.QUEUED, ExportState.RUNNING),
    })


@login_required
@require_GET
def export_file(request: HttpRequest, export_id: UUID) -> HttpResponse:
    job = selectors.export_job_get(user=request.user, export_id=export_id)
    if job.state != ExportState.DONE:
        messages.error(request, "This export is not ready: this page says when it is.")
        return redirect("export-detail", export_id=job.id)
    return _file_response(request, job)


def _file_response(request: HttpRequest, job: ExportJob) -> FileResponse:
    response = FileResponse(job.file.open("rb"), content_type=EXPORT_FORMATS[job.format][1])
    response["Content-Disposition"] = attachment(export_filename(job.document, job.format))
    audited(request, job.document, AuditAction.EXPORT, job.format)
    return response


class DocumentExportApi(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, document_id: UUID, fmt: str) -> HttpResponse:
        """Download the document as txt, docx, pdf (searchable), csv, json, alto (zip) or page (zip),
        with the current text. 409 for a document over the size exported at once: start an export
        job instead (POST .../exports/)."""
        document = selectors.document_get(user=request.user, document_id=document_id)
        if fmt not in EXPORT_FORMATS:
            raise services.UnknownFormat(fmt)
        services.export_size_check(document=document)
        response = export_response(document=document, fmt=fmt)
        audited(request, document, AuditAction.EXPORT, fmt)
        return response


class DocumentExportJobsApi(APIView):
    @extend_schema(request=ExportStartSerializer, responses={202: ExportJobSerializer})
    def post(self, request: Request, document_id: UUID) -> Response:
        """Start an export made by a worker, of a document of any size; follow it at its URL
        (``/api/exports/<id>/``) and download its ``file`` once it is done. Your export of the same
        format that is queued or running already, if there is one."""
        document = selectors.document_get(user=request.user, document_id=document_id)
        start = ExportStartSerializer(data=request.data)
        start.is_valid(raise_exception=True)
        job = services.export_job_start(document=document, by=request.user, fmt=start.validated_data["format"])
        return Response(ExportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ExportJobApi(APIView):
    @extend_schema(responses=ExportJobSerializer)
    def get(self, request: Request, export_id: UUID) -> Response:
        """An export's state and progress (0..1); once done, where to download its file and until when."""
        return Response(ExportJobSerializer(selectors.export_job_get(user=request.user, export_id=export_id)).data)


class ExportJobFileApi(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, export_id: UUID) -> HttpResponse:
        """The export's file; 409 while it is being made or when it failed."""
        job = selectors.export_job_get(user=request.user, export_id=export_id)
        if job.state != ExportState.DONE:
            return Response({"detail": f"This export is {job.state}: its file is not there."},
                            status=status.HTTP_409_CONFLICT)
        return _file_response(request, job)
