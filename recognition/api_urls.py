from django.urls import path

from recognition import views

urlpatterns = [
    path("documents/<uuid:document_id>/jobs/", views.DocumentJobsApi.as_view(), name="api-document-jobs"),
    path("documents/<uuid:document_id>/read-again/", views.DocumentReadAgainApi.as_view(), name="api-document-read-again"),
    path(
        "documents/<uuid:document_id>/fine-tunings/",
        views.DocumentFineTuningsApi.as_view(),
        name="api-document-fine-tunings",
    ),
    path("jobs/<uuid:job_id>/", views.JobDetailApi.as_view(), name="api-job-detail"),
    path("models/", views.ModelListApi.as_view(), name="api-models"),
    path("models/<int:model_id>/", views.ModelDetailApi.as_view(), name="api-model-detail"),
    path("models/<int:model_id>/use/", views.ModelUseApi.as_view(), name="api-model-use"),
    path("fine-tunings/", views.FineTuningListApi.as_view(), name="api-fine-tunings"),
    path("fine-tunings/<uuid:run_id>/", views.FineTuningDetailApi.as_view(), name="api-fine-tuning-detail"),
    path("fine-tunings/<uuid:run_id>/stop/", views.FineTuningStopApi.as_view(), name="api-fine-tuning-stop"),
]
