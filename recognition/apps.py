from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "recognition"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from documents.signals import (
            document_deleting,
            document_imported,
            document_uploaded,
            page_deleting,
            page_lines_edited,
            page_turned,
            pages_added,
        )
        from recognition.receivers import (
            find_places_on_imported_document,
            forget_models_tuned_to_document,
            process_added_pages,
            process_turned_page,
            process_uploaded_document,
            read_drawn_line,
            refuse_deleting_a_page_being_learned,
        )

        document_uploaded.connect(process_uploaded_document, dispatch_uid="recognition-process-upload")
        document_imported.connect(find_places_on_imported_document, dispatch_uid="recognition-find-places-on-import")
        page_turned.connect(process_turned_page, dispatch_uid="recognition-process-turned-page")
        page_lines_edited.connect(read_drawn_line, dispatch_uid="recognition-read-drawn-line")
        document_deleting.connect(forget_models_tuned_to_document, dispatch_uid="recognition-forget-document-models")
        pages_added.connect(process_added_pages, dispatch_uid="recognition-process-added-pages")
        page_deleting.connect(refuse_deleting_a_page_being_learned, dispatch_uid="recognition-page-deleting")
