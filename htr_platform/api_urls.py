from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from documents import api
from htr_platform.accounts import TokenApi
from recognition.views import (
    DocumentFineTuningsApi,
    DocumentJobsApi,
    DocumentReadAgainApi,
    FineTuningDetailApi,
    FineTuningListApi,
    JobDetailApi,
    ModelDetailApi,
    ModelListApi,
    ModelUseApi,
)

urlpatterns = [
    path("auth/token/", TokenApi.as_view(), name="api-token"),
    path("documents/", api.DocumentListApi.as_view(), name="api-documents"),
    path("documents/import/", api.DocumentImportApi.as_view(), name="api-document-import"),
    path("documents/<uuid:document_id>/", api.DocumentDetailApi.as_view(), name="api-document-detail"),
    path(
        "documents/<uuid:document_id>/collaborators/",
        api.DocumentCollaboratorsApi.as_view(),
        name="api-document-collaborators",
    ),
    path(
        "documents/<uuid:document_id>/collaborators/<str:username>/",
        api.DocumentCollaboratorApi.as_view(),
        name="api-document-collaborator",
    ),
    path("documents/<uuid:document_id>/pages/", api.DocumentPagesApi.as_view(), name="api-document-pages"),
    path("documents/<uuid:document_id>/jobs/", DocumentJobsApi.as_view(), name="api-document-jobs"),
    path("documents/<uuid:document_id>/read-again/", DocumentReadAgainApi.as_view(), name="api-document-read-again"),
    path(
        "documents/<uuid:document_id>/fine-tunings/",
        DocumentFineTuningsApi.as_view(),
        name="api-document-fine-tunings",
    ),
    path(
        "documents/<uuid:document_id>/export/<str:fmt>/",
        api.DocumentExportApi.as_view(),
        name="api-document-export",
    ),
    path("search/", api.SearchApi.as_view(), name="api-search"),
    path("pages/<uuid:page_id>/", api.PageDetailApi.as_view(), name="api-page-detail"),
    path("pages/<uuid:page_id>/lines/", api.PageLinesApi.as_view(), name="api-page-lines"),
    path(
        "pages/<uuid:page_id>/unread-ink/<int:place_id>/",
        api.PageUnreadInkApi.as_view(),
        name="api-page-unread-ink",
    ),
    path("pages/<uuid:page_id>/unread-ink/read/", api.PageUnreadInkReadAllApi.as_view(), name="api-page-unread-ink-read-all"),
    path(
        "pages/<uuid:page_id>/unread-ink/<int:place_id>/read/",
        api.PageUnreadInkReadApi.as_view(),
        name="api-page-unread-ink-read",
    ),
    path("lines/<uuid:line_id>/", api.LineDetailApi.as_view(), name="api-line-detail"),
    path("lines/<uuid:line_id>/box/", api.LineBoxApi.as_view(), name="api-line-box"),
    path("jobs/<uuid:job_id>/", JobDetailApi.as_view(), name="api-job-detail"),
    path("models/", ModelListApi.as_view(), name="api-models"),
    path("models/<int:model_id>/", ModelDetailApi.as_view(), name="api-model-detail"),
    path("models/<int:model_id>/use/", ModelUseApi.as_view(), name="api-model-use"),
    path("fine-tunings/", FineTuningListApi.as_view(), name="api-fine-tunings"),
    path("fine-tunings/<uuid:run_id>/", FineTuningDetailApi.as_view(), name="api-fine-tuning-detail"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
