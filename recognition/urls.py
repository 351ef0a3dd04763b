from django.urls import path

from recognition import views

urlpatterns = [
    path("documents/<uuid:document_id>/status.json", views.document_status_json, name="document-status"),
    path("documents/<uuid:document_id>/read-again/", views.document_read_again, name="document-read-again"),
    path("documents/<uuid:document_id>/fine-tune/", views.document_fine_tune, name="document-fine-tune"),
    path("models/", views.models_page, name="models"),
    path("models/formulary/", views.formulary_edit, name="formulary-edit"),
    path("fine-tunings/<uuid:run_id>/stop/", views.fine_tuning_stop, name="fine-tuning-stop"),
    path("models/<int:model_id>/use/", views.model_use, name="model-use"),
    path("models/<int:model_id>/delete/", views.model_delete, name="model-delete"),
]
