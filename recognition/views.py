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
from rest_framework import status
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from documents.errors import NotEditor
from documents.selectors import document_get, document_list
from documents.services import check_editor
from recognition import services
from recognition.errors import FineTuningRefused, ModelFileMissing, ModelInUse, ReadAgainRefused
from recognition.forms import KIND_CHOICES, FineTuningForm, FormularyForm, ModelUseForm
from recognition.models import FineTuning, FormularyDrug, Job, RecognitionModel
from recognition.selectors import (
    document_status,
    fine_tuning_outcome,
    job_json,
    kinds_read,
    model_figures,
    models_deletable,
)
from recognition.serializers import (
    FineTuningSerializer,
    FineTuningStartSerializer,
    ModelUseSerializer,
    RecognitionModelSerializer,
)


@login_required
@require_POST
def document_read_again(request: HttpRequest, document_id: UUID) -> HttpResponse:
    document = document_get(user=request.user, document_id=document_id)
    try:
        check_editor(document, request.user)
        services.document_read_again(document=document)
    except (ReadAgainRefused, NotEditor) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The lines nobody checked are being read again; what people wrote stays as it is.")
    return redirect("document-detail", document_id=document.id)


@login_required
@require_POST
def document_fine_tune(request: HttpRequest, document_id: UUID) -> HttpResponse:
    document = document_get(user=request.user, document_id=document_id)
    try:
        check_editor(document, request.user)
        services.fine_tuning_start(user=request.user, document=document)
    except (FineTuningRefused, NotEditor) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The model is being tuned to this handwriting: this page follows it.")
    return redirect("document-detail", document_id=document.id)


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


class DocumentReadAgainApi(APIView):
    @extend_schema(request=None, responses={202: OpenApiTypes.OBJECT})
    def post(self, request: Request, document_id: UUID) -> Response:
        """Read the lines nobody verified again with the model for the document's kind (409 while
        it is being processed); returns the document's jobs and progress."""
        document = document_get(user=request.user, document_id=document_id)
        check_editor(document, request.user)
        services.document_read_again(document=document)
        return Response(document_status(document=document), status=status.HTTP_202_ACCEPTED)


class DocumentFineTuningsApi(APIView):
    @extend_schema(responses=FineTuningSerializer(many=True))
    def get(self, request: Request, document_id: UUID) -> Response:
        """The runs that tuned (or tune) a model to this document's handwriting, newest first."""
        document = document_get(user=request.user, document_id=document_id)
        runs = FineTuning.objects.filter(document=document).select_related("requested_by", "model", "base_model")
        return Response(FineTuningSerializer(runs, many=True).data)

    @extend_schema(request=None, responses={202: FineTuningSerializer})
    def post(self, request: Request, document_id: UUID) -> Response:
        """Tune the model that reads this document to its handwriting, on its checked lines: it
        reads the document from then on only if it reads checked lines held out of its training
        better, and the lines nobody checked are read again with it. 409 while another run is queued
        or running, 400 with fewer checked lines than a run needs (the message says how many more)."""
        document = document_get(user=request.user, document_id=document_id)
        check_editor(document, request.user)
        return _fine_tuning_started(request, document=document)


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
            services.fine_tuning_start(user=request.user, kind=form.cleaned_data["kind"],
                                       steps=form.cleaned_data["steps"])
        except FineTuningRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Fine-tuning queued: this page follows it.")
            return redirect("models")
    runs = FineTuning.objects.select_related("requested_by", "model", "base_model", "document")[:20]
    models = list(RecognitionModel.objects.all())
    read = kinds_read(models)
    # A model fine-tuned on one kind is offered for that kind first.
    tuned_for = dict(FineTuning.objects.filter(model__isnull=False).values_list("model_id", "kind"))
    deletable = models_deletable(models)
    return render(request, "recognition/models.html", {
        "form": form, "runs": [(run, fine_tuning_outcome(run)) for run in runs],
        "models": [(model, model_figures(model), read.get(model.id, []),
                    ModelUseForm(auto_id=False, initial={"kind": tuned_for.get(model.id, "")}),
                    model.id in deletable) for model in models],
        "active": any(run.state in services.FINE_TUNING_ACTIVE for run in runs),
        "formulary": FormularyDrug.objects.all(),
        "formulary_form": FormularyForm(),
    })


@staff_required
@require_POST
def formulary_edit(request: HttpRequest) -> HttpResponse:
    """Staff add names to the pharmacy's formulary (``names``, one a line) or remove one (``remove`` = its id)."""
    if "remove" in request.POST:
        removed, _ = FormularyDrug.objects.filter(pk=request.POST["remove"]).delete()
        messages.success(request, "Removed from the formulary." if removed else "That name was removed already.")
        return redirect("models")
    form = FormularyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the drug names to add, one a line.")
        return redirect("models")
    added = services.formulary_add(names=form.cleaned_data["names"].splitlines(), by=request.user)
    messages.success(request, f"{len(added)} name{'s' if len(added) != 1 else ''} added to the formulary." if added
                     else "Those names are in the formulary already.")
    return redirect("models")


