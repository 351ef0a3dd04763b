from django.urls import path

from documents import api, export_views

urlpatterns = [
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
    path(
        "documents/<uuid:document_id>/export/<str:fmt>/",
        export_views.DocumentExportApi.as_view(),
        name="api-document-export",
    ),
    path("documents/<uuid:document_id>/exports/", export_views.DocumentExportJobsApi.as_view(),
         name="api-document-exports"),
    path("exports/<uuid:export_id>/", export_views.ExportJobApi.as_view(), name="api-export-detail"),
    path("exports/<uuid:export_id>/file/", export_views.ExportJobFileApi.as_view(), name="api-export-file"),
    path("search/", api.SearchApi.as_view(), name="api-search"),
    path("pages/<uuid:page_id>/", api.PageDetailApi.as_view(), name="api-page-detail"),
    path("pages/<uuid:page_id>/lines/", api.PageLinesApi.as_view(), name="api-page-lines"),
    path("pages/<uuid:page_id>/image/", api.PageImageApi.as_view(), name="api-page-image"),
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
    path("lines/<uuid:line_id>/revert/", api.LineRevertApi.as_view(), name="api-line-revert"),
    path("lines/<uuid:line_id>/flags/confirm/", api.LineFlagsConfirmApi.as_view(), name="api-line-flags-confirm"),
    path("audit/", api.AuditLogApi.as_view(), name="api-audit"),
]
