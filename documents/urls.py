from django.urls import path

from documents import export_views, views

urlpatterns = [
    path("", views.document_list, name="document-list"),
    path("import/", views.document_import, name="document-import"),
    path("audit/", views.audit_log, name="audit-log"),
    path("<uuid:document_id>/", views.document_detail, name="document-detail"),
    path("<uuid:document_id>/sharing/", views.document_sharing, name="document-sharing"),
    path("<uuid:document_id>/edit/", views.document_edit, name="document-edit"),
    path("<uuid:document_id>/delete/", views.document_delete, name="document-delete"),
    path("<uuid:document_id>/pages/add/", views.document_pages_add, name="document-pages-add"),
    path("<uuid:document_id>/export/<str:fmt>/", export_views.document_download, name="document-download"),
    path("<uuid:document_id>/exports/", export_views.export_start, name="document-export-start"),
    path("exports/<uuid:export_id>/", export_views.export_detail, name="export-detail"),
    path("exports/<uuid:export_id>/file/", export_views.export_file, name="export-file"),
    path("pages/<uuid:page_id>/", views.page_review, name="page-review"),
    path("pages/<uuid:page_id>/turn/", views.page_turn, name="page-turn"),
    path("pages/<uuid:page_id>/delete/", views.page_delete, name="page-delete"),
    path("pages/<uuid:page_id>/image/", views.page_image, name="page-image"),
]