@staff_required
@require_POST
def model_use(request: HttpRequest, model_id: int) -> HttpResponse:
    model = get_object_or_404(RecognitionModel, pk=model_id)
    form = ModelUseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a kind of document from the list.")
        return redirect("models")
    kind = form.cleaned_data["kind"]
    try:
        services.model_make_current(model=model, kind=kind)
    except ModelFileMissing as error:
        messages.error(request, str(error))
    else:
        pages = f"New pages of {dict(KIND_CHOICES)[kind]}" if kind else "New pages of every kind without a model of its own"
        messages.success(request, f"{pages} are read with {model} from now on; pages read before keep their text.")
    return redirect("models")


@staff_required
@require_POST
def model_delete(request: HttpRequest, model_id: int) -> HttpResponse:
    model = get_object_or_404(RecognitionModel, pk=model_id)
    try:
        services.model_delete(model=model)
    except ModelInUse as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{model} was deleted, with its file.")
    return redirect("models")


class ModelListApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses=RecognitionModelSerializer(many=True))
    def get(self, request: Request) -> Response:
        """The registered models, newest first, with what each measured and reads (staff only)."""
        models = list(RecognitionModel.objects.all())
        return Response(RecognitionModelSerializer(models, many=True, context={"read": kinds_read(models)}).data)


class ModelUseApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(request=ModelUseSerializer, responses=RecognitionModelSerializer)
    def post(self, request: Request, model_id: int) -> Response:
        """Read new pages of a kind (blank: of every kind without a model of its own) with this
        model from now on (staff only)."""
        model = get_object_or_404(RecognitionModel, pk=model_id)
        use = ModelUseSerializer(data=request.data)
        use.is_valid(raise_exception=True)
        services.model_make_current(model=model, kind=use.validated_data["kind"])
        read = kinds_read(list(RecognitionModel.objects.all()))
        return Response(RecognitionModelSerializer(model, context={"read": read}).data)


class ModelDetailApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses={204: None})
    def delete(self, request: Request, model_id: int) -> Response:
        """Delete a model that reads nothing and read no page, e.g. one a fine-tuning kept aside (staff
        only; 409 otherwise)."""
        services.model_delete(model=get_object_or_404(RecognitionModel, pk=model_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class FineTuningListApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses=FineTuningSerializer(many=True))
    def get(self, request: Request) -> Response:
        """The fine-tuning runs, newest first (staff only)."""
        runs = FineTuning.objects.select_related("requested_by", "model", "base_model")
        return Response(FineTuningSerializer(runs, many=True).data)

    @extend_schema(request=FineTuningStartSerializer, responses={202: FineTuningSerializer})
    def post(self, request: Request) -> Response:
        """Queue a run that fine-tunes the model reading new pages on the lines people checked
        (staff only): 409 while another run is queued or running, 400 with too few checked lines."""
        start = FineTuningStartSerializer(data=request.data)
        start.is_valid(raise_exception=True)
        return _fine_tuning_started(request, **start.validated_data)


class FineTuningDetailApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses=FineTuningSerializer)
    def get(self, request: Request, run_id: UUID) -> Response:
        runs = FineTuning.objects.select_related("requested_by", "model", "base_model")
        return Response(FineTuningSerializer(get_object_or_404(runs, pk=run_id)).data)


class FineTuningStopApi(APIView):
    @extend_schema(request=None, responses={200: FineTuningSerializer})
    def post(self, request: Request, run_id: UUID) -> Response:
        """Stop a queued or running run (one whose worker is stuck, say): for the person who
        started it, the owner of the document it tunes to, and staff; 409 once it has ended. Its
        worker stops after the step it is in, and the models in use stay."""
        runs = FineTuning.objects.select_related("requested_by", "model", "base_model", "document")
        if not request.user.is_staff:
            runs = runs.filter(document__in=document_list(user=request.user))
        run = get_object_or_404(runs, pk=run_id)
        services.fine_tuning_cancel(run=run, by=request.user)
        run.refresh_from_db()
        return Response(FineTuningSerializer(run).data)


@login_required
@require_POST
def fine_tuning_stop(request: HttpRequest, run_id: UUID) -> HttpResponse:
    """The web page's button for FineTuningStopApi; back to the page it was pressed on."""
    runs = FineTuning.objects.select_related("document")
    if not request.user.is_staff:
        runs = runs.filter(document__in=document_list(user=request.user))
    run = get_object_or_404(runs, pk=run_id)
    try:
        services.fine_tuning_cancel(run=run, by=request.user)
    except FineTuningRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The run is stopped; the models in use stay.")
    if run.document_id:
        return redirect("document-detail", document_id=run.document_id)
    return redirect("models")


def _fine_tuning_started(request: Request, **start: object) -> Response:
    run = services.fine_tuning_start(user=request.user, **start)
    return Response(FineTuningSerializer(run).data, status=status.HTTP_202_ACCEPTED)
