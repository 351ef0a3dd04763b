"""Job status for the web page (polled as JSON) and the API."""
from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from documents.selectors import document_get, document_list
from recognition.models import Job
from recognition.selectors import document_status, job_json


@login_required
@require_GET
def document_status_json(request: HttpRequest, document_id: UUID) -> JsonResponse:
    document = document_get(user=request.user, document_id=document_id)
    return JsonResponse(document_status(document=document))


class DocumentJobsApi(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, document_id: UUID) -> Response:
        """The document's jobs (one per page and step) and its overall progress."""
        document = document_get(user=request.user, document_id=document_id)
        return Response(document_status(document=document))


class JobDetailApi(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, job_id: UUID) -> Response:
        jobs = Job.objects.select_related("page", "model").filter(document__in=document_list(user=request.user))
        return Response(job_json(get_object_or_404(jobs, pk=job_id)))
