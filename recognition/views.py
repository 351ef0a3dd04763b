"""Job status for the web page (polled as JSON) and the API; the staff page of recognition models."""
from __future__ import annotations

from functools import wraps
from typing import Callable
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from documents.selectors import document_get, document_list
from recognition import services
from recognition.errors import FineTuningRefused, ModelFileMissing
from recognition.forms import FineTuningForm
from recognition.models import FineTuning, Job, RecognitionModel
from recognition.selectors import document_status, fine_tuning_outcome, job_json, model_figures


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


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Models serve every user, and fine-tuning trains on everyone's verified lines: staff only."""

    @login_required
    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_staff:
            raise PermissionDenied("Only staff manage the recognition models.")
        return view(request, *args, **kwargs)

    return checked


@staff_required
@require_http_methods(["GET", "POST"])
def models_page(request: HttpRequest) -> HttpResponse:
    """The registered models and the fine-tuning runs; the form that starts one."""
    form = FineTuningForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.fine_tuning_start(user=request.user, kinds=form.cleaned_data["kinds"],
                                       epochs=form.cleaned_data["epochs"])
        except FineTuningRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Fine-tuning queued: this page follows it.")
            return redirect("models")
    runs = FineTuning.objects.select_related("requested_by", "model", "base_model")[:20]
    return render(request, "recognition/models.html", {
        "form": form, "runs": [(run, fine_tuning_outcome(run)) for run in runs],
        "models": [(model, model_figures(model)) for model in RecognitionModel.objects.all()],
        "active": any(run.state in services.FINE_TUNING_ACTIVE for run in runs),
    })


@staff_required
@require_POST
def model_use(request: HttpRequest, model_id: int) -> HttpResponse:
    model = get_object_or_404(RecognitionModel, pk=model_id)
    try:
        services.model_make_current(model=model)
    except ModelFileMissing as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"New pages are read with {model} from now on; pages read before keep their text.")
    return redirect("models")
